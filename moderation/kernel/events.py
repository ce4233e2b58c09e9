"""Core events: what adapters hand to the core after normalising a platform event.

Adapters build these from Discord gateway events, Telegram updates or console lines and decide nothing;
every decision is taken by the core on these values. Identifiers are strings because platform ids are
64-bit and some platforms (Telegram chats) use negative numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = [
    "Actor",
    "Attachment",
    "ButtonPressed",
    "ChatInvited",
    "ChatRef",
    "CommandInvoked",
    "CoreEvent",
    "DeleteReported",
    "MessageEdited",
    "MessagePosted",
    "Posted",
    "RepliedMessage",
]


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an event, as the platform describes them.

    `is_admin` is the platform's own admin signal (Discord Manage Server, Telegram chat administrator);
    `roles` holds platform role ids *and* names so a config can name either. `name` is for showing only:
    anyone can set a display name. `handle` is the platform's unique, platform-checked handle (a Telegram
    @username, a Discord username), or None when the account has none; a config's `platform:@handle`
    matches it and nothing else. `locale` is the language the member's app is set to, as the platform says
    it (a Discord interaction's `zh-CN`, a Telegram `language_code`), or None where the platform does not say
    (Discord messages, the console): answers meant for them alone are written in it
    (`moderation.kernel.i18n`).
    """

    platform: str
    user_id: str
    name: str
    is_admin: bool = False
    roles: frozenset[str] = frozenset()
    handle: str | None = None
    locale: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where something was said or must be said: a channel or group, optionally a thread or forum topic.

    `space_id` is the enclosing space (a Discord guild; for Telegram the group itself), which lets a community
    be configured once for every channel of a server. `private` marks a one-to-one chat between a member and
    the bot (a Telegram private chat): answers there are already private. It is a fact about the chat, not
    part of its identity, so it takes no part in comparisons.
    """

    platform: str
    chat_id: str
    thread_id: str | None = None
    space_id: str | None = None
    private: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message. `local_path` is set when the adapter fetched (part of) the file."""

    name: str
    url: str | None = None
    size: int | None = None
    local_path: str | None = None


@dataclass(frozen=True, slots=True)
class MessagePosted:
    """An ordinary chat message in a chat the bot can see (it may be a release announcement)."""

    event_id: str
    chat: ChatRef
    message_id: str
    author: Actor
    text: str
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None
    url: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MessageEdited:
    """A person edited a message the bot can see (Discord MESSAGE_UPDATE, Telegram `edited_message`).

    `message` is the message as it reads *now*, built by the same function that builds `MessagePosted`, so
    the core reads an edit exactly like a post. `event_id` names this edit (message id plus the platform's
    edit time): a redelivered edit is one edit. An edit of a known announcement re-extracts and re-checks
    its release; an edit of any other message is read as if it had just been posted.
    """

    event_id: str
    message: MessagePosted
    edited_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RepliedMessage:
    """The message a command was used on, as the platform showed it: the message a Telegram command replies
    to (`reply_to_message`), the target of a Discord message context menu, a console `[reply m3]` line.

    Adapters set it (beside `reply_to`, its id) only for a person's message; a command about the bot's own
    message (a review prompt) gets `reply_to` alone. `/markrelease` needs the text and the author to treat the
    message as the announcement the detector missed.
    """

    message_id: str
    author: Actor
    text: str
    attachments: tuple[Attachment, ...] = ()
    url: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CommandInvoked:
    """A command, typed as text (`/flag R3 credit-base-model no base named`) or as structured options.

    `event_id` is the platform's unique id for the invocation (interaction id, Telegram update id, console
    line number): the core records it so a replayed delivery changes nothing twice. `reply_to` is the id of
    the message the command targets (a reply, a context menu); `replied` is that message itself when a
    person wrote it.
    """

    event_id: str
    chat: ChatRef
    author: Actor
    name: str
    args: str = ""
    options: Mapping[str, str] | None = None
    reply_to: str | None = None
    message_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    attachment_texts: Mapping[str, str] = field(default_factory=dict)
    replied: RepliedMessage | None = None


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """A press on a button the bot posted; `payload` is the versioned id (see `moderation.kernel.buttons`)."""

    event_id: str
    chat: ChatRef
    author: Actor
    payload: str
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """The adapter reports where a keyed message landed, so later edits find it after a restart."""

    key: str
    chat: ChatRef
    message_id: str


@dataclass(frozen=True, slots=True)
class ChatInvited:
    """The bot was added to a chat through a one-time "add this group" link a moderator asked `/setup` for
    (Telegram's `startgroup` deep link delivers the token as `/start <token>` in the new group). The chat
    belongs to no community yet: the token says which one, and only the moderator who asked for it can use
    it. `title` is the chat's name, kept so `/setup` can offer the chat by name."""

    event_id: str
    chat: ChatRef
    author: Actor
    token: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class DeleteReported:
    """The adapter reports what became of a `Delete` (moderation.enforcement): `outcome` is `deleted`, `gone`
    (the message was already deleted: the deletion's goal holds) or `refused`. A refusal names the
    `permission` the bot lacks (Discord's Manage Messages, Telegram's can_delete_messages), or none when the
    bot has it and the message itself cannot be deleted (Telegram: older than 48 hours). `reason` is the
    platform's own words, for the moderators' card."""

    chat: ChatRef
    message_id: str
    outcome: Literal["deleted", "gone", "refused"]
    release_id: int | None = None
    permission: str = ""
    reason: str = ""


CoreEvent = MessagePosted | MessageEdited | CommandInvoked | ButtonPressed | Posted | ChatInvited | DeleteReported
