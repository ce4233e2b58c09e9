"""Cards, forms and buttons -> Telegram HTML and inline keyboards.

Every piece of text in a card may come from a user (model names, reasons, notes), so every piece is escaped
with `html.escape` before our own tags go around it, and `@` gets an invisible word joiner after it so a
name like `@admins` is shown, never turned into a mention that notifies someone.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from moderation.kernel.actions import Button, Card, Form
from moderation.kernel.commands import COMMANDS
from moderation.kernel.i18n import _, using
from moderation.kernel.phrasing import Spelling, as_typed

__all__ = [
    "MAX_TEXT",
    "MAX_TOAST",
    "card_html",
    "escape",
    "expired_card",
    "form_html",
    "keyboard",
    "toast",
    "welcome_card",
]

MAX_TEXT = 4096  # Telegram's limit, counted on the text after entity parsing
MAX_TOAST = 200  # answerCallbackQuery text limit
ROW = 3
MAX_FIELDS = 10
_WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """User text -> safe HTML text that cannot mention anyone."""
    return html.escape(text, quote=False).replace("@", "@" + _WORD_JOINER)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def _visible(text: str) -> int:
    """Characters a user sees once escaped: entities count as one, each `@` gains a word joiner."""
    return len(text) + text.count("@")


# (title, field name, field value, footer) limits: generous first; the tight set always fits even if every
# character were an `@` (10 fields), so the body, the only long part, gets what is left.
_CAPS = ((256, 64, 300, 400), (200, 32, 120, 300))


def card_html(card: Card) -> str:
    """A card as Telegram HTML: bold title, `name: value` fields, body, italic footer; within 4096 chars."""
    for title_cap, name_cap, value_cap, footer_cap in _CAPS:
        title = _clip(card.title, title_cap)
        fields = [(_clip(n, name_cap), _clip(v, value_cap)) for n, v in card.fields[:MAX_FIELDS]]
        footer = _clip(card.footer or "", footer_cap)
        room = MAX_TEXT - _visible(title) - sum(_visible(n) + _visible(v) + 3 for n, v in fields) - _visible(footer) - 4
        if room >= 500:
            break
    body = card.body
    while body and _visible(body) > room:
        limit = min(len(body) - 1, room - body.count("@"))
        body = _clip(body, limit) if limit > 1 else ""
    parts = [f"<b>{escape(title)}</b>"]
    parts += [f"<b>{escape(name)}:</b> {escape(value)}" for name, value in fields]
    if body:
        parts.append("")
        parts.append(escape(body))
    if footer:
        parts.append("")
        parts.append(f"<i>{escape(footer)}</i>")
    return "\n".join(parts)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Buttons in rows of three; `callback_data` is the core's payload, untouched (<= 64 bytes)."""
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(_clip(b.label, 64), callback_data=b.payload) for b in buttons[i : i + ROW]]
        for i in range(0, len(buttons), ROW)
    ]
    return InlineKeyboardMarkup(rows)


def toast(card: Card) -> str | None:
    """The text of a callback answer (a toast) when the card fits in one; None when it does not."""
    text = card.title if not card.body else f"{card.title}: {card.body}"
    return text if len(text) <= MAX_TOAST else None


def _form_usage(form: Form, spell: Spelling) -> str:
    """`/flag R3 <norm> <reason…>`: positional fields when the command has them as parameters, else
    `name=choice` pairs for a free-text parameter (the review checklist)."""
    spec = COMMANDS.get(form.command)
    params = {p.name for p in spec.params} if spec else set()
    words = [f"/{spell(form.command)}", form.release_ref]
    for f in form.fields:
        if f.name in params:
            words.append(f"<{f.name}…>" if f.long else f"<{f.name}>")
        elif f.choices:
            words.append(f"{f.name}={'|'.join(f.values)}")
        else:
            words.append(f"{f.name}=<{f.label}>")
    return " ".join(words)


def form_html(form: Form, spell: Spelling = as_typed) -> str:
    """Text platforms have no modal: tell the person the exact command to send (spelled as they type it),
    with the allowed values."""
    spec = COMMANDS.get(form.command)
    params = {p.name for p in spec.params} if spec else set()
    usage = _clip(_form_usage(form, spell), 1000)
    with using(form.locale):  # the form's language: the member's own
        lines = [f"<b>{escape(_clip(form.title, 200))}</b>", _("Send this command:"), f"<code>{escape(usage)}</code>"]
        for f in form.fields:
            line = f"• {escape(f.name)}: {escape(_clip(f.label, 200))}"
            if f.choices and f.name in params:
                line += "\n  " + escape(_("one of: {values}").format(values=_clip(", ".join(f.values), 2000)))
            lines.append(line)
        return "\n".join(lines)


def welcome_card() -> Card:
    """The answer to `/start` in a private chat: why a private chat with the bot is useful. In the current
    language (the caller sets the member's `language_code`)."""
    return Card(
        _("Hi! I'm normbot."),
        _(
            "I help model-making communities review releases against their own norms. I work in your community's "
            "group; here I'll send you what is meant for you alone: notes about your own releases (what a norm "
            "check found, and how to fix it) and my answers to you (help, your flags, the moderation queue)."
        ),
        footer=_("In the group, send /help for the commands."),
    )


def expired_card() -> Card:
    """`/start <token>` whose answer is gone (expired, already read, another member's link, a restart). In the
    current language, as `welcome_card`."""
    return Card(
        _("That answer is no longer waiting"),
        _(
            "Answers wait here for 15 minutes after you ask, and only for the person who asked. "
            "Send the command again in the group; the answer will come straight here now that we have a chat."
        ),
        footer=_("In the group, send /help for the commands."),
    )
