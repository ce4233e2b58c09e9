"""The fake gateway: a websocket speaking Discord's gateway protocol in plain-text JSON frames.

HELLO -> (client) HEARTBEAT / IDENTIFY -> READY + GUILD_CREATE per guild; HEARTBEAT -> HEARTBEAT_ACK;
RESUME -> the dispatches the client missed (and any the test asked to replay), then RESUMED. Tests can ask
the server to reconnect the client (op 7), to invalidate its session (op 9) or to refuse the message-content
intent (close code 4014), as Discord does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.payloads import JSON, MESSAGE_CONTENT_INTENT

__all__ = ["Gateway", "Session"]

log = logging.getLogger("fake.discord.gateway")

HELLO, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = 10, 1, 2, 6, 7, 9, 11, 0


@dataclass
class Session:
    """One gateway session: every dispatch it was sent, numbered, so a RESUME can replay what was missed."""

    session_id: str
    shard: tuple[int, int] | None
    seq: int = 0
    log: list[tuple[int, str, JSON]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    replay_floor: int | None = None


class Gateway:
    """Owns the sessions and the open websockets; `dispatch` sends an event to every live session."""

    def __init__(
        self,
        *,
        token: str,
        ready: Callable[[Session], JSON],
        guilds: Callable[[Session], list[JSON]],
    ) -> None:
        self.token = token
        self._ready = ready
        self._guilds = guilds
        self.url = ""
        self.sessions: dict[str, Session] = {}
        self.identifies: list[JSON] = []
        self.resumes: list[JSON] = []
        self.heartbeats = 0
        self.refuse_message_content = False
        self._changed = asyncio.Condition()

    # -- test controls --------------------------------------------------------------------------------

    def live(self) -> list[Session]:
        """Sessions with an open websocket."""
        return [s for s in self.sessions.values() if s.ws is not None and not s.ws.closed]

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send a dispatch to every session (queued for resume when the socket is down); returns its seq."""
        seq = 0
        for session in self.sessions.values():
            session.seq += 1
            seq = session.seq
            session.log.append((seq, event, data))
            if session.ws is not None and not session.ws.closed:
                await session.ws.send_str(json.dumps({"op": DISPATCH, "t": event, "s": seq, "d": data}))
        return seq

    async def reconnect(self, *, replay_from: int | None = None) -> None:
        """Op 7: the client must reconnect and RESUME. `replay_from` re-sends dispatches after that seq
        even though the client acknowledged them (Discord may deliver an event twice)."""
        for session in self.live():
            session.replay_floor = replay_from
            assert session.ws is not None
            await session.ws.send_str(json.dumps({"op": RECONNECT, "d": None}))

    async def wait(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds (checked whenever the gateway state changes)."""

        async def waiter() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(waiter(), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- the websocket --------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One websocket connection from a client (a shard)."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": HELLO, "d": {"heartbeat_interval": 41250}}))
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame: JSON = json.loads(msg.data)
                op, data = frame.get("op"), frame.get("d")
                if op == HEARTBEAT:
                    self.heartbeats += 1
                    await ws.send_str(json.dumps({"op": HEARTBEAT_ACK}))
                elif op == IDENTIFY:
                    session = await self._identify(ws, data)
                elif op == RESUME:
                    session = await self._resume(ws, data)
                await self._notify()
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
            await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: Any) -> Session | None:
        self.identifies.append(data)
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        if self.refuse_message_content and int(data.get("intents", 0)) & MESSAGE_CONTENT_INTENT:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = tuple(data["shard"]) if data.get("shard") else None
        session = Session(uuid.uuid4().hex, shard)
        self.sessions[session.session_id] = session
        session.ws = ws
        await self._send(session, "READY", self._ready(session))
        for guild in self._guilds(session):
            await self._send(session, "GUILD_CREATE", guild)
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: Any) -> Session | None:
        self.resumes.append(data)
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))
            return None
        session.ws = ws
        after = int(data.get("seq") or 0)
        if session.replay_floor is not None:
            after = min(after, session.replay_floor)
            session.replay_floor = None
        for seq, event, payload in list(session.log):
            if seq > after:
                await ws.send_str(json.dumps({"op": DISPATCH, "t": event, "s": seq, "d": payload}))
        await self._send(session, "RESUMED", {})
        return session

    async def _send(self, session: Session, event: str, data: JSON) -> None:
        session.seq += 1
        session.log.append((session.seq, event, data))
        assert session.ws is not None
        await session.ws.send_str(json.dumps({"op": DISPATCH, "t": event, "s": session.seq, "d": data}))

    async def close_all(self) -> None:
        """Close every websocket (server shutdown)."""
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close()
