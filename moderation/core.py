"""The composition of the core: the one object adapters hold.

`Core` builds the parts and hands them to each other; it decides nothing itself:
- `CommunityDirectory` (`moderation.kernel.directory`): which community a chat belongs to, and whether it
  is watched;
- `Services` (`moderation.kernel.services`): store, packs, detector, hooks, clock, counters, retry policy,
  directory and phrasings, handed to the watcher, jobs, norm checks, provenance and every command;
- `Dispatcher` (`moderation.dispatcher`): `handle(event)` routes a message, command, button or posted
  message, and maps errors to replies.

Adapters call `handle`, `suggest`, `run_due_jobs`, `drain`, `set_spelling` and `set_targeting` here, and read
`stats` for metrics. No module of the core imports this one (`tests/test_layers.py`): they are handed
`Services`, so the core has no import cycle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from moderation.dispatcher import COMMAND_MODULES, Dispatcher
from moderation.jobs import ensure_digests, run_due
from moderation.kernel.actions import Action
from moderation.kernel.clock import Clock, utcnow
from moderation.kernel.community import CommunityConfig
from moderation.kernel.directory import WEB, CommunityDirectory
from moderation.kernel.events import ChatRef, CoreEvent
from moderation.kernel.i18n import DEFAULT_LANGUAGE, language_of, translations
from moderation.kernel.params import Converter
from moderation.kernel.phrasing import Phrasing, Spelling, Targeting
from moderation.kernel.redaction import redacting_logger
from moderation.kernel.retry import RetryPolicy
from moderation.kernel.services import CoreHooks, DetectionLike, DetectorLike, NoHooks, PackSource, Services
from moderation.norms_admin.packs import PackProvider
from moderation.setup.settings import Stored, merged
from storage import SettingRow, Store, StoreUnavailable, Tx

__all__ = ["COMMAND_MODULES", "WEB", "Core", "DetectionLike", "DetectorLike"]

log = redacting_logger("normbot.core")


class Core:
    """Platform-agnostic normbot. One instance per process, shared by every adapter."""

    def __init__(
        self,
        store: Store,
        communities: Sequence[CommunityConfig],
        *,
        detector: DetectorLike,
        clock: Clock = utcnow,
        worker_id: str | None = None,
        base_dir: Path | None = None,
        latest_release_fallback: Sequence[str] = ("console",),
        hooks: CoreHooks | None = None,
    ) -> None:
        self.directory = CommunityDirectory(store, communities, clock, merge=_merge_settings)
        self.services = Services(
            store=store,
            directory=self.directory,
            packs=PackProvider(base_dir),
            detector=detector,
            hooks=hooks or NoHooks(),
            clock=clock,
            latest_release_fallback=frozenset(latest_release_fallback),
        )
        if worker_id:
            self.services.worker_id = worker_id
        self.dispatcher = Dispatcher(self.services)

    # -- what adapters call ----------------------------------------------------------------------------

    async def handle(self, event: CoreEvent) -> list[Action]:
        """Handle one core event and return what to show. Never raises for bad input or store outages."""
        return await self.dispatcher.handle(event)

    async def handle_remote(self, event: CoreEvent) -> list[Action]:
        """`handle` for a caller without chats (the web registry's moderator forms): what the event says in
        chats waits in the outbox for a bot process (see `Dispatcher.handle_remote`)."""
        return await self.dispatcher.handle_remote(event)

    async def deliver_outbox(self, limit: int = 100) -> list[Action]:
        """The outbox's queued messages this replica claims, for its adapters to show (every tick)."""
        return await self.dispatcher.deliver_outbox(limit)

    async def drain(self, timeout: float) -> bool:
        """Wait until no event is being handled (graceful shutdown); False if `timeout` ran out first."""
        return await self.dispatcher.drain(timeout)

    async def suggest(
        self, chat: ChatRef, converter: Converter[Any], prefix: str, limit: int = 25
    ) -> list[tuple[str, str]]:
        """Autocomplete choices (see `Dispatcher.suggest`); never raises."""
        return await self.dispatcher.suggest(chat, converter, prefix, limit)

    async def run_due_jobs(self) -> list[Action]:
        """Run every due job this replica manages to claim (see `moderation.jobs`)."""
        try:
            return [*await run_due(self.services), *await self.dispatcher.deliver_outbox()]
        except StoreUnavailable:
            log.warning("store unavailable; scheduled jobs will run when it is back")
            return []

    def set_spelling(self, platform: str, spell: Spelling) -> None:
        """How `platform` spells typed command names (an adapter says so at start-up: Telegram has no
        hyphens). Help, usage lines and hints shown on that platform use it."""
        self.services.phrasings.set_spelling(platform, spell)

    def set_targeting(self, platform: str, targeting: Targeting) -> None:
        """How a command on `platform` finds its release when no id is typed (an adapter says so at start-up:
        Telegram commands reply to the announcement, Discord's run in the review thread). Prompt footers and
        "Which release?" answers shown there describe it."""
        self.services.phrasings.set_targeting(platform, targeting)

    def spelling(self, platform: str) -> Spelling:
        """The spelling of command names on `platform` (canonical unless its adapter set one)."""
        return self.services.phrasings.spelling(platform)

    def phrasing(self, platform: str) -> Phrasing:
        """Command names and release targeting on `platform`."""
        return self.services.phrasing(platform)

    def command_ref(self, platform: str, name: str) -> str:
        """`/forget-me` as a member on `platform` types it (`/forget_me` on Telegram)."""
        return self.services.command_ref(platform, name)

    # -- set-up and chat moves -------------------------------------------------------------------------

    async def setup(self) -> None:
        """Make sure every configured community and chat exists in the store; validate packs early."""
        services = self.services
        now = services.clock()
        for c in self.directory.communities.values():  # compiled now, not while the first member waits (docs/i18n.md)
            translations(language_of(c.language) or DEFAULT_LANGUAGE)
        async with services.store.transaction() as tx:
            for c in self.directory.communities.values():
                services.packs.configured(c)
                row = await tx.communities.ensure(c.slug, c.name, now)
                self.directory.remember(c.slug, row.id)
                for chat in c.chats:
                    existing = await tx.chats.binding(chat.platform, chat.chat_id)
                    if existing is None:
                        await tx.chats.bind(
                            row.id, chat.platform, chat.chat_id, watched=chat.role == "releases", role=chat.role
                        )
            await ensure_digests(tx, services, now)
            self.directory.apply_settings(await tx.settings.all())

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
        """Follow a chat whose id changed (Telegram group -> supergroup): bindings, announcements and posted
        messages move to the new id, so replies in the new chat still find their releases."""
        async with self.store.transaction() as tx:
            moved = await tx.chats.migrate(platform, old_chat_id, new_chat_id)
            resolved = await self.directory.resolve(tx, ChatRef(platform, new_chat_id))
            if resolved is not None:
                await tx.audit_log.append(
                    resolved[1],
                    actor="normbot",
                    action="chat.migrated",
                    subject=f"{platform}:{old_chat_id}",
                    payload={"to": new_chat_id, "rows": moved},
                    at=self.clock(),
                )
        self.directory.chat_moved(platform, old_chat_id, new_chat_id)
        return moved

    def language_hint(self, chat: ChatRef) -> str:
        """The language of a chat's community, without the store (see `CommunityDirectory.language_hint`)."""
        return self.directory.language_hint(chat)

    def forget_binding(self, platform: str, chat_id: str) -> None:
        """Drop the binding snapshot (see `CommunityDirectory.forget`)."""
        self.directory.forget(platform, chat_id)

    async def community_id(self, tx: Tx, slug: str) -> int:
        """The store id of a configured community (cached)."""
        return await self.directory.id_of(tx, slug)

    # -- the services, by their old names (adapters, the CLI and tests read them here) -----------------

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def communities(self) -> Mapping[str, CommunityConfig]:
        return self.directory.communities

    @property
    def file_communities(self) -> Mapping[str, CommunityConfig]:
        return self.directory.file_communities

    @property
    def detector(self) -> DetectorLike:
        return self.services.detector

    @property
    def hooks(self) -> CoreHooks:
        return self.services.hooks

    @property
    def packs(self) -> PackSource:
        return self.services.packs

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def stats(self) -> Counter[str]:
        return self.services.stats

    @property
    def worker_id(self) -> str:
        return self.services.worker_id

    @property
    def retry_policy(self) -> RetryPolicy:
        return self.services.retry_policy

    @retry_policy.setter
    def retry_policy(self, policy: RetryPolicy) -> None:
        self.services.retry_policy = policy

    @property
    def latest_release_fallback(self) -> frozenset[str]:
        return self.services.latest_release_fallback


def _merge_settings(config: CommunityConfig, rows: Sequence[SettingRow]) -> CommunityConfig:
    """The community the file configures, with the settings moderators stored from chat (`/setup`)."""
    return merged(config, [Stored(r.key, r.platform, r.value, r.updated_by, r.updated_at) for r in rows])
