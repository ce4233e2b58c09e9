"""Typed factories for the Bot API objects the fake sends: users, chats, messages, callback queries.

The shapes follow https://core.telegram.org/bots/api (only the fields PTB needs to build its objects and the
adapter reads). Tests never write these dicts by hand: a typo in a hand-written payload would make a test
pass against a shape Telegram never sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FakeChat", "FakeUser", "chat_payload", "document_payload", "message_payload", "user_payload"]

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Telegram account (a person or a bot)."""

    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False
    language_code: str | None = None  # the app's language (IETF tag), sent with the user when set


@dataclass(frozen=True, slots=True)
class FakeChat:
    """A chat: `group`, `supergroup` (optionally a forum with topics) or `private`."""

    id: int
    type: str = "supergroup"
    title: str | None = "Model makers"
    is_forum: bool = False


def user_payload(user: FakeUser) -> JSON:
    """The `User` object."""
    data: JSON = {"id": user.id, "is_bot": user.is_bot, "first_name": user.first_name}
    if user.username:
        data["username"] = user.username
    if user.language_code:
        data["language_code"] = user.language_code
    return data


def chat_payload(chat: FakeChat) -> JSON:
    """The `Chat` object (as embedded in messages)."""
    data: JSON = {"id": chat.id, "type": chat.type}
    if chat.type == "private":
        data["first_name"] = chat.title or "user"
    else:
        data["title"] = chat.title
    if chat.is_forum:
        data["is_forum"] = True
    return data


def document_payload(file_id: str, file_name: str, size: int, mime_type: str = "application/x-yaml") -> JSON:
    """The `Document` object of an attached file."""
    return {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": size,
    }


def _entities(text: str) -> list[JSON]:
    """A `bot_command` entity when the text starts with a command, as Telegram adds it."""
    if not text.startswith("/"):
        return []
    length = len(text.split(maxsplit=1)[0]) if text.strip() else 1
    # Telegram counts UTF-16 code units; commands are ASCII, so characters equal code units here.
    return [{"type": "bot_command", "offset": 0, "length": length}]


def message_payload(
    *,
    message_id: int,
    chat: FakeChat,
    sender: FakeUser | None,
    date: int,
    text: str | None = None,
    caption: str | None = None,
    reply_to: JSON | None = None,
    thread_id: int | None = None,
    document: JSON | None = None,
    sender_chat: FakeChat | None = None,
    extra: JSON | None = None,
) -> JSON:
    """The `Message` object; `reply_to` is the full replied-to message, as Telegram embeds it."""
    data: JSON = {"message_id": message_id, "date": date, "chat": chat_payload(chat)}
    if sender is not None:
        data["from"] = user_payload(sender)
    if sender_chat is not None:
        data["sender_chat"] = chat_payload(sender_chat)
    if text is not None:
        data["text"] = text
        if ents := _entities(text):
            data["entities"] = ents
    if caption is not None:
        data["caption"] = caption
        if ents := _entities(caption):
            data["caption_entities"] = ents
    if thread_id is not None:
        data["message_thread_id"] = thread_id
        if chat.is_forum:
            data["is_topic_message"] = True
    if reply_to is not None:
        data["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
    if document is not None:
        data["document"] = document
    if extra:
        data.update(extra)
    return data
