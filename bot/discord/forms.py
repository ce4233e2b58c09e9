"""A core form on Discord: an ephemeral message with one select per choice field, then a modal for the
text fields.

Why not one modal: a modal input's label is cut at 45 characters and takes only typed text, so a norm id
typed wrong lost the reason and every review question was cut. Selects show each choice by its label (a
norm's title), and the questions are written whole in the message.

Discord allows 5 action rows per message and 25 options per select: a page holds up to 4 selects (each
question above it in the message) and a row of buttons (Back, Next, Continue); a field with more than 25
options gets pages of its own, each with the field's pinned choices ("Other"). A form with a single choice
field (the flag's norm) opens its modal as soon as the choice is made.

Stateless, like the buttons: every component's custom id is the core's progress payload
(`moderation.kernel.forms.Progress`: command, release, form digest, page, the answers so far, and the step the
component does), so a half-filled form keeps working after a restart and on any replica. Each step asks
the core for the form again (release and permissions checked every time) and the final submission is the
form's command, run by the core like a typed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.discord import render
from moderation.kernel.actions import Card, Choice, Form, FormField
from moderation.kernel.forms import Progress, answers_of
from moderation.kernel.i18n import _, using

__all__ = ["MAX_OPTIONS", "SELECTS_PER_PAGE", "Part", "form_card", "form_view", "pages", "step_modal", "text_values"]

SELECTS_PER_PAGE = 4  # the fifth row holds the buttons
MAX_OPTIONS = 25
_LABEL, _TITLE, _PLACEHOLDER, _OPTION, _SELECT_PLACEHOLDER = 45, 45, 100, 100, 150


@dataclass(frozen=True, slots=True)
class Part:
    """One select on a page: the field (its position among the choice fields) and the options it shows."""

    index: int
    field: FormField
    options: tuple[Choice, ...]


def pages(form: Form) -> list[list[Part]]:
    """The choice fields laid out in pages of selects (see the module docstring)."""
    out: list[list[Part]] = []
    current: list[Part] = []
    for index, field in enumerate(form.choice_fields):
        if len(field.choices) <= MAX_OPTIONS:
            if len(current) == SELECTS_PER_PAGE:
                out.append(current)
                current = []
            current.append(Part(index, field, field.choices))
            continue
        if current:
            out.append(current)
            current = []
        pinned = tuple(c for c in field.choices if c.pinned)[: MAX_OPTIONS - 1]
        rest = [c for c in field.choices if not c.pinned]
        size = MAX_OPTIONS - len(pinned)
        out.extend([Part(index, field, (*rest[i : i + size], *pinned))] for i in range(0, len(rest), size))
    if current:
        out.append(current)
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def form_card(form: Form, progress: Progress, note: str = "") -> Card:
    """The message above the selects: every question of the page written whole, with the answer so far (in
    the form's language, the member's own)."""
    with using(form.locale):
        return _form_card(form, progress, note)


def _form_card(form: Form, progress: Progress, note: str) -> Card:
    laid = pages(form)
    page = min(progress.page, max(len(laid) - 1, 0))
    answers = answers_of(form, progress)
    many = len(form.choice_fields) > 1
    lines: list[str] = []
    for part in laid[page] if laid else []:
        chosen = part.field.choice(answers.get(part.field.name, ""))
        prefix = f"{part.index + 1}. " if many else ""
        lines.append(f"{prefix}{part.field.label}")
        lines.append("→ " + (chosen.label if chosen else _("not answered yet")))
    if not many and laid and len(laid) > 1:
        lines.append(
            _("Page {page} of {pages}: the other choices are on the other pages.").format(
                page=page + 1, pages=len(laid)
            )
        )
    then = [f.label.split(" (")[0] for f in form.text_fields]
    footer = _("Then: {fields}.").format(fields=", ".join(then)) if then else _("Then press Continue to send.")
    if many:
        done = len(answers)
        footer = (
            _("{done} of {total} answered · page {page} of {pages}.").format(
                done=done, total=len(form.choice_fields), page=page + 1, pages=len(laid)
            )
            + " "
            + footer
        )
    if note:
        lines.append(note)
    return Card(form.title, "\n".join(lines), footer=footer)


def form_view(form: Form, progress: Progress) -> discord.ui.View:
    """The selects of the page and the buttons row; stopped (not kept: interactions are read from the
    interaction itself, see `DiscordAdapter`)."""
    laid = pages(form)
    page = min(progress.page, max(len(laid) - 1, 0))
    at = progress.at_page(page)
    answers = answers_of(form, progress)
    view = discord.ui.View(timeout=None)
    many = len(form.choice_fields) > 1
    for row, part in enumerate(laid[page] if laid else []):
        chosen = answers.get(part.field.name)
        options = [
            discord.SelectOption(
                label=_clip(choice.label, _OPTION) or choice.value[:_OPTION],
                value=str(part.field.choices.index(choice)),
                description=_clip(choice.hint, _OPTION) or None,
                default=choice.value == chosen,
            )
            for choice in part.options
        ]
        with using(form.locale):
            asked = _("Answer question {n}").format(n=part.index + 1)
        placeholder = asked if many else _clip(part.field.label, _SELECT_PLACEHOLDER)
        custom_id = at.doing(f"s{part.index}").encode()
        assert custom_id is not None
        view.add_item(discord.ui.Select(custom_id=custom_id, placeholder=placeholder, options=options, row=row))
    row = min(len(laid[page]) if laid else 0, SELECTS_PER_PAGE)
    with using(form.locale):
        back, next_, go = _("Back"), _("Next"), _("Continue")
    if page > 0:
        view.add_item(_button(f"◀ {back}", at.at_page(page - 1).doing(f"p{page - 1}"), row))
    if page < len(laid) - 1:
        view.add_item(_button(f"{next_} ▶", at.at_page(page + 1).doing(f"p{page + 1}"), row))
    if many and page == len(laid) - 1:
        ready = all(f.name in answers for f in form.choice_fields if f.required)
        view.add_item(_button(go, at.doing("c"), row, primary=True, disabled=not ready))
    view.stop()
    return view


def _button(label: str, progress: Progress, row: int, *, primary: bool = False, disabled: bool = False) -> Any:
    custom_id = progress.encode()
    assert custom_id is not None
    style = discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary
    return discord.ui.Button(label=label, custom_id=custom_id, style=style, row=row, disabled=disabled)


def step_modal(form: Form, progress: Progress) -> discord.ui.Modal:
    """The text fields as a modal (at most five); its custom id is the progress with the choices made, so
    the submission needs nothing else. The title names what was chosen when there was one choice (the norm
    being flagged); each label is clipped to Discord's 45 characters and written whole as the
    placeholder."""
    answers = answers_of(form, progress)
    title = form.title
    if len(form.choice_fields) == 1:
        field = form.choice_fields[0]
        chosen = field.choice(answers.get(field.name, ""))
        if chosen is not None:
            title = f"{form.title}: {chosen.label}"
    custom_id = progress.doing("m").encode()
    assert custom_id is not None
    modal = discord.ui.Modal(title=_clip(title, _TITLE) or "normbot", custom_id=custom_id, timeout=None)
    for field in form.text_fields[:5]:
        modal.add_item(
            discord.ui.TextInput(
                label=_clip(field.label, _LABEL),
                custom_id=field.name[:100],
                style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
                placeholder=_clip(field.label, _PLACEHOLDER) if len(field.label) > _LABEL else None,
                required=field.required,
                max_length=1000 if field.long else 100,
            )
        )
    modal.stop()
    return modal


def text_values(components: Any, out: dict[str, str] | None = None) -> dict[str, str]:
    """The text inputs of a modal submission by custom id, in action rows or labels (both layouts)."""
    found: dict[str, str] = {} if out is None else out
    for component in components or ():
        if not isinstance(component, Mapping):
            continue
        if component.get("type") == 4 and isinstance(component.get("custom_id"), str):
            found[component["custom_id"]] = str(component.get("value") or "")
        text_values(component.get("components"), found)
        if isinstance(component.get("component"), Mapping):
            text_values([component["component"]], found)
    return found


def embed_of(card: Card) -> discord.Embed:
    """The form's message as an embed (escaped like every card)."""
    return render.card_embed(card)
