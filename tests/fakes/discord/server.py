"""FakeDiscord: an aiohttp server on 127.0.0.1 (random port) with the REST routes and the gateway.

    fake = FakeDiscord(TOKEN)
    guild = fake.add_guild(FakeGuild(...)); alice = fake.add_user(FakeUser(...), guild=guild)
    await fake.start()                      # fake.api_base / fake.gateway_url for DiscordSettings
    message = await fake.say(channel, alice, "New LoRA ...")
    call = await fake.rec.wait_for("POST", r"/channels/\\d+/messages")

State lives here (users, guilds, channels, messages, interactions); `rest.py` answers the HTTP routes,
`gateway.py` the websocket, `interactions.py` builds the INTERACTION_CREATE payloads tests send.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from tests.fakes.discord.gateway import Gateway, Session
from tests.fakes.discord.payloads import (
    JSON,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    channel_payload,
    guild_payload,
    message_payload,
    now_iso,
    user_payload,
)
from tests.fakes.discord.rest import Rest
from tests.fakes.discord.state import Call, Recorder, Snowflakes

__all__ = ["FakeDiscord"]


class FakeDiscord:
    """One fake Discord with one bot application."""

    def __init__(self, token: str, *, shards: int = 1) -> None:
        self.token = token
        self.shards = shards
        self.ids = Snowflakes()
        self.rec = Recorder()
        self.application_id = self.ids.next()
        self.bot = FakeUser(self.application_id, "normbot", bot=True)
        self.owner = FakeUser(self.ids.next(), "operator")
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.guilds: dict[int, FakeGuild] = {}
        self.messages: dict[int, JSON] = {}
        self.deleted: list[int] = []  # ids of deleted messages, in order
        self.interactions: dict[int, JSON] = {}
        self.responded: set[int] = set()
        self.commands: dict[str | None, list[JSON]] = {}
        self.attachments: dict[str, bytes] = {}
        self._dms: dict[int, FakeChannel] = {}
        self._dm_closed: set[int] = set()
        self._threads: dict[int, int] = {}  # starter message id -> thread id
        self.rate_limits: list[tuple[str, str, float]] = []
        self.gateway = Gateway(token=token, ready=self._ready, guilds=self._guild_creates)
        self.rest = Rest(self)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- life ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a random loopback port."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self.gateway.url = self.gateway_url

    async def stop(self) -> None:
        """Close the websockets and the server."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """What `DiscordSettings.api_base` points at."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What `DiscordSettings.gateway_url` points at."""
        return self.base_url.replace("http://", "ws://", 1) + "/gateway"

    # -- the world -------------------------------------------------------------------------------------

    def add_user(self, user: FakeUser, *, guild: FakeGuild | None = None, roles: tuple[int, ...] = ()) -> FakeUser:
        """Register an account (and make it a member of `guild` with `roles`)."""
        self.users[user.id] = user
        if guild is not None:
            guild.members[user.id] = roles
        return user

    def add_guild(self, guild: FakeGuild) -> FakeGuild:
        """Register a server; the bot is a member of every registered server."""
        guild.members.setdefault(self.bot.id, ())
        self.guilds[guild.id] = guild
        return guild

    def channel(self, channel_id: int) -> tuple[FakeChannel, FakeGuild | None] | None:
        """A channel (or thread or DM) by id, with its guild."""
        for guild in self.guilds.values():
            for channel in guild.channels:
                if channel.id == channel_id:
                    return channel, guild
        for dm in self._dms.values():
            if dm.id == channel_id:
                return dm, None
        return None

    def rate_limit(self, method: str, pattern: str, retry_after: float = 0.05) -> None:
        """The next `method` request whose path matches `pattern` gets 429 with `retry_after` seconds."""
        self.rate_limits.append((method, pattern, retry_after))

    def close_dms(self, user: FakeUser) -> None:
        """The user does not accept DMs from server members (Discord answers 50007)."""
        self._dm_closed.add(user.id)

    def dm_closed(self, channel_id: int) -> bool:
        """Whether the DM channel belongs to a user who refuses DMs."""
        return any(dm.id == channel_id and uid in self._dm_closed for uid, dm in self._dms.items())

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel with `user` (created once)."""
        if user.id not in self._dms:
            self._dms[user.id] = FakeChannel(self.ids.next(), f"dm-{user.name}", type=1)
        return self._dms[user.id]

    def thread_of(self, message_id: int) -> int | None:
        """The thread started from a message, if any."""
        return self._threads.get(message_id)

    def threads(self, guild: FakeGuild) -> list[FakeChannel]:
        """The guild's threads."""
        return [c for c in guild.channels if c.type in (10, 11, 12)]

    async def add_thread(
        self, guild: FakeGuild, parent: FakeChannel, name: str, *, thread_id: int | None = None
    ) -> FakeChannel:
        """Create a public thread (from a message when `thread_id` is the starter message id)."""
        thread = FakeChannel(thread_id or self.ids.next(), name, type=11, parent_id=parent.id)
        guild.channels.append(thread)
        if thread_id is not None:
            self._threads[thread_id] = thread.id
        payload = {**channel_payload(thread, guild.id), "owner_id": str(self.bot.id), "newly_created": True}
        await self.gateway.dispatch("THREAD_CREATE", payload)
        return thread

    def add_attachment(self, name: str, content: bytes, content_type: str = "application/x-yaml") -> JSON:
        """An uploaded file served by the fake's CDN; returns the `Attachment` object."""
        attachment_id = str(self.ids.next())
        self.attachments[attachment_id] = content
        return {
            "id": attachment_id,
            "filename": name,
            "size": len(content),
            "url": f"{self.base_url}/attachments/{attachment_id}/{name}",
            "proxy_url": f"{self.base_url}/attachments/{attachment_id}/{name}",
            "content_type": content_type,
        }

    async def _attachment(self, request: web.Request) -> web.Response:
        """The CDN: recorded like REST calls (as `GET /attachments/<id>/<name>`) so tests see downloads."""
        data = self.attachments.get(request.match_info["id"])
        status = 404 if data is None else 200
        await self.rec.add(Call(self.rec.mark(), "GET", request.path, dict(request.query), None, status))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

    # -- messages --------------------------------------------------------------------------------------

    async def post_message(
        self,
        channel: FakeChannel,
        guild: FakeGuild | None,
        author: FakeUser,
        content: str,
        *,
        reply_to: int | None = None,
        embeds: list[JSON] | None = None,
        components: list[JSON] | None = None,
        attachments: list[JSON] | None = None,
        flags: int = 0,
        allowed_mentions: Any = None,
        interaction_token: str | None = None,
    ) -> JSON:
        """Store a message and send MESSAGE_CREATE (ephemeral interaction replies are not broadcast)."""
        message = message_payload(
            message_id=self.ids.next(),
            channel_id=channel.id,
            author=author,
            content=content,
            guild=guild,
            reply_to=reply_to,
            embeds=embeds,
            components=components,
            attachments=attachments,
            flags=flags,
            application_id=self.application_id if interaction_token else None,
        )
        stored = {**message, "_allowed_mentions": allowed_mentions, "_edits": 0}
        if interaction_token:
            stored["_interaction_token"] = interaction_token
        self.messages[int(message["id"])] = stored
        if not flags & (1 << 6):
            await self.gateway.dispatch("MESSAGE_CREATE", message)
        return stored

    async def edit_message(self, message: JSON, changes: JSON) -> None:
        """Apply an edit (content, embeds, components) and send MESSAGE_UPDATE."""
        for key in ("content", "embeds", "components"):
            if key in changes:
                message[key] = changes[key]
        if "allowed_mentions" in changes:
            message["_allowed_mentions"] = changes["allowed_mentions"]
        message["_edits"] += 1
        await self.gateway.dispatch("MESSAGE_UPDATE", public(message))

    async def delete_message(self, message: JSON) -> None:
        """Forget a message and send MESSAGE_DELETE (id, channel and guild only, as Discord does)."""
        self.messages.pop(int(message["id"]), None)
        self.deleted.append(int(message["id"]))
        event: JSON = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            event["guild_id"] = message["guild_id"]
        await self.gateway.dispatch("MESSAGE_DELETE", event)

    def grant_bot(self, guild: FakeGuild, permissions: int, name: str = "normbot") -> FakeRole:
        """Give the bot a role with `permissions` in `guild` (a moderator adding Manage Messages)."""
        role = FakeRole(self.ids.next(), name, permissions)
        guild.roles.append(role)
        guild.members[self.bot.id] = (*guild.members.get(self.bot.id, ()), role.id)
        return role

    async def say(
        self,
        channel: FakeChannel,
        user: FakeUser,
        text: str,
        *,
        reply_to: int | None = None,
        attachments: list[JSON] | None = None,
    ) -> JSON:
        """A member posts a message: MESSAGE_CREATE on the gateway."""
        found = self.channel(channel.id)
        assert found is not None, f"unknown channel {channel}"
        return await self.post_message(found[0], found[1], user, text, reply_to=reply_to, attachments=attachments)

    async def edit_by_author(self, message: JSON, content: str) -> JSON:
        """The member who wrote `message` edits it: Discord stores the new content with `edited_timestamp`
        and sends MESSAGE_UPDATE with the whole message (with `guild_id` and the author's `member`)."""
        stored = self.messages[int(message["id"])]
        stored["content"] = content
        stored["edited_timestamp"] = now_iso()
        await self.gateway.dispatch("MESSAGE_UPDATE", public(stored))
        return stored

    async def redeliver_update(self, message: JSON) -> None:
        """MESSAGE_UPDATE for `message` as it is stored, again (a gateway replay after a RESUME)."""
        await self.gateway.dispatch("MESSAGE_UPDATE", public(self.messages[int(message["id"])]))

    def bot_messages(self, channel: FakeChannel | int) -> list[JSON]:
        """Messages the bot posted in a channel, oldest first."""
        cid = str(channel if isinstance(channel, int) else channel.id)
        bot = str(self.bot.id)
        return [m for m in self.messages.values() if m["channel_id"] == cid and m["author"]["id"] == bot]

    def interaction_by_token(self, token: str) -> JSON | None:
        """The interaction a webhook token belongs to."""
        return next((i for i in self.interactions.values() if i["token"] == token), None)

    def new_interaction_ids(self) -> tuple[int, str]:
        """A fresh interaction id and token."""
        return self.ids.next(), secrets.token_urlsafe(24)

    async def send_interaction(self, payload: JSON) -> JSON:
        """Deliver INTERACTION_CREATE (tests build payloads with `tests.fakes.discord.interactions`)."""
        self.interactions[int(payload["id"])] = payload
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return payload

    # -- gateway payloads ------------------------------------------------------------------------------

    def _ready(self, session: Session) -> JSON:
        data: JSON = {
            "v": 10,
            "user": {**user_payload(self.bot), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self._guilds_of(session)],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
        }
        if session.shard is not None:
            data["shard"] = list(session.shard)
        return data

    def _guilds_of(self, session: Session) -> list[FakeGuild]:
        if session.shard is None:
            return list(self.guilds.values())
        shard_id, count = session.shard
        return [g for g in self.guilds.values() if (g.id >> 22) % count == shard_id]

    def _guild_creates(self, session: Session) -> list[JSON]:
        return [guild_payload(g, self.users) for g in self._guilds_of(session)]


def public(message: JSON) -> JSON:
    """A stored message without the fake's bookkeeping keys (what Discord would send)."""
    return {k: v for k, v in message.items() if not k.startswith("_")}
