"""How members on each platform type commands: the spelling of names and how a command finds its release.

A command has one canonical name (`forget-me`), but platforms spell typed names differently: Telegram allows
only `[a-z0-9_]`, so it shows `/forget_me`. Platforms also differ in how a command finds its release when no
id is typed (`Targeting`). Adapters say both once at start-up (`Phrasings.set_spelling`, `set_targeting`);
every card that names a command is worded from here, so a footer never asks a Discord member to reply with a
slash command, which Discord cannot do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Phrasing", "Phrasings", "Spelling", "Targeting", "as_typed"]

Spelling = Callable[[str], str]
"""A platform's spelling of a canonical command name (`forget-me` -> `forget_me` on Telegram)."""


Targeting = Literal["reply", "thread", "latest"]
"""How a member points a command at a release without typing its id on a platform: `reply` to its announcement
or prompt (Telegram), type it in the release's review `thread` (Discord, whose slash commands cannot be
replies), or the `latest` release announced in the chat (the console, which also takes replies)."""


def as_typed(name: str) -> str:
    """The canonical spelling (the default for platforms that take it as it is: Discord, the console)."""
    return name


@dataclass(frozen=True, slots=True)
class Phrasing:
    """How members on one platform type commands: the names (`spell`) and how a command finds its release
    (`targeting`). Cards that tell people which command to use are worded with it, so a footer never asks a
    Discord member to reply with a slash command, which Discord cannot do."""

    spell: Spelling = as_typed
    targeting: Targeting = "latest"

    def ref(self, name: str) -> str:
        """`/forget-me` as typed here (`/forget_me` on Telegram)."""
        return f"/{self.spell(name)}"


@dataclass
class Phrasings:
    """Each platform's `Phrasing`, as its adapter declared it (the canonical spelling and the console's
    `latest` targeting for a platform that said nothing)."""

    _spellings: dict[str, Spelling] = field(default_factory=dict)
    _targeting: dict[str, Targeting] = field(default_factory=dict)

    def set_spelling(self, platform: str, spell: Spelling) -> None:
        """How `platform` spells typed command names (Telegram has no hyphens)."""
        self._spellings[platform] = spell

    def set_targeting(self, platform: str, targeting: Targeting) -> None:
        """How a command on `platform` finds its release when no id is typed (Telegram commands reply to the
        announcement, Discord's run in the review thread)."""
        self._targeting[platform] = targeting

    def spelling(self, platform: str) -> Spelling:
        """The spelling of command names on `platform` (canonical unless its adapter set one)."""
        return self._spellings.get(platform, as_typed)

    def phrasing(self, platform: str) -> Phrasing:
        """Command names and release targeting on `platform`."""
        return Phrasing(self.spelling(platform), self._targeting.get(platform, "latest"))

    def command_ref(self, platform: str, name: str) -> str:
        """`/forget-me` as a member on `platform` types it (`/forget_me` on Telegram)."""
        return f"/{self.spelling(platform)(name)}"
