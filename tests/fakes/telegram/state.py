"""The fake's world: chats, members, messages, pending updates, files, and every call the bot made.

Kept apart from the HTTP plumbing (`server.py`) and the method implementations (`methods.py`) so a test can
read it directly: `fake.state.bot_messages`, `fake.state.calls`.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram.payloads import FakeChat, FakeUser

__all__ = ["ApiError", "BotMessage", "Call", "FakeState"]

JSON = dict[str, Any]


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description and optional `parameters`."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API request the client made: the method, its decoded parameters and how it was answered."""

    index: int
    method: str
    params: JSON
    ok: bool
    error: str | None = None
    result: Any = None


@dataclass(slots=True)
class BotMessage:
    """A message the bot posted, with the plain text a user sees (HTML parsed like Telegram does)."""

    chat_id: int
    message_id: int
    html: str
    text: str
    buttons: list[list[tuple[str, str]]]
    reply_to: int | None
    thread_id: int | None
    force_reply: bool = False
    edits: int = 0

    @property
    def payloads(self) -> list[str]:
        """Every callback_data of the inline keyboard, row by row."""
        return [data for row in self.buttons for _, data in row]


@dataclass
class FakeState:
    """Everything the fake server knows."""

    token: str
    bot: FakeUser
    chats: dict[int, FakeChat] = field(default_factory=dict)
    users: dict[int, FakeUser] = field(default_factory=dict)
    admins: dict[int, set[int]] = field(default_factory=dict)
    # The bot's own administrator rights per chat (`promote_bot`): deleting others' messages needs them.
    bot_rights: dict[int, set[str]] = field(default_factory=dict)
    deleted: list[tuple[int, int]] = field(default_factory=list)  # (chat, message) deleted, in order
    started: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    bot_messages: dict[tuple[int, int], BotMessage] = field(default_factory=dict)
    topics: dict[tuple[int, int], JSON] = field(default_factory=dict)
    updates: list[JSON] = field(default_factory=list)
    forced: list[JSON] = field(default_factory=list)
    delivered: dict[int, JSON] = field(default_factory=dict)
    callback_queries: dict[str, JSON] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    commands: dict[str, list[JSON]] = field(default_factory=dict)
    webhook: JSON | None = None
    allowed_updates: list[str] | None = None  # the kinds of update getUpdates last asked for (None: all)
    flood: dict[int, int] = field(default_factory=dict)
    latency: dict[str, float] = field(default_factory=dict)  # seconds a method takes (a far, busy API)
    garbled: dict[str, int] = field(default_factory=dict)  # next N answers of a method: ok, but shapeless
    calls: list[Call] = field(default_factory=list)
    next_update_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    next_query_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    next_file_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    message_counters: dict[int, itertools.count[int]] = field(default_factory=dict)
    update_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    call_arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    def new_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by people and the bot, as on Telegram."""
        counter = self.message_counters.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def chat(self, chat_id: Any) -> FakeChat:
        """The chat a request names; 400 for unknown chats, and the migration answer for upgraded groups."""
        try:
            cid = int(chat_id)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if cid in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[cid]},
            )
        if cid in self.chats:
            return self.chats[cid]
        if cid in self.users:
            if cid not in self.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            user = self.users[cid]
            return FakeChat(cid, "private", user.first_name)
        raise ApiError(400, "Bad Request: chat not found")

    def push_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates (and wake a waiting long poll)."""
        self.updates.append(update)
        self.delivered[update["update_id"]] = update
        self.update_arrived.set()
        return update
