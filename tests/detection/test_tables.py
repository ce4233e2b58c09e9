"""The normalisation tables in moderation/data are data, so check that every alias resolves to its entry."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from moderation.extraction.tables import key_of, tables


def _load(name: str) -> Any:
    return yaml.safe_load(resources.files("moderation.data").joinpath(name).read_text(encoding="utf-8"))


def test_every_base_model_alias_resolves_to_its_canonical_name() -> None:
    """No alias of one base model is shadowed by another's (keys are separator-insensitive)."""
    data = _load("base_models.yaml")
    t = tables()
    clashes = [
        (alias, name, t.base_models.lookup(str(alias)))
        for name, aliases in data["models"].items()
        for alias in aliases
        if t.base_models.lookup(str(alias)) != name
    ]
    assert clashes == []


def test_llm_family_sizes_expand() -> None:
    """'Qwen2.5' + '7B' is reachable under every family alias."""
    t = tables()
    assert t.base_models.lookup("qwen-2.5-7b") == "Qwen2.5 7B"
    assert t.base_models.lookup("Meta Llama 3.1 70B") == "Llama 3.1 70B"
    assert "Llama 3.1 70B" in t.llm_bases


def test_every_license_alias_resolves_to_its_id() -> None:
    """Each license alias maps back to its own id."""
    data = _load("licenses.yaml")
    t = tables()
    wrong = [
        (alias, lic, t.licenses.lookup(str(alias)))
        for lic, spec in data["licenses"].items()
        for alias in [*(spec.get("aliases") or ()), *(spec.get("context_aliases") or ())]
        if t.licenses.lookup(str(alias)) != lic
    ]
    assert wrong == []


def test_keys_ignore_case_and_separators() -> None:
    """'SD 1.5', 'sd1.5' and 'SD-1.5' share one key; '++' is kept."""
    assert key_of("SD 1.5") == key_of("sd1.5") == key_of("SD-1.5") == "sd15"
    assert key_of("OpenRAIL++") != key_of("OpenRAIL")
