"""Telegram updates -> core events: pure functions over PTB objects, unit-tested without a network.

The adapter first *matches* (is this a command for me, a plain message, a migration, a button press?) with
these functions and only then hands the core event over; nothing here decides what the event means for the
community. Facts the update does not carry (is the author a group admin, the text of an attached file) are
passed in by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import CallbackQuery, Chat, Message, User

from moderation.kernel.events import (
    Actor,
    Attachment,
    ButtonPressed,
    ChatRef,
    CommandInvoked,
    MessageEdited,
    MessagePosted,
    RepliedMessage,
)

__all__ = [
    "PLATFORM",
    "ParsedCommand",
    "actor_of",
    "attachments_of",
    "button_event",
    "chat_ref",
    "command_event",
    "edit_event",
    "is_from_bot",
    "message_event",
    "migration_of",
    "parse_command",
    "replied_of",
    "reply_target",
    "text_of",
]

PLATFORM = "telegram"
# Telegram's own command names are [A-Za-z0-9_]; a hyphen is accepted too, so `/forget-me` typed from the
# docs or from Discord habit reaches the command the menu lists as /forget_me.
_COMMAND = re.compile(r"/([A-Za-z0-9_][A-Za-z0-9_-]{0,31})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """`/flag@normbot R3 x` -> name `flag`, args `R3 x`; `for_me` is False when it names another bot."""

    name: str
    args: str
    for_me: bool = True


def text_of(message: Message) -> str:
    """The text a person wrote: the message text, or the caption of a document or photo."""
    return message.text or message.caption or ""


def parse_command(text: str, bot_username: str | None) -> ParsedCommand | None:
    """A command at the start of `text`, or None. Two-word commands are typed with a space
    (`/release show R3`): the first word is the command, the core finds the subcommand in `args`."""
    m = _COMMAND.match(text)
    if m is None:
        return None
    addressed = m.group(2)
    for_me = addressed is None or (bot_username is not None and addressed.lower() == bot_username.lower())
    return ParsedCommand(m.group(1).lower(), text[m.end() :].strip(), for_me)


def _thread_id(message: Message) -> str | None:
    # message_thread_id is also set on replies in ordinary supergroups; only forum topics are threads.
    if getattr(message, "is_topic_message", False) and message.message_thread_id is not None:
        return str(message.message_thread_id)
    return None


def chat_ref(message: Message) -> ChatRef:
    """Where a message was posted; the group is its own space, forum topics are threads."""
    chat_id = str(message.chat.id)
    return ChatRef(PLATFORM, chat_id, _thread_id(message), chat_id, private=message.chat.type == "private")


def reply_target(message: Message) -> str | None:
    """The message id this one replies to. In a forum topic every message 'replies' to the topic's
    creation message; that is not a reply a person chose, so it does not count."""
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None
    return str(replied.message_id)


def replied_of(message: Message) -> RepliedMessage | None:
    """The message this one replies to, as the core's `RepliedMessage`, when a person wrote it (Telegram
    embeds the whole replied-to message); None for no reply, a forum topic's start, or a bot's message."""
    replied = message.reply_to_message
    if replied is None or reply_target(message) is None or is_from_bot(replied):
        return None
    author = actor_of(replied, replied.from_user, is_admin=False)
    if author is None:
        return None
    return RepliedMessage(
        message_id=str(replied.message_id),
        author=author,
        text=text_of(replied),
        attachments=attachments_of(replied),
        url=replied.link,
        at=replied.date,
    )


def is_from_bot(message: Message) -> bool:
    """Bots (ours included) are ignored. Messages sent *as a chat* come through Telegram's helper bot
    accounts but are people: an anonymous group admin (as the group), a member posting as their channel, a
    channel post automatically forwarded into its discussion group (where releases are often announced)."""
    if message.sender_chat is not None:
        return False
    return message.from_user is None or message.from_user.is_bot


def _user_name(user: User) -> str:
    # What to show: the @username when there is one, else the display name (see `actor_of` for matching).
    return user.username or user.full_name or str(user.id)


def actor_of(message: Message | None, user: User | None, *, is_admin: bool) -> Actor | None:
    """Who acted: a person, an anonymous admin (posting as the group) or a channel posting in the group."""
    sender: Chat | None = message.sender_chat if message is not None else None
    if sender is not None and message is not None:
        anonymous_admin = sender.id == message.chat.id
        name = sender.title or sender.username or str(sender.id)
        return Actor(PLATFORM, str(sender.id), name, anonymous_admin, handle=sender.username)
    if user is None:
        return None
    # The handle is the @username Telegram checks for uniqueness; a user without one has no handle, and their
    # display name (which anyone can set to "Mia") is never matched against a config's `telegram:@mia`.
    # `language_code` is the member's app language (IETF tag, may be absent): their private answers use it.
    return Actor(PLATFORM, str(user.id), _user_name(user), is_admin, handle=user.username, locale=user.language_code)


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """Documents become named attachments (names matter to the detector: `.safetensors`, `.gguf`)."""
    doc = message.document
    if doc is None:
        return ()
    return (Attachment(doc.file_name or "file", None, doc.file_size),)


def message_event(message: Message, actor: Actor) -> MessagePosted:
    """A plain message; its id within the chat makes replays idempotent."""
    return MessagePosted(
        event_id=f"{message.chat.id}:{message.message_id}",
        chat=chat_ref(message),
        message_id=str(message.message_id),
        author=actor,
        text=text_of(message),
        attachments=attachments_of(message),
        reply_to=reply_target(message),
        url=message.link,
        at=message.date,
    )


def edit_event(message: Message, actor: Actor) -> MessageEdited:
    """An `edited_message` update: the message as it reads now, named by its chat, id and edit time (a
    redelivered update is the same edit; a second edit of the message is another)."""
    stamp = int(message.edit_date.timestamp()) if message.edit_date is not None else 0
    return MessageEdited(
        event_id=f"{message.chat.id}:{message.message_id}:{stamp}",
        message=message_event(message, actor),
        edited_at=message.edit_date,
    )


def command_event(
    message: Message, actor: Actor, command: ParsedCommand, attachment_texts: Mapping[str, str] | None = None
) -> CommandInvoked:
    """A typed command. The event id is the message (not the update), so a redelivered update and a
    repeated webhook call are one invocation. A reply carries the replied-to message (`/markrelease`)."""
    return CommandInvoked(
        event_id=f"{message.chat.id}:{message.message_id}",
        chat=chat_ref(message),
        author=actor,
        name=command.name,
        args=command.args,
        reply_to=reply_target(message),
        message_id=str(message.message_id),
        attachments=attachments_of(message),
        attachment_texts=dict(attachment_texts or {}),
        replied=replied_of(message),
    )


def button_event(query: CallbackQuery, actor: Actor) -> ButtonPressed | None:
    """A button press on one of our messages; None for inline-mode messages (no chat to act in)."""
    shown = query.message
    if shown is None:
        return None
    thread = None
    if isinstance(shown, Message):
        thread = _thread_id(shown)
    chat_id = str(shown.chat.id)
    return ButtonPressed(
        event_id=f"cb:{query.id}",
        chat=ChatRef(PLATFORM, chat_id, thread, chat_id, private=shown.chat.type == "private"),
        author=actor,
        payload=query.data if isinstance(query.data, str) else "",
        message_id=str(shown.message_id),
    )


def migration_of(message: Message) -> tuple[str, str] | None:
    """(old chat id, new chat id) when a group became a supergroup (either service message)."""
    if message.migrate_to_chat_id is not None:
        return str(message.chat.id), str(message.migrate_to_chat_id)
    if message.migrate_from_chat_id is not None:
        return str(message.migrate_from_chat_id), str(message.chat.id)
    return None
