"""Pure functions turning discord.py objects into core events. They decide nothing: the core does.

Chats: a message in a thread (or forum post) is `ChatRef(chat_id=<parent channel>, thread_id=<thread>)`,
so a community that watches a channel also sees its threads; `space_id` is the guild.
People: `Actor.roles` holds each role's id *and* name (the config may name either); `is_admin` is the
Manage Server permission, the platform's own admin signal.
"""

from __future__ import annotations

from collections.abc import Mapping

import discord

from moderation.kernel import forms
from moderation.kernel.actions import Form
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
    "actor_of",
    "button_event",
    "chat_ref",
    "command_event",
    "edit_event",
    "form_event",
    "form_options",
    "message_event",
    "raw_options",
    "replied_of",
]

PLATFORM = "discord"


def chat_ref(channel: object, guild_id: int | None) -> ChatRef:
    """Where an event happened; threads are reported under their parent channel."""
    space = str(guild_id) if guild_id is not None else None
    channel_id = getattr(channel, "id", None)
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return ChatRef(PLATFORM, str(channel.parent_id), str(channel.id), space)
    return ChatRef(PLATFORM, str(channel_id), None, space)


def actor_of(
    user: discord.User | discord.Member,
    permissions: discord.Permissions | None = None,
    locale: discord.Locale | None = None,
) -> Actor:
    """The person behind an event; `permissions` (an interaction's resolved permissions) is the fallback
    when the member's guild roles are not cached. `locale` is an interaction's (the member's client language:
    answers for them alone are written in it); messages carry none."""
    roles: set[str] = set()
    is_admin = False
    if isinstance(user, discord.Member):
        for role in user.roles:
            if role.is_default():
                continue
            roles.add(str(role.id))
            roles.add(role.name)
        is_admin = user.guild_permissions.manage_guild
    if not is_admin and permissions is not None and isinstance(user, discord.Member):
        is_admin = permissions.manage_guild
    # `user.name` is the unique username Discord checks; the nickname (`display_name`) is never matched.
    return Actor(
        PLATFORM,
        str(user.id),
        user.name,
        is_admin=is_admin,
        roles=frozenset(roles),
        handle=user.name,
        locale=locale.value if locale is not None else None,
    )


def message_event(message: discord.Message) -> MessagePosted | None:
    """A guild message from a person (bots, webhooks, system messages and DMs give None)."""
    if message.author.bot or message.webhook_id is not None or message.guild is None:
        return None
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return None
    reply_to = None
    if message.reference is not None and message.reference.message_id is not None:
        reply_to = str(message.reference.message_id)
    return MessagePosted(
        event_id=str(message.id),
        chat=chat_ref(message.channel, message.guild.id),
        message_id=str(message.id),
        author=actor_of(message.author),
        text=message.content,
        attachments=tuple(Attachment(a.filename, a.url, a.size) for a in message.attachments),
        reply_to=reply_to,
        url=message.jump_url,
        at=message.created_at,
    )


def edit_event(message: discord.Message) -> MessageEdited | None:
    """A MESSAGE_UPDATE that is a person's edit (`edited_at` set), as the core's `MessageEdited`; None for
    bots' messages and for updates that are not edits (Discord also sends MESSAGE_UPDATE when it unfurls a
    link into an embed). The edit time names the event: a redelivered update is the same edit."""
    posted = message_event(message)
    if posted is None or message.edited_at is None:
        return None
    return MessageEdited(
        event_id=f"{message.id}:{message.edited_at.isoformat()}", message=posted, edited_at=message.edited_at
    )


def replied_of(message: discord.Message) -> RepliedMessage | None:
    """The target of a message context menu as the core's `RepliedMessage`; None for bots' and webhooks'
    messages (the core then has only the id: a review prompt still finds its release)."""
    if message.author.bot or message.webhook_id is not None:
        return None
    return RepliedMessage(
        message_id=str(message.id),
        author=actor_of(message.author),
        text=message.content,
        attachments=tuple(Attachment(a.filename, a.url, a.size) for a in message.attachments),
        url=message.jump_url,
        at=message.created_at,
    )


def _actor(interaction: discord.Interaction) -> Actor:
    return actor_of(interaction.user, interaction.permissions, interaction.locale)


def _chat(interaction: discord.Interaction) -> ChatRef:
    return chat_ref(interaction.channel, interaction.guild_id)


_SUBCOMMAND_TYPES = (1, 2)  # SUB_COMMAND, SUB_COMMAND_GROUP
_ATTACHMENT_TYPE = 11


def raw_options(data: Mapping[str, object] | None) -> dict[str, str]:
    """The option values of a slash command interaction as Discord sent them (inside its subcommand), as
    text. Used when the options do not fit the registered signature (a stale command registration, a
    hand-made request): the core then binds them like typed text and answers with the usage line.
    Attachments are left out (a file parameter is read only through the registered signature)."""
    options = data.get("options") if data else None
    while isinstance(options, list) and options and isinstance(options[0], dict):
        if options[0].get("type") in _SUBCOMMAND_TYPES:
            options = options[0].get("options")
            continue
        break
    out: dict[str, str] = {}
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict) or option.get("type") == _ATTACHMENT_TYPE:
            continue
        name, value = option.get("name"), option.get("value")
        if isinstance(name, str) and value is not None:
            out[name] = str(value)
    return out


def command_event(
    interaction: discord.Interaction,
    name: str,
    options: Mapping[str, str] | None,
    *,
    reply_to: str | None = None,
    attachment_texts: Mapping[str, str] | None = None,
    replied: RepliedMessage | None = None,
) -> CommandInvoked:
    """A slash command, context-menu command or form submission; the interaction id is the event id. A
    message context menu passes its target as `reply_to` (the id) and `replied` (a person's message)."""
    return CommandInvoked(
        event_id=str(interaction.id),
        chat=_chat(interaction),
        author=_actor(interaction),
        name=name,
        options=dict(options) if options is not None else None,
        reply_to=reply_to,
        attachment_texts=dict(attachment_texts or {}),
        replied=replied,
    )


def button_event(interaction: discord.Interaction, payload: str) -> ButtonPressed:
    """A press on one of the bot's buttons; the payload goes to the core untouched."""
    message_id = str(interaction.message.id) if interaction.message is not None else None
    return ButtonPressed(str(interaction.id), _chat(interaction), _actor(interaction), payload, message_id)


def form_options(form: Form, answers: Mapping[str, str]) -> dict[str, str]:
    """A form's answers as the options of its command (the core's mapping, `moderation.kernel.forms`)."""
    return forms.form_options(form, answers)


def form_event(interaction: discord.Interaction, form: Form, answers: Mapping[str, str]) -> CommandInvoked:
    """A submitted modal: the form's command with its answers as options."""
    return command_event(interaction, form.command, form_options(form, answers))
