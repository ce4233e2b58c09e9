"""A core form on Telegram, in the member's private chat with the bot: inline keyboards for the choice
fields, a reply (ForceReply) for the text fields.

Why: before, Flag and Review answered with a command to type (`/flag R12 <norm> <reason>`, a norm id from a
list of 21, the review as `id=yes|no|na` pairs). Now Flag shows the pack's norms by title as buttons (paged,
"Other" on every page), then asks for the reason as the member's next message; Review shows one question
at a time, whole, with Yes / No / N.A. buttons, editing the same message from question to question, then
offers an optional note. The answers go to the core as the form's command, run in the group the button was
pressed in (permissions and input checked there, as for a typed command).

State: a form in progress is kept here, in this process's memory, under a random token that its buttons
carry (`nbt1:<token>:<step>`); only the member who opened it can answer it. It lives `FORM_TTL` seconds,
bounded in number. A restart, or a step that reaches another replica, finds nothing: the member is told to
press the button on the release again (nothing was recorded yet; a form records only when it is sent).
Why memory and not the payload as on Discord: the steps happen in a private chat, which names no community;
the group the form was opened in must come from something the member cannot forge.
"""

from __future__ import annotations

import html
import re
import secrets
import time
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.expiring import ExpiringTokens
from bot.telegram.render import escape
from moderation.kernel.actions import Choice, Form, FormField
from moderation.kernel.events import ChatRef

__all__ = [
    "FORM_TTL",
    "PER_PAGE",
    "FormSession",
    "FormSessions",
    "choice_markup",
    "parse_step",
    "step_html",
    "summary_html",
    "text_prompt_html",
]

FORM_TTL = 30 * 60.0
MAX_FORMS = 2000
PER_PAGE = 8  # norms per keyboard page (one per row, readable on a phone)
_STEP = re.compile(r"nbt1:([A-Za-z0-9_-]{8,16}):([cp][0-9]{1,4}|s)")
_SHORT = 14  # choices this short (yes / no / n.a.) share one row


@dataclass(slots=True)
class FormSession:
    """One member's form in progress: which group it belongs to, the answers so far, the field asked now."""

    token: str
    user_id: str
    origin: ChatRef
    form: Form
    expires: float
    answers: dict[str, str] = field(default_factory=dict)
    at: int = 0
    page: int = 0

    @property
    def current(self) -> FormField | None:
        """The field asked now (None once every field was asked)."""
        return self.form.fields[self.at] if self.at < len(self.form.fields) else None

    def advance(self) -> FormField | None:
        """Move to the next field; returns it."""
        self.at += 1
        self.page = 0
        return self.current


class FormSessions:
    """Token -> form in progress, oldest dropped first beyond `MAX_FORMS`, each kept at most `FORM_TTL`."""

    def __init__(self, ttl: float = FORM_TTL, limit: int = MAX_FORMS) -> None:
        self.ttl = ttl
        self._open: ExpiringTokens[FormSession] = ExpiringTokens(limit)

    def __len__(self) -> int:
        return len(self._open)

    def open(self, user_id: str, origin: ChatRef, form: Form) -> FormSession:
        """A new form for `user_id`, opened in `origin` (the group)."""
        session = FormSession(secrets.token_urlsafe(8), user_id, origin, form, time.monotonic() + self.ttl)
        self._open.put(session.token, session)
        return session

    def get(self, token: str, user_id: str) -> FormSession | None:
        """The form behind `token` if it is still open and `user_id` opened it."""
        found = self._open.get(token)
        return found if found is not None and found.user_id == user_id else None

    def awaiting_text(self, user_id: str) -> FormSession | None:
        """The member's most recent form that waits for a text answer (their next message)."""
        for session in self._open.newest_first():
            if session.user_id == user_id and session.current is not None and not session.current.choices:
                return session
        return None

    def close(self, token: str) -> None:
        """The form was sent (or abandoned): its buttons stop working."""
        self._open.pop(token)


def parse_step(data: str) -> tuple[str, str] | None:
    """(token, step) of a form button's callback data, or None when it is not one (or is malformed)."""
    m = _STEP.fullmatch(data or "")
    return (m.group(1), m.group(2)) if m else None


def _pages(field: FormField) -> list[list[tuple[int, Choice]]]:
    numbered = list(enumerate(field.choices))
    pinned = [(i, c) for i, c in numbered if c.pinned]
    rest = [(i, c) for i, c in numbered if not c.pinned]
    if len(numbered) <= PER_PAGE + len(pinned):
        return [numbered]
    return [rest[i : i + PER_PAGE] + pinned for i in range(0, len(rest), PER_PAGE)]


def _label(text: str, limit: int = 64) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def choice_markup(session: FormSession) -> InlineKeyboardMarkup | None:
    """The current choice field as buttons: short choices in one row, others one per row and paged."""
    current = session.current
    if current is None or not current.choices:
        return None
    pages = _pages(current)
    page = min(session.page, len(pages) - 1)
    data = f"nbt1:{session.token}:"
    items = pages[page]
    if all(len(c.label) <= _SHORT for _, c in items) and len(items) <= 4:
        rows = [[InlineKeyboardButton(c.label, callback_data=f"{data}c{i}") for i, c in items]]
    else:
        rows = [[InlineKeyboardButton(_label(c.label), callback_data=f"{data}c{i}")] for i, c in items]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀ Back", callback_data=f"{data}p{page - 1}"))
    if page < len(pages) - 1:
        nav.append(InlineKeyboardButton("More ▶", callback_data=f"{data}p{page + 1}"))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def step_html(session: FormSession) -> str:
    """The message for the current choice field: the form's title, the question whole, where we are."""
    current = session.current
    assert current is not None
    form = session.form
    lines = [f"<b>{escape(form.title)}</b>"]
    choice_fields = form.choice_fields
    if len(choice_fields) > 1:
        lines.append(f"Question {choice_fields.index(current) + 1} of {len(choice_fields)}")
    lines.append(escape(current.label))
    hints = [f"• {escape(c.label)}: {escape(c.hint)}" for c in current.choices if c.hint and c.pinned]
    lines.extend(hints)
    pages = _pages(current)
    if len(pages) > 1:
        lines.append(f"<i>Page {min(session.page, len(pages) - 1) + 1} of {len(pages)}: More ▶ shows the others.</i>")
    return "\n".join(lines)


def summary_html(session: FormSession) -> str:
    """The choices made so far (what the stepping message says once the choices are done)."""
    form = session.form
    lines = [f"<b>{escape(form.title)}</b>"]
    for f in form.choice_fields:
        chosen = f.choice(session.answers.get(f.name, ""))
        lines.append(f"{escape(f.label)}\n→ <b>{escape(chosen.label if chosen else 'not answered')}</b>")
    return "\n".join(lines)


def text_prompt_html(session: FormSession) -> str:
    """The ForceReply message asking for the current text field."""
    current = session.current
    assert current is not None
    how = "Send it as your next message (a reply to this one)."
    if not current.required:
        how += " Or press “Send without it” above."
    return f"<b>{escape(session.form.title)}</b>\n{escape(current.label)}\n{html.escape(how, quote=False)}"
