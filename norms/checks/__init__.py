"""Check kinds: one module per norm-file key that decides something automatically.

Each module has `ID` (the key), a docstring with PASS/FAIL examples (read by docs and tests) and
`build(value) -> Check | None` taking the schema-validated value. `question` is not here: it never decides
automatically; evaluation turns an undecided norm with a question into `needs_review`.
See norms/README.md "adding a check kind".
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from norms.checks import (
    forbid,
    license_allow,
    license_deny,
    license_flowdown,
    match,
    nsfw_channel,
    parent_permissions,
    require,
    require_any,
)
from norms.checks._base import CheckConfigError
from norms.model import Check

__all__ = ["KINDS", "CheckConfigError", "build_check"]

_MODULES: tuple[ModuleType, ...] = (
    require,
    require_any,
    forbid,
    match,
    license_allow,
    license_deny,
    license_flowdown,
    parent_permissions,
    nsfw_channel,
)
KINDS: dict[str, ModuleType] = {m.ID: m for m in _MODULES}
"""Check kinds by key, in the order they run."""


def build_check(kind: str, value: Any) -> Check | None:
    """Compile one check; raises CheckConfigError on a bad configuration (e.g. a pattern RE2 rejects)."""
    builder: Callable[[Any], Check | None] = KINDS[kind].build
    return builder(value)
