"""The REST half of the fake Discord: the routes discord.py calls, each answering what Discord would.

Every request is recorded (`Recorder`) before it is answered. Replies carry `Content-Type:
application/json` exactly (discord.py parses JSON only for that value; aiohttp's `json_response` adds a
charset). Errors use Discord's shape (`{"code": 10003, "message": "Unknown Channel"}`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from tests.fakes.discord.limits import invalid_body, invalid_choices, invalid_modal
from tests.fakes.discord.payloads import ADMINISTRATOR, JSON, MANAGE_MESSAGES, channel_payload, user_payload
from tests.fakes.discord.state import Call, json_of

if TYPE_CHECKING:
    from tests.fakes.discord.server import FakeDiscord

__all__ = ["Rest", "json_reply"]

Handler = Callable[[web.Request, Any, re.Match[str]], Awaitable[tuple[int, Any]]]
EPHEMERAL = 1 << 6


def json_reply(status: int, data: Any) -> web.Response:
    """A JSON reply with the exact content type discord.py expects."""
    if status == 204:
        return web.Response(status=204)
    return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str) -> tuple[int, JSON]:
    return status, {"code": code, "message": message}


def _invalid(data: JSON, check: Callable[[JSON], str | None] | None = None) -> tuple[int, JSON] | None:
    problem = (check or invalid_body)(data)
    return None if problem is None else (400, {"code": 50035, "message": f"Invalid Form Body ({problem})"})


class Rest:
    """Route table over `FakeDiscord`'s state."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        add = self._add
        add("GET", r"/users/@me", self.me)
        add("GET", r"/oauth2/applications/@me", self.application)
        add("GET", r"/gateway", self.gateway)
        add("GET", r"/gateway/bot", self.gateway_bot)
        add("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self.bulk_commands)
        add("PUT", r"/applications/(\d+)/commands", self.bulk_commands)
        add("GET", r"/channels/(\d+)", self.get_channel)
        add("POST", r"/channels/(\d+)/messages", self.create_message)
        add("GET", r"/channels/(\d+)/messages/(\d+)", self.get_message)
        add("PATCH", r"/channels/(\d+)/messages/(\d+)", self.edit_message)
        add("DELETE", r"/channels/(\d+)/messages/(\d+)", self.delete_message)
        add("POST", r"/channels/(\d+)/messages/(\d+)/threads", self.create_thread)
        add("POST", r"/channels/(\d+)/threads", self.create_thread)
        add("POST", r"/users/@me/channels", self.create_dm)
        add("POST", r"/interactions/(\d+)/([^/]+)/callback", self.interaction_callback, auth=False)
        add("POST", r"/webhooks/(\d+)/([^/]+)", self.followup, auth=False)
        add("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self.edit_followup, auth=False)

    def _add(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        self.routes.append((method, re.compile(pattern), handler, auth))

    async def handle(self, request: web.Request) -> web.Response:
        """Record, authenticate, route."""
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        status: int
        result: Any
        limited = self._rate_limited(request.method, path)
        if limited is not None:
            call = Call(len(self.fake.rec.calls), request.method, path, dict(request.query), body, 429, limited)
            await self.fake.rec.add(call)
            headers = {
                "Content-Type": "application/json",
                "Retry-After": "1",
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
            }
            return web.Response(status=429, body=json.dumps(limited).encode(), headers=headers)
        for method, pattern, handler, auth in self.routes:
            match = pattern.fullmatch(path)
            if match is None or method != request.method:
                continue
            if auth and request.headers.get("Authorization") != f"Bot {self.fake.token}":
                status, result = _error(401, 0, "401: Unauthorized")
            else:
                status, result = await handler(request, body, match)
            break
        else:
            status, result = _error(404, 0, f"404: Not Found ({request.method} {path})")
        call = Call(len(self.fake.rec.calls), request.method, path, dict(request.query), body, status, result, files)
        await self.fake.rec.add(call)
        return json_reply(status, result)

    def _rate_limited(self, method: str, path: str) -> JSON | None:
        """Answer 429 once for each limit the test queued with `FakeDiscord.rate_limit`."""
        for index, (m, pattern, retry_after) in enumerate(self.fake.rate_limits):
            if m == method and re.fullmatch(pattern, path):
                del self.fake.rate_limits[index]
                return {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        return None

    # -- identity -------------------------------------------------------------------------------------

    async def me(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        return 200, {**user_payload(self.fake.bot), "verified": True, "mfa_enabled": False, "flags": 0}

    async def application(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        owner = self.fake.owner
        return 200, {
            "id": str(self.fake.application_id),
            "name": "normbot-test",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(owner),
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
        }

    async def gateway(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        return 200, {"url": self.fake.gateway_url}

    async def gateway_bot(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.fake.gateway_url, "shards": self.fake.shards, "session_start_limit": limit}

    async def bulk_commands(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        guild = m.group(2) if m.lastindex and m.lastindex >= 2 else None
        out = []
        for command in body or []:
            out.append(
                {
                    "description": "",
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    "id": str(self.fake.ids.next()),
                    "application_id": str(self.fake.application_id),
                    "version": "1",
                    **({"guild_id": guild} if guild else {}),
                }
            )
        self.fake.commands[guild] = out
        return 200, out

    # -- channels and messages ------------------------------------------------------------------------

    async def get_channel(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        found = self.fake.channel(int(m.group(1)))
        if found is None:
            return _error(404, 10003, "Unknown Channel")
        channel, guild = found
        return 200, channel_payload(channel, guild.id if guild else None)

    async def create_message(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        channel_id = int(m.group(1))
        found = self.fake.channel(channel_id)
        if found is None:
            return _error(404, 10003, "Unknown Channel")
        channel, guild = found
        if channel.type == 1 and self.fake.dm_closed(channel_id):
            return _error(403, 50007, "Cannot send messages to this user")
        data = json_of(body)
        if (invalid := _invalid(data)) is not None:
            return invalid
        reference = data.get("message_reference") or {}
        message = await self.fake.post_message(
            channel,
            guild,
            self.fake.bot,
            data.get("content") or "",
            reply_to=int(reference["message_id"]) if reference.get("message_id") else None,
            embeds=data.get("embeds"),
            components=data.get("components"),
            allowed_mentions=data.get("allowed_mentions"),
        )
        return 200, message

    async def get_message(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        message = self.fake.messages.get(int(m.group(2)))
        if message is None or message["channel_id"] != m.group(1):
            return _error(404, 10008, "Unknown Message")
        return 200, message

    async def edit_message(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        message = self.fake.messages.get(int(m.group(2)))
        if message is None or message["channel_id"] != m.group(1):
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != str(self.fake.bot.id):
            return _error(403, 50005, "Cannot edit a message authored by another user")
        if (invalid := _invalid(json_of(body))) is not None:
            return invalid
        await self.fake.edit_message(message, json_of(body))
        return 200, message

    async def delete_message(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        """DELETE a message: the bot's own always; another member's only with Manage Messages (or
        Administrator) in the guild (channel overwrites are not modelled). 204 with no body, as Discord."""
        message = self.fake.messages.get(int(m.group(2)))
        if message is None or message["channel_id"] != m.group(1):
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != str(self.fake.bot.id):
            found = self.fake.channel(int(m.group(1)))
            guild = found[1] if found is not None else None
            bits = guild.permissions_of(self.fake.bot.id) if guild is not None else 0
            if not bits & (MANAGE_MESSAGES | ADMINISTRATOR):
                return _error(403, 50013, "Missing Permissions")
        await self.fake.delete_message(message)
        return 204, None

    async def create_thread(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        found = self.fake.channel(int(m.group(1)))
        if found is None or found[1] is None:
            return _error(404, 10003, "Unknown Channel")
        parent, guild = found
        assert guild is not None
        if parent.type in (10, 11, 12):
            return _error(400, 50024, "Cannot execute action on this channel type")
        starter = int(m.group(2)) if m.lastindex and m.lastindex >= 2 else None
        if starter is not None and starter not in self.fake.messages:
            return _error(404, 10008, "Unknown Message")
        if starter is not None and self.fake.thread_of(starter) is not None:
            return _error(400, 160004, "A thread has already been created for this message")
        name = str(json_of(body).get("name") or "")[:100]
        thread = await self.fake.add_thread(guild, parent, name, thread_id=starter)
        return 201, channel_payload(thread, guild.id)

    async def create_dm(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        user_id = int(json_of(body).get("recipient_id", 0))
        user = self.fake.users.get(user_id)
        if user is None:
            return _error(400, 50033, "Invalid Recipients")
        channel = self.fake.dm_channel(user)
        return 200, {**channel_payload(channel, None), "recipients": [user_payload(user)]}

    # -- interactions ---------------------------------------------------------------------------------

    async def interaction_callback(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        interaction = self.fake.interactions.get(int(m.group(1)))
        if interaction is None or interaction["token"] != m.group(2):
            return _error(404, 10062, "Unknown interaction")
        if int(m.group(1)) in self.fake.responded:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        self.fake.responded.add(int(m.group(1)))
        data = json_of(body)
        kind = int(data.get("type", 0))
        inner = json_of(data.get("data"))
        check = {9: invalid_modal, 8: invalid_choices}.get(kind, invalid_body)
        if (invalid := _invalid(inner, check)) is not None:
            self.fake.responded.discard(int(m.group(1)))
            return invalid
        result: JSON = {"interaction": {"id": interaction["id"], "type": interaction["type"]}}
        if kind == 4:
            message = await self._interaction_message(interaction, inner)
            result["interaction"]["response_message_id"] = message["id"]
            result["interaction"]["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
            result["resource"] = {"type": 4, "message": message}
        elif kind == 7 and interaction.get("message"):
            shown = self.fake.messages.get(int(interaction["message"]["id"]))
            if shown is not None:
                await self.fake.edit_message(shown, inner)
                result["resource"] = {"type": 7, "message": shown}
        return 200, result

    async def _interaction_message(self, interaction: JSON, data: JSON) -> JSON:
        found = self.fake.channel(int(interaction["channel_id"]))
        assert found is not None
        channel, guild = found
        message = await self.fake.post_message(
            channel,
            guild,
            self.fake.bot,
            data.get("content") or "",
            embeds=data.get("embeds"),
            components=data.get("components"),
            flags=int(data.get("flags") or 0),
            allowed_mentions=data.get("allowed_mentions"),
            interaction_token=interaction["token"],
        )
        return message

    async def followup(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        interaction = self.fake.interaction_by_token(m.group(2))
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        if (invalid := _invalid(json_of(body))) is not None:
            return invalid
        return 200, await self._interaction_message(interaction, json_of(body))

    async def edit_followup(self, request: web.Request, body: Any, m: re.Match[str]) -> tuple[int, Any]:
        interaction = self.fake.interaction_by_token(m.group(2))
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        target = m.group(3)
        message: JSON | None = None
        if target == "@original":
            message = next((x for x in self.fake.messages.values() if x.get("_interaction_token") == m.group(2)), None)
        else:
            message = self.fake.messages.get(int(target))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        await self.fake.edit_message(message, json_of(body))
        return 200, message


async def _read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    """JSON bodies as they are; multipart bodies as their `payload_json` plus the files."""
    if not request.can_read_body:
        return None, {}
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                files[part.filename or part.name or "file"] = await part.read()
        return body, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), {}
