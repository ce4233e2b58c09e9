"""One running world for end-to-end tests: the fake Discord, a real SQLite store, the real core
(rules-only detector) and the real `DiscordAdapter` connected to the fake, plus helpers that wait on
conditions (never on the clock).

    async with discord_world(tmp_path) as w:
        announcement, prompt = await w.announce(w.alice)
        interaction = await press(w.fake, w.releases, w.bob, prompt, prompt_payloads(prompt)[0])
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import DiscordSettings, Secret
from bot.discord import DiscordAdapter
from bot.router import Router
from bot.wiring import build_core
from moderation.core import Core
from moderation.kernel.community import ChatBinding, CommunityConfig
from storage import Store
from tests.fakes.discord.payloads import JSON, MANAGE_GUILD, FakeChannel, FakeGuild, FakeRole, FakeUser
from tests.fakes.discord.server import FakeDiscord

__all__ = ["GOOD", "TOKEN", "LoopbackOnly", "World", "discord_world", "payloads_of", "release_id_of"]

# Shaped like a real bot token (base64 id . timestamp . HMAC) so every code path treats it as one.
TOKEN = "MTE5OTk5OTk5OTk5OTk5OTk5OQ.GkNwn4.known-test-token-Zq9xW4vB7nM2pL0aRt"
GOOD = (
    "Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: `neondrm`. License: openrail++. NSFW: no. "
    "https://huggingface.co/ada/neon-dreams SHA256: "
    "4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
)


@dataclass
class World:
    """Everything a test touches; people, roles and channels are registered with the fake."""

    fake: FakeDiscord
    store: Store
    core: Core
    adapter: DiscordAdapter
    guild: FakeGuild
    releases: FakeChannel
    chat: FakeChannel
    mods_channel: FakeChannel
    alice: FakeUser
    bob: FakeUser
    carol: FakeUser
    mia: FakeUser
    extra: dict[str, Any] = field(default_factory=dict)

    async def prompt_for(self, announcement: JSON, *, after: int = 0, timeout: float = 10.0) -> JSON:
        """The bot's review prompt replying to `announcement` (waits for it and for `Posted`)."""

        def replies(call: Any) -> bool:
            ref = (call.body or {}).get("message_reference") or {}
            return call.ok and str(ref.get("message_id")) == str(announcement["id"])

        call = await self.fake.rec.wait_for("POST", r"/channels/\d+/messages", replies, after=after, timeout=timeout)
        prompt = self.fake.messages[int(call.result["id"])]
        rid = release_id_of(prompt)
        await self.posted(f"prompt:{rid}")
        found = self.fake.channel(int(prompt["channel_id"]))
        if found is not None and found[0].type == 0:  # in a text channel: its review thread and intro follow
            await self.posted(f"thread:{rid}", thread_id=prompt["id"], timeout=timeout)
        return prompt

    async def announce(self, user: FakeUser, text: str = GOOD, channel: FakeChannel | None = None) -> tuple[JSON, JSON]:
        """Post an announcement and wait for the review prompt that replies to it."""
        mark = self.fake.rec.mark()
        announcement = await self.fake.say(channel or self.releases, user, text)
        return announcement, await self.prompt_for(announcement, after=mark)

    async def posted(self, key: str, timeout: float = 10.0, *, thread_id: str | None = None) -> None:
        """Wait until the adapter reported where a keyed message landed (in thread `thread_id`, if given)."""

        async def wait() -> None:
            while True:
                async with self.store.transaction() as tx:
                    if any(thread_id is None or p.thread_id == thread_id for p in await tx.posted.under_key(key)):
                        return
                await asyncio.sleep(0.02)

        await asyncio.wait_for(wait(), timeout)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds, checking on every event-loop turn (bounded by `timeout`)."""

        async def wait() -> None:
            # The core's counters have no event to wait on; poll them (bounded by `timeout`).
            while not predicate():  # noqa: ASYNC110
                await asyncio.sleep(0.01)

        await asyncio.wait_for(wait(), timeout)

    async def idle(self) -> None:
        """Wait until the core handles no event (everything delivered so far was processed)."""
        await asyncio.sleep(0)
        assert await self.core.drain(10.0)

    async def endorsements(self, release_id: int) -> int:
        """Endorsements recorded in the store."""
        async with self.store.transaction() as tx:
            return await tx.endorsements.count(release_id)

    async def flags(self, release_id: int) -> list[tuple[str, str]]:
        """(norm, reason) of each flag recorded in the store."""
        async with self.store.transaction() as tx:
            return [(f.norm_id, f.reason) for f in await tx.flags.of_release(release_id)]


def payloads_of(message: JSON) -> list[str]:
    """The custom ids of a message's buttons, in order."""
    return [c["custom_id"] for row in message.get("components", []) for c in row.get("components", [])]


def release_id_of(prompt: JSON) -> int:
    """The release a prompt is about, read from its Endorse button (`nb1:endorse:<id>`)."""
    return int(payloads_of(prompt)[0].split(":")[2])


class LoopbackOnly:
    """While active, name resolution for anything but loopback fails and is remembered: discord.py must
    never reach discord.com (or anywhere else) from a test. IP literals (the fake's 127.0.0.1) need no
    resolution."""

    ALLOWED = frozenset({"127.0.0.1", "localhost", "::1"})

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._original = socket.getaddrinfo

    def __enter__(self) -> LoopbackOnly:
        def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name not in self.ALLOWED:
                self.attempts.append(name)
                raise OSError(f"network disabled in tests: {name}")
            return self._original(host, *args, **kwargs)

        socket.getaddrinfo = guarded
        return self

    def __exit__(self, *exc: object) -> None:
        socket.getaddrinfo = self._original


@contextlib.asynccontextmanager
async def discord_world(
    tmp_path: Path,
    *,
    sharded: bool = False,
    start: bool = True,
    spaces: bool = True,
    store: Store | None = None,
    language: str = "en",
    log: bool = False,
    enforcement: bool = False,
) -> AsyncIterator[World]:
    """Start the fake, the store, the core and the adapter; stop them all in reverse order. `store`: a store
    of the caller's (the `store` fixture, for a test on both databases), left open; else a SQLite file.
    `log`: the community has a mod-log channel (`world.extra["log"]`). `language`: the community's.
    `enforcement`: the community turned optional enforcement on (the bot still needs Manage Messages:
    `fake.grant_bot`)."""
    fake = FakeDiscord(TOKEN)
    ids = fake.ids
    mods = FakeRole(ids.next(), "Moderators", MANAGE_GUILD)
    reviewers = FakeRole(ids.next(), "Reviewers")
    releases = FakeChannel(ids.next(), "releases")
    chat = FakeChannel(ids.next(), "general")
    mods_channel = FakeChannel(ids.next(), "mods")
    log_channel = FakeChannel(ids.next(), "mod-log")
    channels = [releases, chat, mods_channel, log_channel]
    guild = fake.add_guild(FakeGuild(ids.next(), "Model makers", fake.owner.id, [mods, reviewers], channels))
    alice = fake.add_user(FakeUser(ids.next(), "alice_makes"), guild=guild)
    bob = fake.add_user(FakeUser(ids.next(), "bob_reviews"), guild=guild, roles=(reviewers.id,))
    carol = fake.add_user(FakeUser(ids.next(), "carol"), guild=guild)
    mia = fake.add_user(FakeUser(ids.next(), "mia_mod"), guild=guild, roles=(mods.id,))
    await fake.start()
    community = CommunityConfig(
        slug="makers",
        name="Makers",
        chats=(
            ChatBinding("discord", str(releases.id), "releases"),
            ChatBinding("discord", str(mods_channel.id), "mod"),
            *((ChatBinding("discord", str(log_channel.id), "log"),) if log else ()),
        ),
        spaces=frozenset({("discord", str(guild.id))}) if spaces else frozenset(),
        reviewer_roles=frozenset({"reviewers"}),
        language=language,
        enforcement=enforcement,
    )
    own_store = store is None
    store = store or Store.from_url(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    core = await build_core(store, [community], rules_only=True)
    router = Router()
    settings = DiscordSettings(api_base=fake.api_base, gateway_url=fake.gateway_url, sharded=sharded)
    adapter = DiscordAdapter(core, router, settings, Secret(TOKEN))
    adapter.guild_ready_timeout = 0.1
    router.register(adapter)
    world = World(fake, store, core, adapter, guild, releases, chat, mods_channel, alice, bob, carol, mia)
    if log:
        world.extra["log"] = log_channel
    with LoopbackOnly() as network:
        try:
            if start:
                await adapter.start()
            yield world
        finally:
            await adapter.stop()
            await fake.stop()
            if own_store:
                await store.close()
    assert not network.attempts, f"the test tried to reach {network.attempts}"
