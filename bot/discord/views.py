"""Interactive pieces: the persistent payload button and the modal that shows a core form.

`PayloadButton` is a `discord.ui.DynamicItem` whose template matches every `nb1:` custom id, registered
once at start-up (`client.add_dynamic_items`), so a press on a prompt posted before a restart still reaches
the core. The payload is passed on untouched; the core parses it and refuses anything forged or stale.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from moderation.actions import Form

__all__ = ["FormModal", "PayloadButton", "PressHandler", "SubmitHandler"]

PressHandler = Callable[[discord.Interaction, str], Awaitable[None]]
SubmitHandler = Callable[[discord.Interaction, Form, dict[str, str]], Awaitable[None]]
_LABEL, _TITLE, _PLACEHOLDER = 45, 45, 100


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?P<payload>nb1:\S{1,96})"):
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


def _placeholder(choices: tuple[str, ...]) -> str | None:
    if not choices:
        return None
    text = " / ".join(choices)
    return text if len(text) <= _PLACEHOLDER else text[: _PLACEHOLDER - 1] + "…"


class FormModal(discord.ui.Modal):
    """A core `Form` as a modal: one text input per field (choices are named in the placeholder and
    checked by the core, which answers with the valid values when a member types something else)."""

    def __init__(self, form: Form, on_submit: SubmitHandler) -> None:
        super().__init__(title=form.title[:_TITLE], timeout=900, custom_id=f"nbform:{secrets.token_hex(8)}")
        self.form = form
        self._on_submit = on_submit
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for field in form.fields[:5]:
            short = bool(field.choices) and max(len(c) for c in field.choices) <= 20
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=field.label[:_LABEL],
                custom_id=field.name[:100],
                style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
                placeholder=_placeholder(field.choices),
                required=field.required,
                max_length=20 if short else (1000 if field.long else 100),
            )
            self.inputs[field.name] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        answers = {name: str(text_input.value or "") for name, text_input in self.inputs.items()}
        await self._on_submit(interaction, self.form, answers)
