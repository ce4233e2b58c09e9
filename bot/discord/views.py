"""Interactive pieces: the persistent payload button and the modal that shows a core form.

Both are stateless, so they keep working after a restart and on any replica:

- `PayloadButton` is a `discord.ui.DynamicItem` whose template matches every `nb1:` custom id, registered
  once at start-up (`client.add_dynamic_items`). The payload goes to the core untouched; the core parses it
  and refuses anything forged or stale.
- `form_modal` builds a modal whose custom id names the form (`nbf:<command>:<release>`) and whose inputs
  are named after the form's fields. The modal is stopped before it is shown, so discord.py does not keep
  it; the submission is read back from the interaction by `read_submission` (see `DiscordAdapter`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord

from moderation.actions import Form, FormField

__all__ = ["FORM_ID", "PAYLOAD_ID", "PayloadButton", "PressHandler", "form_id", "form_modal", "read_submission"]

PressHandler = Callable[[discord.Interaction, str], Awaitable[None]]
FORM_ID = re.compile(r"nbf:([a-z]{1,20}):([A-Za-z0-9#]{1,20})")
_LABEL, _TITLE, _PLACEHOLDER, _INPUTS = 45, 45, 100, 5


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


def form_id(form: Form) -> str | None:
    """The modal's custom id for a form, or None when the form cannot be named in one (not a core form)."""
    custom_id = f"nbf:{form.command}:{form.release_ref}"
    return custom_id if FORM_ID.fullmatch(custom_id) else None


def _placeholder(choices: tuple[str, ...]) -> str | None:
    if not choices:
        return None
    text = " / ".join(choices)
    return text if len(text) <= _PLACEHOLDER else text[: _PLACEHOLDER - 1] + "…"


def _input(field: FormField) -> discord.ui.TextInput[Any]:
    short = bool(field.choices) and max(len(c) for c in field.choices) <= 20
    return discord.ui.TextInput(
        label=field.label[:_LABEL],
        custom_id=field.name[:100],
        style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
        placeholder=_placeholder(field.choices),
        required=field.required,
        max_length=20 if short else (1000 if field.long else 100),
    )


def form_modal(form: Form) -> discord.ui.Modal | None:
    """The form as a modal (one text input per field, at most five; choices are named in the
    placeholder and checked by the core, which answers with the valid values when a member types
    something else). None when the form cannot be named in a custom id."""
    custom_id = form_id(form)
    if custom_id is None:
        return None
    modal = discord.ui.Modal(title=form.title[:_TITLE] or "normbot", custom_id=custom_id, timeout=None)
    for field in form.fields[:_INPUTS]:
        modal.add_item(_input(field))
    modal.stop()  # not kept by the client: the submission is read from the interaction itself
    return modal


def _values(components: Any, out: dict[str, str]) -> None:
    for component in components or ():
        if not isinstance(component, Mapping):
            continue
        if component.get("type") == 4 and isinstance(component.get("custom_id"), str):
            out[component["custom_id"]] = str(component.get("value") or "")
        _values(component.get("components"), out)
        if isinstance(component.get("component"), Mapping):
            _values([component["component"]], out)


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
    fields = tuple(FormField(name, name, required=False) for name in answers)
    return Form(match.group(1), "", match.group(2), fields), answers
