"""Answers meant for one member, delivered in their private chat with the bot instead of the group.

Telegram has no ephemeral messages: whatever the bot posts in a group, the whole group reads. So a `private`
reply (help, a moderator's queue, a creator's flags, a flag confirmation) and a form's instructions go to
the actor's private chat, and the group gets at most one line saying where the answer went. A bot may only
write to people who started it; for the others the answer waits here under a random token, and the pointer
is a deep link (`https://t.me/<bot>?start=<token>`) that opens the private chat and sends `/start <token>`,
which delivers it. Only the member it was meant for can redeem it (anyone in the group can see the link).

Waiting answers live in this process's memory, bounded in number and time: a restart or a deep link opened
on another replica finds nothing, and the member is told to ask again (nothing was recorded by the answer
itself; the command's effect is already stored).
"""

from __future__ import annotations

import html
import secrets
import time
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.telegram.expiring import ExpiringTokens
from moderation.kernel.i18n import N_

__all__ = ["DELIVERED_NOTE", "PENDING_TTL", "Pending", "PendingAnswers", "deep_link", "link_note"]

PENDING_TTL = 15 * 60.0  # seconds an answer waits for its deep link
MAX_PENDING = 1000
DELIVERED_NOTE = N_("I sent you the answer in our private chat.")


@dataclass(frozen=True, slots=True)
class Pending:
    """An answer waiting for its member to open the private chat."""

    user_id: str
    html: str
    markup: InlineKeyboardMarkup | None
    expires: float


class PendingAnswers:
    """Token -> answer, oldest dropped first beyond `MAX_PENDING`, each kept at most `PENDING_TTL` seconds."""

    def __init__(self, ttl: float = PENDING_TTL, limit: int = MAX_PENDING) -> None:
        self.ttl = ttl
        self._waiting: ExpiringTokens[Pending] = ExpiringTokens(limit)

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, user_id: str, text: str, markup: InlineKeyboardMarkup | None) -> str:
        """Keep an answer for `user_id`; returns the token of its deep link (URL-safe, 22 characters)."""
        token = secrets.token_urlsafe(16)
        self._waiting.put(token, Pending(user_id, text, markup, time.monotonic() + self.ttl))
        return token

    def take(self, token: str, user_id: str) -> Pending | None:
        """The answer behind `token` if it is still waiting and meant for `user_id` (then it is gone);
        someone else's token leaves it waiting for its member."""
        found = self._waiting.get(token)
        if found is None or found.user_id != user_id:
            return None
        self._waiting.pop(token)
        return found


def deep_link(bot_username: str, token: str) -> str:
    """The link that opens the bot's private chat and sends `/start <token>` when the member presses Start."""
    return f"https://t.me/{bot_username}?start={token}"


def link_note(url: str) -> str:
    """The one-line group pointer for a member the bot cannot write to yet (HTML)."""
    return (
        f'This answer is for you only: <a href="{html.escape(url, quote=True)}">open a private chat with me</a> '
        "and press Start to read it."
    )
