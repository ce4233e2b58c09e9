"""Extension points of the core: what provenance (claims, lineage, credit) plugs into.

The core calls these at fixed points of the flow; `NoHooks` does nothing, so the workflow runs without
provenance and provenance can be developed and tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from moderation.kernel.actions import Action
from moderation.kernel.events import MessagePosted
from norms import ParentFacts
from norms.fields import ReleaseFields
from storage import Account, Release, Tx

if TYPE_CHECKING:
    from moderation.core import Core

__all__ = ["CoreHooks", "NoHooks"]


class CoreHooks(Protocol):
    """Called by the core: `prepare_announcement` before the event's unit of work, the rest inside it."""

    async def prepare_announcement(
        self, core: Core, community_id: int, event: MessagePosted, embedding: Any = None
    ) -> object:
        """Slow work on a detected announcement that needs no lock (a model call, comparisons), done before
        the unit of work; whatever it returns reaches `after_announcement` as `prepared`."""
        ...

    async def after_announcement(
        self,
        core: Core,
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
        core: Core,
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

    async def lineage_facts(self, core: Core, tx: Tx, release: Release) -> Sequence[ParentFacts]:
        """What is known of a release's parents, for the flow-down and permission norms."""
        ...

    async def digest_lines(self, core: Core, tx: Tx, community_id: int, since: datetime) -> Sequence[str]:
        """Extra lines for the weekly digest (most-credited models...)."""
        ...


class NoHooks:
    """The default: no provenance."""

    async def prepare_announcement(
        self, core: Core, community_id: int, event: MessagePosted, embedding: Any = None
    ) -> object:
        return None

    async def after_announcement(
        self,
        core: Core,
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
        core: Core,
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

    async def lineage_facts(self, core: Core, tx: Tx, release: Release) -> Sequence[ParentFacts]:
        return ()

    async def digest_lines(self, core: Core, tx: Tx, community_id: int, since: datetime) -> Sequence[str]:
        return ()
