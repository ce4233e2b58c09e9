"""Which community a chat belongs to, and whether it is watched: the community directory.

Every event starts here. A chat is bound to a community in the store (`/watch`, set-up, a migration), in
`normbot.toml` (its `chats`) or a `/setup` setting, or through the space (guild, group) it sits in; in that
order of precedence. The directory answers from a snapshot of every chat binding where it can, because nearly
every message is ordinary chat and a unit of work per message would be most of the watcher's time.

It also keeps the effective communities: the file's, with the settings moderators changed from chat merged
in (`apply_settings`; how a setting changes a community is `moderation.setup.settings`, handed in as `merge`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from moderation.kernel.clock import Clock
from moderation.kernel.community import CommunityConfig
from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import DEFAULT_LANGUAGE, language_of
from moderation.kernel.permissions import Privilege, resolve_privilege
from storage import SettingRow, Store, Tx

__all__ = ["BINDING_TTL", "WEB", "CommunityDirectory", "Resolved"]

BINDING_TTL = 5.0
WEB = "web"

Resolved = tuple[CommunityConfig, int, bool]
"""(community, its store id, whether the chat is watched for announcements)."""
_Snapshot = dict[tuple[str, str], tuple[int, str, bool]]
Merge = Callable[[CommunityConfig, Sequence[SettingRow]], CommunityConfig]
"""A community from the file's config and its stored settings."""


def _unchanged(config: CommunityConfig, rows: Sequence[SettingRow]) -> CommunityConfig:
    return config


class CommunityDirectory:
    """The configured communities, their store ids, and the chat -> community resolution (one per process)."""

    def __init__(
        self, store: Store, communities: Sequence[CommunityConfig], clock: Clock, *, merge: Merge = _unchanged
    ) -> None:
        self.store = store
        self.clock = clock
        self._merge = merge
        # The file's communities, and the effective ones: the file's with the settings moderators changed
        # from chat merged in (`apply_settings`). Every reader uses `communities`.
        self.file_communities = {c.slug: c for c in communities}
        self.communities = dict(self.file_communities)
        self._settings_generation = 0
        self._ids: dict[str, int] = {}
        self._snapshot: _Snapshot | None = None
        self._snapshot_until = 0.0
        self._refreshing = False
        self._generation = 0
        self._chat_index: dict[tuple[str, str], tuple[str, str]] = {}
        self._space_index: dict[tuple[str, str], str] = {}
        self._moved_chats: dict[tuple[str, str], tuple[str, str]] = {}  # chats that migrated (new id)
        self._index_chats()
        for c in communities:
            for space in c.spaces:
                self._space_index[space] = c.slug
            # The web registry acts for a community in the space ("web", slug): its moderator forms run the
            # chat commands there (`Core.handle_remote`), with the same checks.
            self._space_index[(WEB, c.slug)] = c.slug

    # -- communities and their store ids ---------------------------------------------------------------

    def remember(self, slug: str, community_id: int) -> None:
        """The store id of a configured community, as set-up found or created it."""
        self._ids[slug] = community_id

    async def id_of(self, tx: Tx, slug: str) -> int:
        """The store id of a configured community (cached)."""
        cid = self._ids.get(slug)
        if cid is None:
            c = self.communities[slug]
            cid = (await tx.communities.ensure(c.slug, c.name, self.clock())).id
            self._ids[slug] = cid
        return cid

    def slug_of(self, community_id: int) -> str | None:
        """The slug of a configured community by its store id (None: not configured here)."""
        for slug, cid in self._ids.items():
            if cid == community_id:
                return slug
        return None

    def community_of_moderator(self, actor: Any) -> CommunityConfig | None:
        """In a private chat no community claims: the community whose file names the actor as owner or
        moderator (the first by slug when several do). Platform admin rights say nothing here (a private
        chat has no admins), so only the file's names count."""
        for slug in sorted(self.communities):
            if resolve_privilege(actor, self.communities[slug]) >= Privilege.MODERATOR:
                return self.communities[slug]
        return None

    async def language(self, tx: Tx, community_id: int | None) -> str | None:
        """The language of a community by its id (None when this deployment does not serve it): scheduled work
        speaks to the community's chats, so it writes in the community's language."""
        row = await tx.communities.get(community_id) if community_id is not None else None
        community = self.communities.get(row.slug) if row is not None else None
        return community.language if community is not None else None

    # -- settings changed from chat ----------------------------------------------------------------------

    def apply_settings(self, rows: Sequence[SettingRow], *, only: str | None = None) -> None:
        """Rebuild the effective communities from the file's and these stored settings (every community's,
        or `only` this one's). Called with the binding snapshot (so another replica's change arrives within
        `BINDING_TTL`) and, on this replica, as soon as a change commits."""
        by_slug: dict[str, list[SettingRow]] = {}
        for r in rows:
            by_slug.setdefault(r.community_slug, []).append(r)
        for slug, config in self.file_communities.items():
            if only is None or slug == only:
                self.communities[slug] = self._merge(config, by_slug.get(slug, []))
        self._index_chats()

    def settings_changed(self, slug: str, rows: Sequence[SettingRow]) -> None:
        """A setting of `slug` changed here and committed: use it now, and keep a snapshot read that started
        before the change from putting the old value back."""
        self._settings_generation += 1
        self.apply_settings(rows, only=slug)

    def _index_chats(self) -> None:
        """Which community each chat named by the file or a setting belongs to (after the store's bindings,
        which win): a review chat set with /setup is the community's chat as if the file named it."""
        index: dict[tuple[str, str], tuple[str, str]] = {}
        for slug in sorted(self.communities):
            for chat in self.communities[slug].chats:
                index.setdefault((chat.platform, chat.chat_id), (slug, chat.role))
        for slug, config in self.file_communities.items():  # the file's releases chats first, as before
            for chat in config.chats:
                index[(chat.platform, chat.chat_id)] = (slug, chat.role)
        index.update(self._moved_chats)
        self._chat_index = index

    # -- chats -----------------------------------------------------------------------------------------

    async def resolve(self, tx: Tx, chat: ChatRef) -> Resolved | None:
        """(community, id, watched) of a chat: store binding first, then config chats, then the space."""
        binding = await tx.chats.binding(chat.platform, chat.chat_id)
        if binding is not None:
            for slug, cid in self._ids.items():
                if cid == binding.community_id:
                    return self.communities[slug], cid, binding.watched and binding.role == "releases"
            row = await tx.communities.get(binding.community_id)
            if row is not None and row.slug in self.communities:
                cid = await self.id_of(tx, row.slug)
                return self.communities[row.slug], cid, binding.watched and binding.role == "releases"
        hit = self._chat_index.get((chat.platform, chat.chat_id))
        if hit is not None:
            slug, role = hit
            return self.communities[slug], await self.id_of(tx, slug), role == "releases"
        if chat.space_id is not None:
            slug_or_none = self._space_index.get((chat.platform, chat.space_id))
            if slug_or_none is not None:
                return self.communities[slug_or_none], await self.id_of(tx, slug_or_none), False
        return None

    async def for_chat(self, chat: ChatRef) -> Resolved | None:
        """`resolve` for the message hot path, answered from a snapshot of every chat binding.

        Nearly every chat message is ordinary chat. Looking its chat up in the store would cost a unit of
        work per message, and a per-chat cache with a TTL still costs one per chat every TTL, which grows with
        the number of chats. The snapshot is one query every `BINDING_TTL` seconds whatever the number of
        chats; while one task refreshes it the others keep using the previous one. `/watch`, `/unwatch` and
        migrations drop it, so the next message reads afresh; the TTL bounds how long another replica can lag.
        """
        snapshot = self._snapshot
        if snapshot is None or (time.monotonic() >= self._snapshot_until and not self._refreshing):
            self._refreshing = snapshot is not None
            try:
                snapshot = await self._load_snapshot()
            finally:
                self._refreshing = False
        resolved = self._resolve_from(snapshot, chat)
        if resolved == "store":
            async with self.store.transaction() as tx:
                return await self.resolve(tx, chat)
        return resolved

    def language_hint(self, chat: ChatRef) -> str:
        """The language of the community a chat belongs to, as far as the binding snapshot and the config tell
        without the store (the default language for a chat they do not know)."""
        slug: str | None = None
        bound = (self._snapshot or {}).get((chat.platform, chat.chat_id))
        if bound is not None:
            slug = bound[1]
        if slug is None:
            hit = self._chat_index.get((chat.platform, chat.chat_id))
            slug = hit[0] if hit is not None else None
        if slug is None and chat.space_id is not None:
            slug = self._space_index.get((chat.platform, chat.space_id))
        community = self.communities.get(slug) if slug is not None else None
        found = language_of(community.language) if community is not None else None
        return found or DEFAULT_LANGUAGE

    def fresh(self, chat: ChatRef) -> Resolved | None:
        """A chat's binding from a snapshot that is still fresh, or None (then ask the store). Only positive
        answers are trusted: a chat bound a moment ago on another replica is not in this snapshot yet."""
        snapshot = self._snapshot
        if snapshot is None or time.monotonic() >= self._snapshot_until:
            return None
        bound = snapshot.get((chat.platform, chat.chat_id))
        if bound is None or bound[1] not in self.communities:
            return None
        return self.communities[bound[1]], bound[0], bound[2]

    async def warm(self) -> None:
        """Refresh a stale snapshot before a command's unit of work, so `fresh` answers.

        Messages keep the snapshot fresh in a busy chat, but a burst of button presses has no messages
        between them: each command then asked the store for its chat's binding, one statement per
        endorsement, where refreshing costs one query per `BINDING_TTL`. One task refreshes at a time; the
        others do not wait for it (they ask the store, as before). Call it outside any unit of work, which
        on SQLite may not nest."""
        if self._refreshing or (self._snapshot is not None and time.monotonic() < self._snapshot_until):
            return
        self._refreshing = True  # messages meanwhile keep the previous snapshot, as in `for_chat`
        try:
            await self._load_snapshot()
        finally:
            self._refreshing = False

    def forget(self, platform: str, chat_id: str) -> None:
        """Drop the binding snapshot (after /watch, /unwatch or a migration of this chat): the next message
        reads every binding afresh instead of acting on the old one."""
        self._snapshot = None
        self._generation += 1

    def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A chat's id changed (Telegram group -> supergroup): forget both, and a chat configured under the
        old id is configured under the new one too."""
        self.forget(platform, old_chat_id)
        self.forget(platform, new_chat_id)
        key = (platform, old_chat_id)
        if key in self._chat_index:
            self._chat_index[(platform, new_chat_id)] = self._chat_index[key]
            self._moved_chats[(platform, new_chat_id)] = self._chat_index[key]

    async def _load_snapshot(self) -> _Snapshot:
        started, generation = time.monotonic(), self._generation
        settings_generation = self._settings_generation
        async with self.store.transaction() as tx:
            rows = await tx.chats.bindings()
            settings = await tx.settings.all()
        if settings_generation == self._settings_generation:  # else a change here may be newer than this read
            self.apply_settings(settings)
        snapshot = {
            (r.platform, r.chat_id): (r.community_id, r.community_slug, r.watched and r.role == "releases")
            for r in rows
        }
        if generation == self._generation:  # a /watch meanwhile: this read may predate it, so do not keep it
            self._snapshot, self._snapshot_until = snapshot, started + BINDING_TTL
        return snapshot

    def _resolve_from(self, snapshot: _Snapshot, chat: ChatRef) -> Resolved | Literal["store"] | None:
        """What `resolve` answers, from the snapshot and the config (same order of precedence), or "store"
        when only a unit of work can answer."""
        bound = snapshot.get((chat.platform, chat.chat_id))
        if bound is not None:
            cid, slug, watched = bound
            if slug in self.communities:
                self._ids.setdefault(slug, cid)
                return self.communities[slug], cid, watched
        hit = self._chat_index.get((chat.platform, chat.chat_id))
        slug_or_none = hit[0] if hit is not None else None
        watched = hit is not None and hit[1] == "releases"
        if slug_or_none is None and chat.space_id is not None:
            slug_or_none = self._space_index.get((chat.platform, chat.space_id))
        if slug_or_none is None:
            return None
        cid_or_none = self._ids.get(slug_or_none)
        if cid_or_none is None:
            return "store"  # a configured community set-up has not stored yet: `resolve` creates it
        return self.communities[slug_or_none], cid_or_none, watched
