"""The core's settings form (`/setup`) on Telegram: an inline-keyboard dialogue in the moderator's private chat.

The first message lists the settings with their values and one button per setting; a setting's button turns
the message into its choices (the community's groups by name, numbers, durations, languages) with Reset and
Back; a choice goes to the core as `/setup <setting> <value>`, run in the chat `/setup` was typed in (the
group, with the moderator's admin rights there, or the private chat, where the file must name them), and the
message shows the form the core answers with. "➕ Add a group" asks the core for a one-time invite and shows
it as a `https://t.me/<bot>?startgroup=<token>` button: Telegram lets the moderator pick a group, adds the bot
and sends the token there, which the adapter hands to the core as `ChatInvited`. Nobody reads a chat id.

State: like the Flag and Review forms (bot.telegram.forms), the dialogue is kept in this process's memory
under a random token its buttons carry (`nbs1:<token>:<step>`), for the moderator who opened it only; a
restart finds nothing and the moderator sends /setup again (nothing is lost: every choice was saved at once).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.expiring import ExpiringTokens
from bot.telegram.render import escape
from moderation.kernel.actions import SettingField, SettingsForm
from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import N_, _, translate, using

__all__ = [
    "SETUP_TTL",
    "SetupSession",
    "SetupSessions",
    "field_html",
    "field_markup",
    "form_html",
    "form_markup",
    "parse_step",
]

SETUP_TTL = 30 * 60.0
MAX_SETUPS = 500
_STEP = re.compile(r"nbs1:([A-Za-z0-9_-]{8,16}):(o[0-9]{1,2}|v[0-9]{1,2}\.[0-9]{1,2}|r[0-9]{1,2}|i[0-9]{1,2}|b)")
ROLE_OF = {"review-chat": "review", "mod-chat": "mod", "log-chat": "log"}
NO_ROLES = N_(
    "Telegram has no roles: group administrators are moderators, and reviewers are named in normbot.toml "
    '(reviewers = ["telegram:@handle"]). Reviewer roles set on Discord apply there.'
)


@dataclass(slots=True)
class SetupSession:
    """One moderator's dialogue: where /setup was typed (the core runs each change there) and the form shown."""

    token: str
    user_id: str
    origin: ChatRef
    form: SettingsForm
    expires: float


class SetupSessions:
    """Token -> dialogue, oldest dropped beyond `MAX_SETUPS`, each kept `SETUP_TTL` seconds."""

    def __init__(self, ttl: float = SETUP_TTL, limit: int = MAX_SETUPS) -> None:
        self.ttl = ttl
        self._open: ExpiringTokens[SetupSession] = ExpiringTokens(limit)

    def open(self, user_id: str, origin: ChatRef, form: SettingsForm) -> SetupSession:
        """A new dialogue for `user_id`, whose changes run in `origin`."""
        session = SetupSession(secrets.token_urlsafe(8), user_id, origin, form, time.monotonic() + self.ttl)
        self._open.put(session.token, session)
        return session

    def get(self, token: str, user_id: str) -> SetupSession | None:
        """The dialogue behind `token` if it is still open and `user_id` opened it."""
        found = self._open.get(token)
        return found if found is not None and found.user_id == user_id else None


def parse_step(data: str) -> tuple[str, str] | None:
    """(token, step) of a setup button's callback data, or None when it is not one."""
    m = _STEP.fullmatch(data or "")
    return (m.group(1), m.group(2)) if m else None


def _label(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def form_html(form: SettingsForm) -> str:
    """The settings, one line each: the value in force and where it came from (the dialogue's own words in
    the form's language)."""
    with using(form.locale):
        return _form_html(form)


def _form_html(form: SettingsForm) -> str:
    lines = [f"<b>{escape(form.title)}</b>"]
    if form.note:
        lines.append(f"<i>{escape(form.note)}</i>")
    for f in form.fields:
        lines.append(f"• {escape(f.label)}: <b>{escape(f.shown)}</b> ({escape(f.source)})")
    lines.append(_("Choose a setting to change it; each change is saved at once."))
    return "\n".join(lines)


def form_markup(session: SetupSession, bot_username: str) -> InlineKeyboardMarkup:
    """A button per setting, two to a row; the invite just asked for, as a `startgroup` link."""
    data = f"nbs1:{session.token}:"
    buttons = [
        InlineKeyboardButton(_label(f.label, 30), callback_data=f"{data}o{i}")
        for i, f in enumerate(session.form.fields)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    invite = session.form.invite
    if invite:
        url = f"https://t.me/{bot_username}?startgroup={invite}"
        with using(session.form.locale):
            label = "➕ " + _("Add me to the {role} group").format(role=session.form.invite_role)
        rows.insert(0, [InlineKeyboardButton(label, url=url)])
    return InlineKeyboardMarkup(rows)


def field_html(form: SettingsForm, field: SettingField) -> str:
    """One setting: what it does, its value, where the value came from."""
    with using(form.locale):
        lines = [f"<b>{escape(form.title)}</b>", f"<b>{escape(field.label)}</b>: {escape(field.help)}"]
        lines.append(
            _("Now: {value} ({source})").format(value=f"<b>{escape(field.shown)}</b>", source=escape(field.source))
        )
        if field.kind == "roles":
            lines.append(escape(translate(NO_ROLES)))
        elif field.kind == "chat":
            lines.append(_("Choose one of the community's groups, or add me to another one."))
        return "\n".join(lines)


def field_markup(session: SetupSession, index: int) -> InlineKeyboardMarkup:
    """The setting's choices (the value in force marked ✓), then Add a group (chats), Reset and Back."""
    field = session.form.fields[index]
    data = f"nbs1:{session.token}:"
    rows: list[list[InlineKeyboardButton]] = []
    if field.kind != "roles":
        choices = [
            InlineKeyboardButton(
                _label(("✓ " if c.value in field.values else "") + c.label), callback_data=f"{data}v{index}.{j}"
            )
            for j, c in enumerate(field.choices[:24])
        ]
        short = all(len(c.label) <= 8 for c in field.choices)
        width = 5 if short else 1
        rows.extend(choices[i : i + width] for i in range(0, len(choices), width))
    with using(session.form.locale):
        add, back, reset = _("Add a group"), _("Back"), _("Use the file's value")
    if field.kind == "chat":
        rows.append([InlineKeyboardButton(f"➕ {add}", callback_data=f"{data}i{index}")])
    tail = [InlineKeyboardButton(f"◀ {back}", callback_data=f"{data}b")]
    if field.kind != "roles":
        tail.insert(0, InlineKeyboardButton(f"↺ {reset}", callback_data=f"{data}r{index}"))
    rows.append(tail)
    return InlineKeyboardMarkup(rows)
