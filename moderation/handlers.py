"""Every module of commands, listed once.

A command is defined where its behaviour lives (`@command` in `handlers_*.py`); this list is where they are
all found, so `moderation.core` imports it (and so every command and button is registered) at the top,
instead of importing the modules for their side effect at the bottom of the core. A new module of commands
is added here, and `tests/core/test_commands.py` fails if a module defines commands without being listed.
"""

from __future__ import annotations

from types import ModuleType

from moderation import (
    handlers_admin,
    handlers_detection,
    handlers_privacy,
    handlers_provenance,
    handlers_releases,
    handlers_social,
)
from moderation.setup import commands as setup_commands

__all__ = ["MODULES"]

MODULES: tuple[ModuleType, ...] = (
    handlers_admin,
    handlers_detection,
    handlers_privacy,
    handlers_provenance,
    handlers_releases,
    handlers_social,
    setup_commands,
)
