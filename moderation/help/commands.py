"""/help: what the bot can do, per role, or how to use one command."""

from __future__ import annotations

from typing import Any

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command, lookup, visible_commands
from moderation.kernel.errors import NotFound
from moderation.kernel.invocation import Invocation
from moderation.releases.cards import (
    clip,
)

__all__: list[str] = []


@command("help", "What I can do, or how to use one command", Param("command", "A command name", required=False))
async def help_(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Help lists only what the asker may run, spelled as this platform types commands; it is private to the
    asker (a list of 18 commands is noise for everyone else in the group)."""
    spell = inv.services.phrasings.spelling(inv.chat.platform)
    name = (args.get("command") or "").strip()
    if name:
        spec = lookup(name)
        if spec is None:
            raise NotFound(
                f"There is no command /{clip(name.lstrip('/'), 30)}.", hint=f"Send {inv.ref('help')} for the list."
            )
        lines = [
            spec.description,
            f"Usage: {spec.usage_in(spell)}",
            *(f"  {p.name}: {p.description}" for p in spec.params),
        ]
        lines += [f"Example: {e}" for e in spec.examples]
        return [Reply(Card(inv.ref(spec.name), "\n".join(lines)), ephemeral=True, private=True)]
    lines = [f"{c.usage_in(spell)} — {c.description}" for c in visible_commands(inv.privilege)]
    return [
        Reply(
            Card(
                "normbot commands",
                "\n".join(lines),
                footer="Reply to an announcement with a command to target that release.",
            ),
            ephemeral=True,
            private=True,
        )
    ]
