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
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from moderation.kernel.actions import Delete
from moderation.kernel.events import ChatRef, DeleteReported

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

    async def delete(self, action: Delete) -> DeleteReported | None:
        """deleteMessage (optional enforcement), and what Telegram answered: "message to delete not found"
        means already gone; "message can't be deleted" is a refusal (the bot is not an administrator with
        can_delete_messages, or the message is older than 48 hours: the core tells which from the
        announcement's age); Forbidden (the bot was removed from the chat) is a refusal too. Other errors
        (a timeout, a flood wait PTB gave up on) are logged and not reported: nothing is known yet."""
        try:
            await self.bot.delete_message(tg_id(action.chat.chat_id), int(action.message_id))
        except BadRequest as exc:
            if "not found" in exc.message.lower():
                return DeleteReported(action.chat, action.message_id, "gone", release_id=action.release_id)
            # Telegram words both refusals alike; the bot's own rights tell them apart (one getChatMember).
            lacking = "" if await self.may_delete(action.chat.chat_id) else "can_delete_messages"
            return DeleteReported(
                action.chat,
                action.message_id,
                "refused",
                release_id=action.release_id,
                permission=lacking,
                reason=exc.message[:200],
            )
        except Forbidden as exc:
            return DeleteReported(
                action.chat,
                action.message_id,
                "refused",
                release_id=action.release_id,
                permission="can_delete_messages",
                reason=exc.message[:200],
            )
        except TelegramError as exc:
            log.warning("telegram: deleting message %s failed: %s", action.message_id, exc)
            return None
        return DeleteReported(action.chat, action.message_id, "deleted", release_id=action.release_id)

    async def may_delete(self, chat_id: str) -> bool:
        """Whether the bot may delete members' messages in a chat: its own getChatMember says it is the
        creator or an administrator with can_delete_messages. False when Telegram does not answer."""
        try:
            member = await self.bot.get_chat_member(tg_id(chat_id), self.bot.id)
        except TelegramError as exc:
            log.info("telegram: cannot read my rights in %s: %s", chat_id, exc)
            return False
        return member.status == "creator" or bool(getattr(member, "can_delete_messages", False))
