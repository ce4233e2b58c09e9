"""Posting to Telegram: send, edit and DM with the rules every message follows.

Every message is HTML (escaped by `render`), has link previews off (an attacker's link must not unfurl in
the community's chat), stays in its forum topic, replies with `allow_sending_without_reply` (a deleted
announcement must not lose the prompt), and follows a group that became a supergroup: on `ChatMigrated`
the core is told (so the store follows) and the message is sent again to the new id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, ForceReply, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden

from moderation.kernel.events import ChatRef

__all__ = ["Outbox", "tg_id"]

log = logging.getLogger("normbot.telegram")
Migrate = Callable[[str, str], Awaitable[None]]
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def tg_id(value: str) -> int | str:
    """Telegram chat ids are integers (negative for groups); `@channel` names stay strings."""
    return int(value) if value.lstrip("-").isdigit() else value


class Outbox:
    """Sends and edits through one `Bot`; `migrate(old, new)` is called when a chat id moved."""

    def __init__(self, bot: Bot, migrate: Migrate) -> None:
        self.bot = bot
        self._migrate = migrate

    async def send(
        self,
        chat: ChatRef,
        html: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        reply_to: str | None = None,
    ) -> Message:
        """Post in `chat` (and its topic); returns the posted message (its chat may be the migrated one)."""
        kwargs: dict[str, object] = {
            "text": html,
            "parse_mode": ParseMode.HTML,
            "reply_markup": markup,
            "link_preview_options": _NO_PREVIEW,
        }
        if chat.thread_id is not None:
            kwargs["message_thread_id"] = int(chat.thread_id)
        if reply_to is not None and reply_to.isdigit():
            kwargs["reply_parameters"] = ReplyParameters(int(reply_to), allow_sending_without_reply=True)
        try:
            return await self.bot.send_message(tg_id(chat.chat_id), **kwargs)  # type: ignore[arg-type]
        except ChatMigrated as exc:
            await self._migrate(chat.chat_id, str(exc.new_chat_id))
            return await self.bot.send_message(exc.new_chat_id, **kwargs)  # type: ignore[arg-type]

    async def edit(self, chat: ChatRef, message_id: str, html: str, markup: InlineKeyboardMarkup | None) -> None:
        """Replace a message in place; an edit that changes nothing is not an error."""

        async def edit_in(chat_id: int | str) -> None:
            await self.bot.edit_message_text(
                html,
                chat_id=chat_id,
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
            )

        try:
            try:
                await edit_in(tg_id(chat.chat_id))
            except ChatMigrated as exc:
                await self._migrate(chat.chat_id, str(exc.new_chat_id))
                await edit_in(exc.new_chat_id)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def private(
        self, user_id: str, html: str, markup: InlineKeyboardMarkup | ForceReply | None = None
    ) -> Message:
        """A message in the user's private chat with the bot; raises `Forbidden` when they never started it
        (Telegram: "bot can't initiate conversation with a user") or blocked it. No fallback: the caller
        decides, since what is meant for one person must not land in a group."""
        return await self.bot.send_message(
            tg_id(user_id), html, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=_NO_PREVIEW
        )

    async def direct(self, user_id: str, html: str, fallback: ChatRef | None) -> Message | None:
        """A private message; people who never started the bot can't get one, so it goes to `fallback`."""
        try:
            return await self.bot.send_message(
                tg_id(user_id), html, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
            )
        except (Forbidden, BadRequest) as exc:
            if fallback is None:
                log.info("could not DM telegram user %s (%s) and there is no fallback chat", user_id, exc.message)
                return None
            log.info("could not DM telegram user %s (%s); posting in the chat instead", user_id, exc.message)
            return await self.send(fallback, html)
