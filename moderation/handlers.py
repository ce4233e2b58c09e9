"""Every module of commands, listed once.

A command is defined where its behaviour lives: `@command` in the `commands.py` of its feature folder
(`moderation/flags/commands.py` holds /flag and /resolve, `moderation/endorsements/commands.py` /endorse).
This list is where they are all found, so `moderation.dispatcher` imports it (and so every command and button is
registered) at the top, instead of importing the modules for their side effect at the bottom of the core. A
new feature's commands module is added here, and `tests/core/test_commands.py` fails if a module defines
commands without being listed.
"""

from __future__ import annotations

from types import ModuleType

from moderation.announcements import commands as announcements
from moderation.appeals import commands as appeals
from moderation.detection import commands as detection
from moderation.endorsements import commands as endorsements
from moderation.flags import commands as flags
from moderation.help import commands as help_
from moderation.norms_admin import commands as norms_admin
from moderation.privacy import commands as privacy
from moderation.provenance import commands as provenance
from moderation.releases import commands as releases
from moderation.reviews import commands as reviews
from moderation.setup import commands as setup

__all__ = ["MODULES"]

MODULES: tuple[ModuleType, ...] = (
    announcements,
    appeals,
    detection,
    endorsements,
    flags,
    help_,
    norms_admin,
    privacy,
    provenance,
    releases,
    reviews,
    setup,
)
