"""The fake Telegram Bot API: an aiohttp server on 127.0.0.1 that a real PTB `Application` talks to.

PTB calls `{base_url}{token}/{method}` with form-encoded (or multipart) bodies whose non-string values are
JSON; the fake decodes them, runs `methods.METHODS[method]`, records a `Call`, and answers
`{"ok": true, "result": ...}` or Telegram's error shape. Tests drive the other side: people post
messages, reply, press buttons, attach files, and groups migrate to supergroups.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.telegram.methods import METHODS
from tests.fakes.telegram.payloads import FakeChat, FakeUser, document_payload, message_payload, user_payload
from tests.fakes.telegram.state import ApiError, BotMessage, Call, FakeState

__all__ = ["FakeTelegram"]

JSON = dict[str, Any]
# Values PTB sends as raw strings; everything else is JSON (numbers, booleans, objects).
_STRINGS = {
    "text",
    "caption",
    "callback_query_id",
    "file_id",
    "url",
    "secret_token",
    "parse_mode",
    "inline_message_id",
    "language_code",
    "description",
    "short_description",
    "name",
}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _STRINGS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram:
    """One fake Bot API server for one bot token."""

    def __init__(self, token: str, *, bot: FakeUser | None = None) -> None:
        self.state = FakeState(token=token, bot=bot or FakeUser(700_000_001, "normbot", "normbot_test_bot", True))
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a random loopback port."""
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Close the server (pending long polls end)."""
        self.state.update_arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """What `TelegramSettings.base_url` should say (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What `TelegramSettings.base_file_url` should say."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- HTTP ------------------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> JSON:
        params: JSON = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return {k: _decode(k, v) for k, v in params.items()}

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if request.match_info["token"] != self.state.token:
            return await self._answer(method, params, ApiError(401, "Unauthorized"))
        impl = METHODS.get(method)
        if impl is None:
            return await self._answer(method, params, ApiError(404, "Not Found: method not found"))
        if (delay := self.state.latency.get(method, 0.0)) > 0:
            await asyncio.sleep(delay)
        try:
            result = await impl(self.state, params)
        except ApiError as exc:
            return await self._answer(method, params, exc)
        if self.state.garbled.get(method, 0) > 0:
            # The method did its work but the answer is not the object Telegram documents (a misbehaving proxy
            # or self-hosted server): the client fails parsing it, with an error that is not a TelegramError.
            self.state.garbled[method] -= 1
            await self._answer(method, params, result)
            return web.json_response({"ok": True, "result": {"garbled": True}})
        return await self._answer(method, params, result)

    async def _answer(self, method: str, params: JSON, result: Any) -> web.Response:
        error = result if isinstance(result, ApiError) else None
        async with self.state.call_arrived:
            call = Call(
                len(self.state.calls),
                method,
                params,
                error is None,
                error.description if error else None,
                None if error else result,
            )
            self.state.calls.append(call)
            self.state.call_arrived.notify_all()
        if error is not None:
            body: JSON = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.state.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored_path, content in self.state.files.values():
            if stored_path == path:
                return web.Response(body=content, content_type="application/octet-stream")
        return web.Response(status=404)

    # -- the world, for tests --------------------------------------------------------------------------

    def add_user(self, user: FakeUser, *, started_bot: bool = False) -> FakeUser:
        """A person; `started_bot` means they opened a private chat with the bot (DMs work)."""
        self.state.users[user.id] = user
        if started_bot:
            self.state.started.add(user.id)
        return user

    def add_chat(self, chat: FakeChat, *, admins: tuple[FakeUser, ...] = ()) -> FakeChat:
        """A group the bot is in; the first admin is the creator."""
        self.state.chats[chat.id] = chat
        self.state.admins[chat.id] = {self.add_user(a).id for a in admins}
        return chat

    def open_topic(self, chat: FakeChat, name: str) -> int:
        """A forum topic: its id is the id of its creation service message (as on Telegram)."""
        assert chat.is_forum
        message_id = self.state.new_message_id(chat.id)
        created = message_payload(message_id=message_id, chat=chat, sender=None, date=int(time.time()))
        created |= {"forum_topic_created": {"name": name, "icon_color": 7322096}, "message_thread_id": message_id}
        created["is_topic_message"] = True
        self.state.messages[(chat.id, message_id)] = created
        self.state.topics[(chat.id, message_id)] = created
        return message_id

    def promote_bot(self, chat: FakeChat, *rights: str) -> None:
        """Make the bot an administrator of `chat` with `rights` (`can_delete_messages`, ...)."""
        self.state.bot_rights[chat.id] = set(rights)

    def age(self, chat: FakeChat, message_id: int, seconds: int) -> None:
        """Make a stored message `seconds` older (Telegram's 48-hour deletion window, without waiting)."""
        message = self.state.messages[(chat.id, message_id)]
        message["date"] = int(message.get("date", 0)) - seconds

    def add_file(self, name: str, content: bytes) -> JSON:
        """Store a file; returns the `Document` object to attach to a message."""
        file_id = f"F{next(self.state.next_file_id)}"
        self.state.files[file_id] = (f"documents/{file_id}_{name}", content)
        return document_payload(file_id, name, len(content))

    def say(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        document: JSON | None = None,
        caption: str | None = None,
        extra: JSON | None = None,
    ) -> JSON:
        """A person posts a message (a reply when `reply_to` is set); returns the update."""
        replied = self.state.messages.get((chat.id, reply_to)) if reply_to is not None else None
        if reply_to is not None and replied is None:
            raise KeyError(f"no message {reply_to} in chat {chat.id}")
        if replied is None and thread_id is not None:
            replied = self.state.topics.get((chat.id, thread_id))  # in a topic, a non-reply replies to its start
        message = message_payload(
            message_id=self.state.new_message_id(chat.id),
            chat=chat,
            sender=user,
            date=int(time.time()),
            text=text,
            caption=caption,
            reply_to=replied,
            thread_id=thread_id,
            document=document,
            extra=extra,
        )
        self.state.messages[(chat.id, message["message_id"])] = message
        if chat.type == "private":
            self.state.started.add(user.id)  # writing to the bot (Start) lets it write back, as on Telegram
        return self.state.push_update({"update_id": next(self.state.next_update_id), "message": message})

    def edit(self, update: JSON, text: str) -> JSON:
        """The author edits the message of `update` (a `message` update) to read `text`: Telegram sends an
        `edited_message` update with the whole message as it reads now and its `edit_date`."""
        original = self.state.messages[(update["message"]["chat"]["id"], update["message"]["message_id"])]
        edited = dict(original)
        key = "caption" if "caption" in original else "text"
        edited[key] = text
        edited.pop("entities", None)
        edited.pop("caption_entities", None)
        # edit_date must grow with each edit, as it does on Telegram (seconds; a later edit, a later date).
        edited["edit_date"] = max(int(time.time()), int(original.get("edit_date", 0)) + 1)
        self.state.messages[(edited["chat"]["id"], edited["message_id"])] = edited
        return self.state.push_update({"update_id": next(self.state.next_update_id), "edited_message": edited})

    def press(self, message: BotMessage, user: FakeUser, data: str) -> JSON:
        """A person presses an inline button (or sends any callback data: forged data included)."""
        query_id = f"q{next(self.state.next_query_id)}"
        self.state.callback_queries[query_id] = {"answered": False, "user": user.id}
        shown = self.state.messages[(message.chat_id, message.message_id)]
        query = {
            "id": query_id,
            "from": user_payload(user),
            "message": shown,
            "chat_instance": f"ci{message.chat_id}",
            "data": data,
        }
        return self.state.push_update({"update_id": next(self.state.next_update_id), "callback_query": query})

    def redeliver(self, update: JSON) -> None:
        """Deliver an update again with the same update_id (Telegram does after a crash or a timeout)."""
        self.state.forced.append(update)
        self.state.update_arrived.set()

    def migrate(self, old: FakeChat, new_id: int, *, service_messages: bool = True) -> FakeChat:
        """Upgrade a group to a supergroup: history keeps its message ids, the old id answers with
        `migrate_to_chat_id`, and both service messages are delivered (unless `service_messages` is False:
        the bot then learns of it from a `ChatMigrated` error, as when it was offline at the time)."""
        new = FakeChat(new_id, "supergroup", old.title, old.is_forum)
        self.state.chats[new_id] = new
        self.state.admins[new_id] = set(self.state.admins.get(old.id, set()))
        for (chat_id, message_id), msg in list(self.state.messages.items()):
            if chat_id == old.id:
                self.state.messages[(new_id, message_id)] = {**msg, "chat": {**msg["chat"], "id": new_id}}
        for (chat_id, message_id), bot_msg in list(self.state.bot_messages.items()):
            if chat_id == old.id:
                self.state.bot_messages[(new_id, message_id)] = dataclasses.replace(bot_msg, chat_id=new_id)
        highest = max((m for c, m in self.state.messages if c == old.id), default=0)
        self.state.message_counters[new_id] = itertools.count(highest + 1)
        self.state.migrated[old.id] = new_id
        if not service_messages:
            return new
        admin = next(iter(sorted(self.state.admins.get(old.id, {0}))))
        user = self.state.users.get(admin, FakeUser(admin, "admin"))
        now = int(time.time())
        to_msg = message_payload(
            message_id=self.state.new_message_id(old.id),
            chat=old,
            sender=user,
            date=now,
            extra={"migrate_to_chat_id": new_id},
        )
        from_msg = message_payload(
            message_id=self.state.new_message_id(new_id),
            chat=new,
            sender=user,
            date=now,
            extra={"migrate_from_chat_id": old.id},
        )
        self.state.push_update({"update_id": next(self.state.next_update_id), "message": to_msg})
        self.state.push_update({"update_id": next(self.state.next_update_id), "message": from_msg})
        return new

    async def post_webhook(self, update: JSON, *, secret: str | None = None) -> int:
        """Deliver an update to the registered webhook like Telegram does (JSON POST with the secret
        header, the registered secret unless `secret` is given); returns the HTTP status."""
        import aiohttp

        assert self.state.webhook is not None, "no webhook registered (setWebhook was not called)"
        token = self.state.webhook["secret_token"] if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.state.webhook["url"], json=update, headers=headers) as resp:
                return resp.status

    # -- inspection ------------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every call of one method, in order."""
        return [c for c in self.state.calls if c.method == method]

    def mark(self) -> int:
        """The index the next call will get (pass it as `after` to wait only for newer calls)."""
        return len(self.state.calls)

    async def wait_for(
        self, method: str, where: Callable[[Call], bool] | None = None, *, after: int = 0, timeout: float = 10.0
    ) -> Call:
        """The first call of `method` (at index >= `after`) matching `where`; fails after `timeout` seconds."""

        def find() -> Call | None:
            for call in self.state.calls[after:]:
                if call.method == method and (where is None or where(call)):
                    return call
            return None

        async def wait() -> Call:
            async with self.state.call_arrived:
                while (hit := find()) is None:
                    await self.state.call_arrived.wait()
                return hit

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            seen = [(c.method, c.error) for c in self.state.calls[after:]][-15:]
            raise AssertionError(f"no {method} call within {timeout}s; calls since: {seen}") from None

    def bot_message(self, chat_id: int, message_id: int) -> BotMessage:
        """A message the bot posted."""
        return self.state.bot_messages[(chat_id, message_id)]

    def bot_messages_in(self, chat_id: int) -> list[BotMessage]:
        """Everything the bot posted in a chat, oldest first."""
        return sorted((m for (c, _), m in self.state.bot_messages.items() if c == chat_id), key=lambda m: m.message_id)

    def answer_of(self, update: JSON) -> JSON | None:
        """How the bot answered a callback query update (None while unanswered)."""
        query = self.state.callback_queries[update["callback_query"]["id"]]
        return query.get("answer") if query.get("answered") else None
