"""One running world for end-to-end tests: the fake Bot API, a real SQLite store, the real core (rules-only
detector) and the real `TelegramAdapter` polling the fake, plus helpers that wait on conditions.

    async with telegram_world(tmp_path) as w:
        update, prompt = await w.announce(w.group, w.alice, GOOD)
        w.fake.press(prompt, w.bob, prompt.payloads[0])
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Secret, TelegramSettings
from bot.router import Router
from bot.telegram import TelegramAdapter
from bot.wiring import build_core
from moderation.core import Core
from moderation.kernel.community import ChatBinding, CommunityConfig
from storage import Store
from tests.fakes.telegram.payloads import FakeChat, FakeUser
from tests.fakes.telegram.server import FakeTelegram
from tests.fakes.telegram.state import BotMessage, Call

__all__ = [
    "GOOD",
    "TOKEN",
    "World",
    "button",
    "deep_link_token",
    "edited",
    "private",
    "release_id_of",
    "sent_to",
    "telegram_world",
]

# Shaped like a real token (bot id, colon, 35 characters) so every code path treats it as one.
TOKEN = "7000000001:AAHk3-known-test-token-Zq9xW4vB7nM2"
GOOD = (
    "Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: `neondrm`. License: openrail++. NSFW: no. "
    "https://huggingface.co/ada/neon-dreams SHA256: "
    "4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
)
_ids = itertools.count(1)
_template: Path | None = None


async def _fresh_database(target: Path) -> None:
    """A migrated SQLite file: migrations run once per test process, each world gets a copy (real schema,
    a fraction of the set-up time)."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="normbot-telegram-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        store = Store.from_url(f"sqlite+aiosqlite:///{folder}/template.db")
        await store.upgrade()
        await store.close()
        _template = folder / "template.db"
    shutil.copyfile(_template, target)


@dataclass
class World:
    """Everything a test touches; people and chats are registered with the fake."""

    fake: FakeTelegram
    store: Store
    core: Core
    adapter: TelegramAdapter
    group: FakeChat
    forum: FakeChat
    mods: FakeChat
    alice: FakeUser
    bob: FakeUser
    carol: FakeUser
    mia: FakeUser
    log: FakeChat | None = None  # the mod-log chat, when the world has one

    async def reply_to(self, update: dict[str, Any], *, after: int = 0, timeout: float = 10.0) -> BotMessage:
        """The bot's message that replies to the message of `update` (waits for it)."""
        msg = update["message"]
        chat_id, message_id = msg["chat"]["id"], msg["message_id"]

        def matches(call: Call) -> bool:
            reply = call.params.get("reply_parameters") or {}
            return call.ok and call.params.get("chat_id") == chat_id and reply.get("message_id") == message_id

        call = await self.fake.wait_for("sendMessage", matches, after=after, timeout=timeout)
        return self.fake.bot_message(chat_id, call.result["message_id"])

    async def announce(
        self, chat: FakeChat, user: FakeUser, text: str = GOOD, *, thread_id: int | None = None
    ) -> tuple[dict[str, Any], BotMessage]:
        """Post an announcement and wait for the review prompt that replies to it."""
        mark = self.fake.mark()
        update = self.fake.say(chat, user, text, thread_id=thread_id)
        prompt = await self.reply_to(update, after=mark)
        await self.posted(f"prompt:{release_id_of(prompt)}")
        return update, prompt

    async def command(
        self, chat: FakeChat, user: FakeUser, text: str, *, reply_to: int | None = None, **kw: Any
    ) -> BotMessage:
        """Send a command and wait for the bot's reply to it."""
        mark = self.fake.mark()
        update = self.fake.say(chat, user, text, reply_to=reply_to, **kw)
        return await self.reply_to(update, after=mark)

    async def privately(
        self, chat: FakeChat, user: FakeUser, text: str, *, reply_to: int | None = None, **kw: Any
    ) -> tuple[BotMessage, BotMessage]:
        """Send a command whose answer is for `user` alone: (the one-line pointer in `chat`, the answer in the
        private chat). When the bot could not write first (the member never started it) the pointer is a deep
        link: this follows it as the member would (Start sends `/start <token>`)."""
        mark = self.fake.mark()
        update = self.fake.say(chat, user, text, reply_to=reply_to, **kw)
        pointer = await self.reply_to(update, after=mark)
        token = deep_link_token(pointer.html)
        if token is not None:
            mark = self.fake.mark()
            self.fake.say(FakeChat(user.id, "private", user.first_name), user, f"/start {token}")

        def to_user(call: Call) -> bool:
            return call.ok and call.params.get("chat_id") == user.id

        sent = await self.fake.wait_for("sendMessage", to_user, after=mark)
        return pointer, self.fake.bot_message(user.id, sent.result["message_id"])

    async def sync(self, chat: FakeChat) -> None:
        """Wait until every update sent so far was handled (updates are handled in order)."""
        await self.command(chat, self.carol, "/help")

    async def posted(self, key: str, timeout: float = 10.0) -> None:
        """Wait until the adapter reported where a keyed message landed (the core can then edit it)."""

        async def wait() -> None:
            while True:
                async with self.store.transaction() as tx:
                    if await tx.posted.under_key(key):
                        return
                await asyncio.sleep(0.02)

        await asyncio.wait_for(wait(), timeout)

    async def endorsements(self, release_id: int) -> int:
        """Endorsements recorded in the store."""
        async with self.store.transaction() as tx:
            return await tx.endorsements.count(release_id)

    async def flags(self, release_id: int) -> list[tuple[str, str]]:
        """(norm, reason) of each flag recorded in the store."""
        async with self.store.transaction() as tx:
            return [(f.norm_id, f.reason) for f in await tx.flags.of_release(release_id)]


def private(user: FakeUser) -> FakeChat:
    """The user's private chat with the bot."""
    return FakeChat(user.id, "private", user.first_name)


async def sent_to(w: World, user: FakeUser, mark: int) -> BotMessage:
    """The next message the bot sends to `user`'s private chat after `mark`."""

    def to_user(call: Call) -> bool:
        return call.ok and call.params.get("chat_id") == user.id

    call = await w.fake.wait_for("sendMessage", to_user, after=mark)
    return w.fake.bot_message(user.id, call.result["message_id"])


async def edited(w: World, message: BotMessage, mark: int) -> BotMessage:
    """`message` after the bot edited it (after `mark`)."""

    def this(call: Call) -> bool:
        return call.ok and call.params.get("message_id") == message.message_id

    await w.fake.wait_for("editMessageText", this, after=mark)
    return w.fake.bot_message(message.chat_id, message.message_id)


def button(message: BotMessage, label: str) -> str:
    """The callback data of the button labelled `label` (a link button's as `url:<url>`)."""
    found = [data for row in message.buttons for text, data in row if text == label]
    assert found, f"no button {label!r} in {[t for row in message.buttons for t, _ in row]}"
    return found[0]


def deep_link_token(html: str) -> str | None:
    """The start parameter of a `https://t.me/<bot>?start=<token>` link in a message, if there is one."""
    m = re.search(r"t\.me/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]{1,64})", html)
    return m.group(1) if m else None


def release_id_of(prompt: BotMessage) -> int:
    """The release id a prompt is about, read from its Endorse button's payload (`nb1:endorse:<id>`)."""
    return int(prompt.payloads[0].split(":")[2])


@contextlib.asynccontextmanager
async def telegram_world(
    tmp_path: Path,
    *,
    settings: dict[str, Any] | None = None,
    start: bool = True,
    store: Store | None = None,
    moderators: frozenset[str] = frozenset(),
    language: str = "en",
    log: bool = False,
    enforcement: bool = False,
) -> AsyncIterator[World]:
    """Start the fake, the store, the core and the adapter; stop them all in reverse order. `store`: a store
    of the caller's (the `store` fixture, for a test on both databases), left open; else a SQLite file.
    `moderators`: the community's configured moderators (`telegram:<id>` or `telegram:@handle`). `log`: the
    community has a mod-log chat (`world.log`). `enforcement`: the community turned optional enforcement on
    (the bot still needs to be an administrator who may delete: `fake.promote_bot`)."""
    fake = FakeTelegram(TOKEN)
    await fake.start()
    n = next(_ids)
    alice = fake.add_user(FakeUser(1001, "Alice", "alice_makes"), started_bot=True)
    bob = fake.add_user(FakeUser(1002, "Bob", "bob_reviews"))
    carol = fake.add_user(FakeUser(1003, "Carol", "carol"))
    mia = FakeUser(1004, "Mia", "mia_mod")
    group = fake.add_chat(FakeChat(-4000 - n, "group", "Model makers"), admins=(mia,))
    forum = fake.add_chat(FakeChat(-100_5000 - n, "supergroup", "Makers forum", is_forum=True), admins=(mia,))
    mods = fake.add_chat(FakeChat(-100_6000 - n, "supergroup", "Makers mods"), admins=(mia,))
    log_chat = fake.add_chat(FakeChat(-100_7000 - n, "supergroup", "Makers log"), admins=(mia,)) if log else None
    community = CommunityConfig(
        slug="makers",
        name="Makers",
        moderators=moderators,
        language=language,
        chats=(
            ChatBinding("telegram", str(group.id), "releases"),
            ChatBinding("telegram", str(forum.id), "releases"),
            ChatBinding("telegram", str(mods.id), "mod"),
            *((ChatBinding("telegram", str(log_chat.id), "log"),) if log_chat is not None else ()),
        ),
        enforcement=enforcement,
    )
    own_store = store is None
    if store is None:
        await _fresh_database(tmp_path / "t.db")
        store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    core = await build_core(store, [community], rules_only=True, migrate=False)
    router = Router()
    config = TelegramSettings(**{"base_url": fake.base_url, "base_file_url": fake.base_file_url, **(settings or {})})
    adapter = TelegramAdapter(core, router, config, Secret(TOKEN))
    adapter.poll_timeout = 2
    router.register(adapter)
    world = World(fake, store, core, adapter, group, forum, mods, alice, bob, carol, mia, log_chat)
    try:
        if start:
            await adapter.start()
        yield world
    finally:
        await adapter.stop()
        await fake.stop()
        if own_store:
            await store.close()
