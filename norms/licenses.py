"""License facts for the license checks, read from `norms/data/licenses.yaml`.

Why a data file: which licenses flow down, and which base model ships under which license, changes as
new bases appear; a moderator should be able to extend the table without touching check code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["LicenseInfo", "base_model_license", "license_info", "normalize_license"]


@dataclass(frozen=True, slots=True)
class LicenseInfo:
    """What a derivative of a model under this license must respect."""

    id: str
    flowdown: bool = False
    commercial: bool = True
    permissive: bool = False
    accepts: tuple[str, ...] = ()


def _key(value: str) -> str:
    """Case- and punctuation-insensitive lookup key ('+' kept: openrail++ is not openrail)."""
    return re.sub(r"[^a-z0-9+]", "", value.lower())


@dataclass(frozen=True, slots=True)
class _Table:
    licenses: dict[str, LicenseInfo]
    aliases: dict[str, str]
    bases: dict[str, str]


@cache
def _table() -> _Table:
    raw: dict[str, Any] = yaml.safe_load(resources.files("norms").joinpath("data/licenses.yaml").read_text("utf-8"))
    licenses: dict[str, LicenseInfo] = {}
    aliases: dict[str, str] = {}
    for lid, spec in raw["licenses"].items():
        licenses[lid] = LicenseInfo(
            id=lid,
            flowdown=bool(spec.get("flowdown", False)),
            commercial=bool(spec.get("commercial", True)),
            permissive=bool(spec.get("permissive", False)),
            accepts=tuple(spec.get("accepts", ())),
        )
        for name in (lid, *spec.get("aliases", ())):
            aliases[_key(name)] = lid
    bases = {_key(name): row["license"] for row in raw["base_models"] for name in row["names"]}
    return _Table(licenses, aliases, bases)


def normalize_license(value: str) -> str:
    """The canonical id of a license name (`'CreativeML Open RAIL-M'` -> `creativeml-openrail-m`).

    Unknown names come back lower-cased and trimmed, so comparisons still work on them.
    """
    return _table().aliases.get(_key(value), value.strip().lower())


def license_info(value: str) -> LicenseInfo | None:
    """Facts about a license by any known spelling, or None if the table does not know it."""
    return _table().licenses.get(normalize_license(value))


def base_model_license(base_model: str) -> str | None:
    """The license a base model ships under (`'SD 1.5'` -> `creativeml-openrail-m`), or None if unknown."""
    return _table().bases.get(_key(base_model))
