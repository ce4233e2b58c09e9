"""Interactive pieces: the persistent payload button and the modal that shows a core form.

Both are stateless, so they keep working after a restart and on any replica:

- `PayloadButton` is a `discord.ui.DynamicItem` whose template matches every `nb1:` custom id, registered
  once at start-up (`client.add_dynamic_items`). The payload goes to the core untouched; the core parses it
  and refuses anything forged or stale.
- `read_submission` reads a modal of the first form layout (`nbf:<command>:<release>`, every field typed),
  so one opened before an upgrade can still be submitted. Forms are now shown by `bot.discord.forms`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord

from moderation.kernel.actions import Choice, Form, FormField
from moderation.kernel.commands import COMMANDS

__all__ = ["FORM_ID", "PAYLOAD_ID", "PayloadButton", "PressHandler", "read_submission"]

PressHandler = Callable[[discord.Interaction, str], Awaitable[None]]
FORM_ID = re.compile(r"nbf:([a-z]{1,20}):([A-Za-z0-9#]{1,20})")


PAYLOAD_TEMPLATE = r"(?P<payload>nb1:\S{1,96})"
PAYLOAD_ID = re.compile(PAYLOAD_TEMPLATE)


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=PAYLOAD_TEMPLATE):
    """Any button whose custom id starts with `nb1:`; the press goes to the client's `normbot_press`."""

    def __init__(self, payload: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=payload))
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PayloadButton:
        return cls(match["payload"])

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: PressHandler | None = getattr(interaction.client, "normbot_press", None)
        if handler is not None:
            await handler(interaction, self.payload)


def _values(components: Any, out: dict[str, str]) -> None:
    for component in components or ():
        if not isinstance(component, Mapping):
            continue
        if component.get("type") == 4 and isinstance(component.get("custom_id"), str):
            out[component["custom_id"]] = str(component.get("value") or "")
        _values(component.get("components"), out)
        if isinstance(component.get("component"), Mapping):
            _values([component["component"]], out)


def _typed_choice(value: str) -> tuple[Choice, ...]:
    word = value.split()[0] if value.split() else ""
    return (Choice(word, word),) if word else ()


def read_submission(data: Mapping[str, Any] | None) -> tuple[Form, dict[str, str]] | None:
    """(form, answers by field name) of a modal submission whose custom id names a form; None otherwise.
    Text inputs may come in action rows or labels (Discord's newer modal layout); both are read."""
    if not data:
        return None
    match = FORM_ID.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    answers: dict[str, str] = {}
    _values(data.get("components"), answers)
    spec = COMMANDS.get(match.group(1))
    params = {p.name for p in spec.params} if spec else set()
    # The old modal typed choices as text: a field that is no parameter was a choice (a checklist answer).
    fields = tuple(
        FormField(name, name, _typed_choice(answers[name]) if name not in params else (), required=False)
        for name in answers
    )
    return Form(match.group(1), "", match.group(2), fields), answers
