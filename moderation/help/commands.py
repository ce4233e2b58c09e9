"""/help: what the bot can do, per role, or how to use one command."""

from __future__ import annotations

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command, lookup, visible_commands
from moderation.kernel.errors import NotFound
from moderation.kernel.i18n import _, translate
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import Word
from moderation.releases.cards import (
    clip,
)

__all__: list[str] = []


@command("help", "What I can do, or how to use one command", Param("command", "A command name", Word(), required=False))
async def help_(inv: Invocation, *, command: str | None) -> list[Action]:
    """Help lists only what the asker may run, spelled as this platform types commands; it is private to the
    asker (a list of 18 commands is noise for everyone else in the group)."""
    spell = inv.services.phrasings.spelling(inv.chat.platform)
    name = (command or "").strip()
    if name:
        spec = lookup(name)
        if spec is None:
            raise NotFound(
                _("There is no command {command}.").format(command=f"/{clip(name.lstrip('/'), 30)}"),
                hint=_("Send {help} for the list.").format(help=inv.ref("help")),
            )
        lines = [
            spec.summary,
            _("Usage: {usage}").format(usage=spec.usage_in(spell)),
            *(f"  {p.name}: {translate(p.description)}" for p in spec.params),
        ]
        lines += [_("Example: {example}").format(example=e) for e in spec.examples]
        return [Reply(Card(inv.ref(spec.name), "\n".join(lines)), ephemeral=True, private=True)]
    lines = [f"{c.usage_in(spell)} — {c.summary}" for c in visible_commands(inv.privilege)]
    return [
        Reply(
            Card(
                _("normbot commands"),
                "\n".join(lines),
                footer=_("Reply to an announcement with a command to target that release."),
            ),
            ephemeral=True,
            private=True,
        )
    ]
