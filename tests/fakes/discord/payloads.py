"""Typed factories for the Discord API objects the fake sends: users, roles, members, guilds, channels,
messages and interactions.

The shapes follow discord.py's own wire types (`discord/types/*.py`) and the Discord API reference; only
the fields discord.py needs to build its objects are filled in. Tests never write these dicts by hand: a
typo in a hand-written payload would make a test pass against a shape Discord never sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ADMINISTRATOR",
    "JSON",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MESSAGE_CONTENT_INTENT",
    "FakeChannel",
    "FakeGuild",
    "FakeRole",
    "FakeUser",
    "channel_payload",
    "guild_payload",
    "interaction_payload",
    "member_payload",
    "message_payload",
    "role_payload",
    "user_payload",
]

JSON = dict[str, Any]
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MANAGE_MESSAGES = 1 << 13
MESSAGE_CONTENT_INTENT = 1 << 15
# What @everyone may do in a fresh server: view channels, send messages, read history, use commands.
EVERYONE_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31) | (1 << 38)
EPOCH_MS = 1420070400000


def now_iso() -> str:
    """Discord timestamps are ISO 8601 with an offset."""
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Discord account (a person or a bot)."""

    id: int
    name: str
    bot: bool = False
    locale: str = "en-US"  # the client's language, sent with each of their interactions


@dataclass(frozen=True, slots=True)
class FakeRole:
    """A guild role; `permissions` is the integer bit set."""

    id: int
    name: str
    permissions: int = 0


@dataclass(frozen=True, slots=True)
class FakeChannel:
    """A guild channel: 0 text, 5 announcement, 15 forum, 11 public thread (with `parent_id`); 1 is a DM."""

    id: int
    name: str
    type: int = 0
    parent_id: int | None = None


@dataclass
class FakeGuild:
    """A server with its roles, channels and members (user id -> role ids)."""

    id: int
    name: str
    owner_id: int
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def everyone(self) -> FakeRole:
        """The @everyone role has the guild's id."""
        return FakeRole(self.id, "@everyone", EVERYONE_PERMISSIONS)

    def permissions_of(self, user_id: int) -> int:
        """The member's guild-level permission bits (owner: all)."""
        if user_id == self.owner_id:
            return (1 << 53) - 1
        bits = self.everyone().permissions
        for role in self.roles:
            if role.id in self.members.get(user_id, ()):
                bits |= role.permissions
        return bits


def user_payload(user: FakeUser) -> JSON:
    """The `User` object."""
    return {
        "id": str(user.id),
        "username": user.name,
        "global_name": None,
        "discriminator": "0",
        "avatar": None,
        "bot": user.bot,
        "public_flags": 0,
    }


def role_payload(role: FakeRole, position: int = 1) -> JSON:
    """The `Role` object."""
    return {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "position": position,
        "permissions": str(role.permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def member_payload(guild: FakeGuild, user: FakeUser, *, with_user: bool = True, permissions: bool = False) -> JSON:
    """The guild `Member` object (`flags: 0` is required by discord.py)."""
    data: JSON = {
        "roles": [str(r) for r in guild.members.get(user.id, ())],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "pending": False,
    }
    if with_user:
        data["user"] = user_payload(user)
    if permissions:
        data["permissions"] = str(guild.permissions_of(user.id))
    return data


def channel_payload(channel: FakeChannel, guild_id: int | None) -> JSON:
    """A guild channel, a thread or a DM channel."""
    data: JSON = {"id": str(channel.id), "type": channel.type, "name": channel.name, "flags": 0}
    if guild_id is not None:
        data.update({"guild_id": str(guild_id), "position": 0, "permission_overwrites": [], "nsfw": False})
    if channel.parent_id is not None:
        data["parent_id"] = str(channel.parent_id)
    if channel.type in (10, 11, 12):
        data.update(
            {
                "owner_id": "1",
                "message_count": 0,
                "member_count": 1,
                "rate_limit_per_user": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                },
            }
        )
    if channel.type == 1:
        data = {"id": str(channel.id), "type": 1, "recipients": [], "last_message_id": None}
    return data


def guild_payload(guild: FakeGuild, users: dict[int, FakeUser]) -> JSON:
    """The GUILD_CREATE payload: the guild with its roles, channels, threads and members."""
    roles = [role_payload(guild.everyone(), 0)] + [role_payload(r, i + 1) for i, r in enumerate(guild.roles)]
    channels = [channel_payload(c, guild.id) for c in guild.channels if c.type not in (10, 11, 12)]
    threads = [channel_payload(c, guild.id) for c in guild.channels if c.type in (10, 11, 12)]
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": now_iso(),
        "large": False,
        "unavailable": False,
        "member_count": len(guild.members),
        "voice_states": [],
        "members": [member_payload(guild, users[uid]) for uid in guild.members if uid in users],
        "channels": channels,
        "threads": threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    author: FakeUser,
    content: str,
    guild: FakeGuild | None = None,
    reply_to: int | None = None,
    embeds: list[JSON] | None = None,
    components: list[JSON] | None = None,
    attachments: list[JSON] | None = None,
    flags: int = 0,
    webhook_id: int | None = None,
    application_id: int | None = None,
) -> JSON:
    """The `Message` object; in a guild, MESSAGE_CREATE adds `guild_id` and the author's `member`."""
    data: JSON = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": user_payload(author),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 19 if reply_to else 0,
        "flags": flags,
    }
    if guild is not None:
        data["guild_id"] = str(guild.id)
        data["member"] = member_payload(guild, author, with_user=False)
    if reply_to is not None:
        data["message_reference"] = {"type": 0, "message_id": str(reply_to), "channel_id": str(channel_id)}
        if guild is not None:
            data["message_reference"]["guild_id"] = str(guild.id)
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if application_id is not None:
        data["application_id"] = str(application_id)
    return data


def interaction_payload(
    *,
    interaction_id: int,
    application_id: int,
    kind: int,
    token: str,
    guild: FakeGuild,
    channel: FakeChannel,
    user: FakeUser,
    data: JSON,
    message: JSON | None = None,
) -> JSON:
    """INTERACTION_CREATE: kind 2 application command, 3 component, 4 autocomplete, 5 modal submit."""
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "data": data,
        "guild_id": str(guild.id),
        "channel_id": str(channel.id),
        "channel": channel_payload(channel, guild.id),
        "member": member_payload(guild, user, permissions=True),
        "token": token,
        "version": 1,
        "locale": user.locale,
        "guild_locale": "en-US",
        "app_permissions": str((1 << 53) - 1),
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if message is not None:
        payload["message"] = message
    return payload
