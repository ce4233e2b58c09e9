"""What the parts of the core are handed: the store, the packs, the detector, the hooks, the clock, the counters.

One `Services` per process, built by the composition (`moderation.core.Core`) and passed to what needs it:
the dispatcher, the watcher, scheduled jobs, norm checks, the provenance plug-in and every command (as
`Invocation.services`). Before, those modules took the `Core` itself and reached back into it, so every
module of the core imported every other for its types; a named bundle of collaborators keeps each module's
dependencies the ones it states.

The replaceable parts are protocols here (`DetectorLike`, `PackSource`, `CoreHooks`), so the kernel names
what it needs without importing the feature that implements it. `CoreHooks` sits beside `Services` because
each names the other (hooks are a service and are handed the services).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from moderation.kernel.actions import Action
from moderation.kernel.clock import Clock, utcnow
from moderation.kernel.community import CommunityConfig
from moderation.kernel.directory import CommunityDirectory
from moderation.kernel.events import MessagePosted
from moderation.kernel.phrasing import Phrasing, Phrasings
from moderation.kernel.retry import RetryPolicy
from norms import NormPack, ParentFacts
from norms.fields import ReleaseFields
from storage import Account, Release, Store, Tx

__all__ = ["CoreHooks", "DetectionLike", "DetectorLike", "NoHooks", "PackSource", "Services"]


class DetectionLike(Protocol):
    """What the core needs from a detection result (read-only: `moderation.detection.Detection` is frozen):
    the verdict, the stage that decided it (a community's `detect_threshold` applies to some stages only), the
    fields, and the vector the model scored (provenance compares announcements with it; None without one)."""

    @property
    def is_release(self) -> bool: ...

    @property
    def score(self) -> float: ...

    @property
    def stage(self) -> str: ...

    @property
    def fields(self) -> ReleaseFields | None: ...

    @property
    def embedding(self) -> Any | None: ...


class DetectorLike(Protocol):
    """What the core needs from the detector (see `moderation.detection.Detector`)."""

    async def adetect_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> Sequence[DetectionLike]: ...


class PackSource(Protocol):
    """Which norm pack applies to a community now (see `moderation.norms_admin.packs.PackProvider`)."""

    base_dir: Path | None

    def configured(self, community: CommunityConfig) -> NormPack:
        """The pack the config names."""
        ...

    async def current(self, tx: Tx, community: CommunityConfig, community_id: int) -> NormPack:
        """The pack in force: the latest adopted revision, else the configured pack."""
        ...

    def remember(self, pack: NormPack) -> None:
        """Cache a pack that was just adopted."""
        ...


class CoreHooks(Protocol):
    """Extension points of the core: what provenance (claims, lineage, credit) plugs into.

    Called at fixed points of the flow: `prepare_announcement` before the event's unit of work, the rest
    inside it. `NoHooks` does nothing, so the workflow runs without provenance and provenance can be
    developed and tested on its own."""

    async def prepare_announcement(
        self, services: Services, community_id: int, event: MessagePosted, embedding: Any = None
    ) -> object:
        """Slow work on a detected announcement that needs no lock (a model call, comparisons), done before
        the unit of work; whatever it returns reaches `after_announcement` as `prepared`."""
        ...

    async def after_announcement(
        self,
        services: Services,
        tx: Tx,
        release: Release,
        author: Account,
        fields: ReleaseFields,
        event: MessagePosted,
        created: bool,
        now: datetime,
        *,
        announcement_id: int | None = None,
        prepared: object = None,
    ) -> Sequence[Action]:
        """After an announcement is stored (claims, re-upload alerts, credit notices)."""
        ...

    async def after_content_change(
        self,
        services: Services,
        tx: Tx,
        release: Release,
        creator: Account,
        before: ReleaseFields,
        after: ReleaseFields,
        now: datetime,
        *,
        announcement_id: int | None = None,
        text: str | None = None,
    ) -> Sequence[Action]:
        """After a release's content changed (an edited announcement, a corrected repost, `/release edit`):
        claims on the values it states now, re-upload alerts for values someone else claimed first.
        `announcement_id` and `text` are set when an announcement's wording changed."""
        ...

    async def lineage_facts(self, services: Services, tx: Tx, release: Release) -> Sequence[ParentFacts]:
        """What is known of a release's parents, for the flow-down and permission norms."""
        ...

    async def digest_lines(self, services: Services, tx: Tx, community_id: int, since: datetime) -> Sequence[str]:
        """Extra lines for the weekly digest (most-credited models...)."""
        ...


class NoHooks:
    """The default: no provenance."""

    async def prepare_announcement(
        self, services: Services, community_id: int, event: MessagePosted, embedding: Any = None
    ) -> object:
        return None

    async def after_announcement(
        self,
        services: Services,
        tx: Tx,
        release: Release,
        author: Account,
        fields: ReleaseFields,
        event: MessagePosted,
        created: bool,
        now: datetime,
        *,
        announcement_id: int | None = None,
        prepared: object = None,
    ) -> Sequence[Action]:
        return ()

    async def after_content_change(
        self,
        services: Services,
        tx: Tx,
        release: Release,
        creator: Account,
        before: ReleaseFields,
        after: ReleaseFields,
        now: datetime,
        *,
        announcement_id: int | None = None,
        text: str | None = None,
    ) -> Sequence[Action]:
        return ()

    async def lineage_facts(self, services: Services, tx: Tx, release: Release) -> Sequence[ParentFacts]:
        return ()

    async def digest_lines(self, services: Services, tx: Tx, community_id: int, since: datetime) -> Sequence[str]:
        return ()


@dataclass(eq=False)
class Services:
    """The collaborators of one process's core, named. Mutable only where tests and adapters configure them
    (`retry_policy`; the phrasings adapters declare at start-up); the counters in `stats` are the bot's
    metrics (`/metrics` reads them)."""

    store: Store
    directory: CommunityDirectory
    packs: PackSource
    detector: DetectorLike
    hooks: CoreHooks = field(default_factory=NoHooks)
    clock: Clock = utcnow
    stats: Counter[str] = field(default_factory=Counter)
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    worker_id: str = field(default_factory=lambda: f"worker-{uuid.uuid4().hex[:8]}")
    phrasings: Phrasings = field(default_factory=Phrasings)
    latest_release_fallback: frozenset[str] = frozenset({"console"})  # platforms where no target means the latest

    @property
    def communities(self) -> Mapping[str, CommunityConfig]:
        """The configured communities by slug."""
        return self.directory.communities

    def phrasing(self, platform: str) -> Phrasing:
        """Command names and release targeting on `platform` (cards that name a command are worded with it)."""
        return self.phrasings.phrasing(platform)

    def command_ref(self, platform: str, name: str) -> str:
        """`/forget-me` as a member on `platform` types it (`/forget_me` on Telegram)."""
        return self.phrasings.command_ref(platform, name)
