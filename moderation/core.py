"""The application core: core events in, actions out.

`Core.handle(event)` is the single entry point every adapter calls. It resolves the community, opens one
unit of work, records the platform event id so replays change nothing, runs the watcher, a command or a
button, and returns actions. Errors are handled once here, in priority order: unknown command -> help;
`UserError` -> a reply with its message; store outage -> "not recorded, try again"; anything else -> a log
line with an incident id and a generic reply. A traceback never reaches chat.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from moderation.enforcement.deletion import enforcement_actions, on_delete_reported
from moderation.handlers import MODULES
from moderation.kernel import buttons
from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.clock import Clock, utcnow
from moderation.kernel.commands import (
    BUTTONS,
    Phrasing,
    Spelling,
    Targeting,
    as_typed,
    bind_options,
    bind_text,
    resolve_name,
)
from moderation.kernel.community import CommunityConfig
from moderation.kernel.errors import BadArgument, NotPermitted, UnknownCommand, UserError
from moderation.kernel.events import (
    ButtonPressed,
    ChatInvited,
    ChatRef,
    CommandInvoked,
    CoreEvent,
    DeleteReported,
    MessageEdited,
    MessagePosted,
    Posted,
)
from moderation.kernel.hooks import CoreHooks, NoHooks
from moderation.kernel.i18n import DEFAULT_LANGUAGE, _, language_of, settle, translations, using
from moderation.kernel.invocation import Invocation, audience_language, cards_of
from moderation.kernel.params import Converter, converter_for
from moderation.kernel.permissions import Privilege, resolve_pinned, resolve_privilege
from moderation.kernel.redaction import handling, redacting_logger
from moderation.kernel.retry import RetryPolicy, retry_connect
from moderation.kernel.serial import ADDRESSED, decode_action, encode_action
from moderation.modlog.entries import log_entries
from moderation.norms_admin.packs import PackProvider
from moderation.releases.lifecycle import CLOSED
from moderation.setup.settings import Stored, merged
from norms import Norm
from norms.fields import ReleaseFields
from storage import Release, SettingRow, Store, StoreUnavailable, Tx

__all__ = ["Core", "DetectionLike", "DetectorLike"]

log = redacting_logger("normbot.core")
WEB = "web"
_REMOTE: ContextVar[bool] = ContextVar("normbot_remote", default=False)
BINDING_TTL = 5.0


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
        self.store = store
        # The file's communities, and the effective ones: the file's with the settings moderators changed
        # from chat merged in (`apply_settings`). Every reader uses `communities`.
        self.file_communities = {c.slug: c for c in communities}
        self.communities = dict(self.file_communities)
        self._settings_generation = 0
        self.detector = detector
        self.hooks: CoreHooks = hooks or NoHooks()
        self.clock = clock
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self.packs = PackProvider(base_dir)
        self.latest_release_fallback = frozenset(latest_release_fallback)
        self.stats: Counter[str] = Counter()
        self.retry_policy = RetryPolicy()
        self._community_ids: dict[str, int] = {}
        self._snapshot: dict[tuple[str, str], tuple[int, str, bool]] | None = None
        self._snapshot_until = 0.0
        self._refreshing = False
        self._generation = 0
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._spellings: dict[str, Spelling] = {}
        self._targeting: dict[str, Targeting] = {}
        self._chat_index: dict[tuple[str, str], tuple[str, str]] = {}
        self._space_index: dict[tuple[str, str], str] = {}
        self._moved_chats: dict[tuple[str, str], tuple[str, str]] = {}  # chats that migrated (new id)
        self._index_chats()
        for c in communities:
            for space in c.spaces:
                self._space_index[space] = c.slug
            # The web registry acts for a community in the space ("web", slug): its moderator forms run the
            # chat commands there (`handle_remote`), with the same checks.
            self._space_index[(WEB, c.slug)] = c.slug

    # -- set-up ----------------------------------------------------------------------------------------

    async def setup(self) -> None:
        """Make sure every configured community and chat exists in the store; validate packs early."""
        now = self.clock()
        for c in self.communities.values():  # compiled now, not while the first member waits (docs/i18n.md)
            translations(language_of(c.language) or DEFAULT_LANGUAGE)
        async with self.store.transaction() as tx:
            for c in self.communities.values():
                self.packs.configured(c)
                row = await tx.communities.ensure(c.slug, c.name, now)
                self._community_ids[c.slug] = row.id
                for chat in c.chats:
                    existing = await tx.chats.binding(chat.platform, chat.chat_id)
                    if existing is None:
                        await tx.chats.bind(
                            row.id, chat.platform, chat.chat_id, watched=chat.role == "releases", role=chat.role
                        )
            from moderation.jobs import ensure_digests

            await ensure_digests(tx, self, now)
            self.apply_settings(await tx.settings.all())

    def apply_settings(self, rows: Sequence[SettingRow], *, only: str | None = None) -> None:
        """Rebuild the effective communities from the file's and these stored settings (every community's,
        or `only` this one's). Called with the binding snapshot (so another replica's change arrives within
        `BINDING_TTL`) and, on this replica, as soon as a change commits."""
        by_slug: dict[str, list[Stored]] = {}
        for r in rows:
            by_slug.setdefault(r.community_slug, []).append(
                Stored(r.key, r.platform, r.value, r.updated_by, r.updated_at)
            )
        for slug, config in self.file_communities.items():
            if only is None or slug == only:
                self.communities[slug] = merged(config, by_slug.get(slug, ()))
        self._index_chats()

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

    def settings_changed(self, slug: str, rows: Sequence[SettingRow]) -> None:
        """A setting of `slug` changed here and committed: use it now, and keep a snapshot read that started
        before the change from putting the old value back."""
        self._settings_generation += 1
        self.apply_settings(rows, only=slug)

    def community_of_moderator(self, actor: Any) -> CommunityConfig | None:
        """In a private chat no community claims: the community whose file names the actor as owner or
        moderator (the first by slug when several do). Platform admin rights say nothing here (a private
        chat has no admins), so only the file's names count."""
        for slug in sorted(self.communities):
            if resolve_privilege(actor, self.communities[slug]) >= Privilege.MODERATOR:
                return self.communities[slug]
        return None

    async def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> int:
        """Follow a chat whose id changed (Telegram group -> supergroup): bindings, announcements and posted
        messages move to the new id, so replies in the new chat still find their releases."""
        async with self.store.transaction() as tx:
            moved = await tx.chats.migrate(platform, old_chat_id, new_chat_id)
            resolved = await self.resolve_community(tx, ChatRef(platform, new_chat_id))
            if resolved is not None:
                await tx.audit_log.append(
                    resolved[1],
                    actor="normbot",
                    action="chat.migrated",
                    subject=f"{platform}:{old_chat_id}",
                    payload={"to": new_chat_id, "rows": moved},
                    at=self.clock(),
                )
        self.forget_binding(platform, old_chat_id)
        self.forget_binding(platform, new_chat_id)
        key = (platform, old_chat_id)
        if key in self._chat_index:
            self._chat_index[(platform, new_chat_id)] = self._chat_index[key]
            self._moved_chats[(platform, new_chat_id)] = self._chat_index[key]
        return moved

    async def community_id(self, tx: Tx, slug: str) -> int:
        """The store id of a configured community (cached)."""
        cid = self._community_ids.get(slug)
        if cid is None:
            c = self.communities[slug]
            cid = (await tx.communities.ensure(c.slug, c.name, self.clock())).id
            self._community_ids[slug] = cid
        return cid

    def community_slug(self, community_id: int) -> str | None:
        """The slug of a configured community by its store id (None: not configured here)."""
        for slug, cid in self._community_ids.items():
            if cid == community_id:
                return slug
        return None

    async def community_for_chat(self, chat: ChatRef) -> tuple[CommunityConfig, int, bool] | None:
        """`resolve_community` for the message hot path, answered from a snapshot of every chat binding.

        Nearly every chat message is ordinary chat. Looking its chat up in the store would cost a unit of
        work per message, a large share of the watcher's whole time, and a per-chat cache with a TTL still
        costs one per chat every TTL, which grows with the number of chats. The snapshot is one query every
        `BINDING_TTL` seconds whatever the number of chats; while one task refreshes it the others keep using
        the previous one. `/watch`, `/unwatch` and migrations drop it, so the next message reads afresh; the
        TTL bounds how long another replica can lag.
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
                return await self.resolve_community(tx, chat)
        return resolved

    async def _load_snapshot(self) -> dict[tuple[str, str], tuple[int, str, bool]]:
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

    def _resolve_from(
        self, snapshot: dict[tuple[str, str], tuple[int, str, bool]], chat: ChatRef
    ) -> tuple[CommunityConfig, int, bool] | Literal["store"] | None:
        """What `resolve_community` answers, from the snapshot and the config (same order of precedence), or
        "store" when only a unit of work can answer."""
        bound = snapshot.get((chat.platform, chat.chat_id))
        if bound is not None:
            cid, slug, watched = bound
            if slug in self.communities:
                self._community_ids.setdefault(slug, cid)
                return self.communities[slug], cid, watched
        hit = self._chat_index.get((chat.platform, chat.chat_id))
        slug_or_none = hit[0] if hit is not None else None
        watched = hit is not None and hit[1] == "releases"
        if slug_or_none is None and chat.space_id is not None:
            slug_or_none = self._space_index.get((chat.platform, chat.space_id))
        if slug_or_none is None:
            return None
        cid_or_none = self._community_ids.get(slug_or_none)
        if cid_or_none is None:
            return "store"  # a configured community set-up has not stored yet: resolve_community creates it
        return self.communities[slug_or_none], cid_or_none, watched

    def forget_binding(self, platform: str, chat_id: str) -> None:
        """Drop the binding snapshot (after /watch, /unwatch or a migration of this chat): the next message
        reads every binding afresh instead of acting on the old one."""
        self._snapshot = None
        self._generation += 1

    async def resolve_community(self, tx: Tx, chat: ChatRef) -> tuple[CommunityConfig, int, bool] | None:
        """(community, id, watched) of a chat: store binding first, then config chats, then the space."""
        binding = await tx.chats.binding(chat.platform, chat.chat_id)
        if binding is not None:
            for slug, cid in self._community_ids.items():
                if cid == binding.community_id:
                    return self.communities[slug], cid, binding.watched and binding.role == "releases"
            row = await tx.communities.get(binding.community_id)
            if row is not None and row.slug in self.communities:
                cid = await self.community_id(tx, row.slug)
                return self.communities[row.slug], cid, binding.watched and binding.role == "releases"
        hit = self._chat_index.get((chat.platform, chat.chat_id))
        if hit is not None:
            slug, role = hit
            return self.communities[slug], await self.community_id(tx, slug), role == "releases"
        if chat.space_id is not None:
            slug_or_none = self._space_index.get((chat.platform, chat.space_id))
            if slug_or_none is not None:
                return self.communities[slug_or_none], await self.community_id(tx, slug_or_none), False
        return None

    # -- command names per platform -------------------------------------------------------------------

    def set_spelling(self, platform: str, spell: Spelling) -> None:
        """How `platform` spells typed command names (an adapter says so at start-up: Telegram has no
        hyphens). Help, usage lines and hints shown on that platform use it."""
        self._spellings[platform] = spell

    def spelling(self, platform: str) -> Spelling:
        """The spelling of command names on `platform` (canonical unless its adapter set one)."""
        return self._spellings.get(platform, as_typed)

    def command_ref(self, platform: str, name: str) -> str:
        """`/forget-me` as a member on `platform` types it (`/forget_me` on Telegram)."""
        return f"/{self.spelling(platform)(name)}"

    def set_targeting(self, platform: str, targeting: Targeting) -> None:
        """How a command on `platform` finds its release when no id is typed (an adapter says so at start-up:
        Telegram commands reply to the announcement, Discord's run in the review thread). Prompt footers and
        "Which release?" answers shown there describe it."""
        self._targeting[platform] = targeting

    def phrasing(self, platform: str) -> Phrasing:
        """Command names and release targeting on `platform` (the console's, `latest`, unless its adapter
        said otherwise)."""
        return Phrasing(self.spelling(platform), self._targeting.get(platform, "latest"))

    # -- the entry point -------------------------------------------------------------------------------

    async def handle(self, event: CoreEvent) -> list[Action]:
        """Handle one core event and return what to show. Never raises for bad input or store outages."""
        self._inflight += 1
        self._idle.clear()
        try:
            # The member's text of this event is masked in every log record of ours; text is written in the
            # language of whoever reads it (settled once the community is known: `_invocation`, the watcher).
            with handling(event), using(self._first_language(event)):
                return await self._handle(event)
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

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

    def _first_language(self, event: CoreEvent) -> str:
        """The language an event's answers start in: the actor's own for a command or a button (answers go to
        them: errors, confirmations), else the chat's community's."""
        if isinstance(event, CommandInvoked | ButtonPressed):
            return language_of(event.author.locale) or self.language_hint(event.chat)
        if isinstance(event, MessageEdited):
            return self.language_hint(event.message.chat)
        return self.language_hint(event.chat)

    def checked_audience(
        self, actions: list[Action], *, community: str, actor: Any, actor_language: str
    ) -> list[Action]:
        """`actions`, after checking that each is written in its reader's language (a log line and a counter
        when not: a handler built a public card in the actor's language, or the other way round)."""
        for action in actions:
            expected = audience_language(action, community=community, actor=actor, actor_language=actor_language)
            for card in cards_of(action):
                if card.locale != expected:
                    self.stats["audience_mismatches"] += 1
                    log.warning(
                        "%s card %r written in %s for readers of %s",
                        type(action).__name__,
                        card.title[:40],
                        card.locale,
                        expected,
                    )
        return actions

    async def drain(self, timeout: float) -> bool:
        """Wait until no event is being handled (graceful shutdown); False if `timeout` ran out first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _dispatch(self, event: CoreEvent) -> list[Action]:
        if isinstance(event, MessagePosted):
            self.stats["messages_seen"] += 1
            from moderation.announcements.watcher import on_message

            return await on_message(self, event)
        if isinstance(event, MessageEdited):
            self.stats["messages_edited"] += 1
            from moderation.announcements.watcher import on_message_edited

            return await on_message_edited(self, event)
        if isinstance(event, Posted):
            await self._record_posted(event)
            return []
        if isinstance(event, CommandInvoked):
            return await self._on_command(event)
        if isinstance(event, ButtonPressed):
            return await self._on_button(event)
        if isinstance(event, DeleteReported):
            return await on_delete_reported(self, event)
        if isinstance(event, ChatInvited):
            from moderation.setup.invites import redeem

            return await redeem(self, event)
        return []

    def _count_retry(self, attempt: int, exc: BaseException) -> None:
        self.stats["store_retries"] += 1

    async def _handle(self, event: CoreEvent) -> list[Action]:
        try:
            # A refused connection wrote nothing, so the whole event may run again (moderation.kernel.retry).
            return await retry_connect(lambda: self._dispatch(event), self.retry_policy, on_retry=self._count_retry)
        except UnknownCommand as exc:
            self.stats["command_errors"] += 1
            return [Reply(Card(_("Unknown command"), str(exc)), ephemeral=True)]
        except UserError as exc:
            self.stats["command_errors"] += 1
            title = _("Not allowed") if isinstance(exc, NotPermitted) else _("Can't do that")
            return [Reply(Card(title, str(exc)), ephemeral=True)]
        except StoreUnavailable:
            self.stats["store_errors"] += 1
            log.warning("store unavailable while handling %s", type(event).__name__)
            return [
                Reply(
                    Card(
                        _("Not recorded yet"),
                        _(
                            "I can't reach my database right now, so nothing was recorded. "
                            "Please try again in a minute."
                        ),
                    ),
                    ephemeral=True,
                )
            ]
        except Exception:
            incident = uuid.uuid4().hex[:8]
            self.stats["internal_errors"] += 1
            log.exception("internal error %s while handling %s", incident, type(event).__name__)
            return [
                Reply(
                    Card(
                        _("Something went wrong"),
                        _("That failed on my side (incident {incident}); nothing was lost.").format(incident=incident),
                    ),
                    ephemeral=True,
                )
            ]

    async def _record_posted(self, event: Posted) -> None:
        release_id: int | None = None
        head, _sep, tail = event.key.partition(":")
        if head in ("prompt", "alert", "thread") and tail.isdigit():
            release_id = int(tail)
        async with self.store.transaction() as tx:
            await tx.posted.record(
                event.key,
                release_id=release_id,
                platform=event.chat.platform,
                chat_id=event.chat.chat_id,
                thread_id=event.chat.thread_id,
                message_id=event.message_id,
                at=self.clock(),
            )

    def _bound_in_snapshot(self, chat: ChatRef) -> tuple[CommunityConfig, int, bool] | None:
        """A chat's binding from a snapshot that is still fresh, or None (then ask the store). Only positive
        answers are trusted: a chat bound a moment ago on another replica is not in this snapshot yet."""
        snapshot = self._snapshot
        if snapshot is None or time.monotonic() >= self._snapshot_until:
            return None
        bound = snapshot.get((chat.platform, chat.chat_id))
        if bound is None or bound[1] not in self.communities:
            return None
        return self.communities[bound[1]], bound[0], bound[2]

    async def _invocation(
        self, tx: Tx, chat: ChatRef, actor: Any, reply_to: str | None, *, private_chat: bool = False
    ) -> Invocation:
        resolved = self._bound_in_snapshot(chat) or await self.resolve_community(tx, chat)
        if resolved is None and private_chat and chat.private:
            mine = self.community_of_moderator(actor)
            if mine is not None:
                resolved = (mine, await self.community_id(tx, mine.slug), False)
        if resolved is None:
            raise NotPermitted(
                _("This chat is not part of a community I serve. An operator can add it in normbot.toml.")
            )
        community, cid, _watched = resolved
        settle(language_of(actor.locale) or community.language)  # answers to the actor: their language
        now = self.clock()
        account = await tx.accounts.upsert(actor.platform, actor.user_id, actor.name, now)
        return Invocation(
            core=self,
            tx=tx,
            community=community,
            community_id=cid,
            actor=actor,
            account=account,
            privilege=await resolve_pinned(tx, cid, actor, community, now),
            chat=chat,
            now=now,
            pack=await self.packs.current(tx, community, cid),
            reply_to=reply_to,
        )

    async def _warm_snapshot(self) -> None:
        """Refresh a stale binding snapshot before a command's unit of work, so `_bound_in_snapshot` answers.

        Messages keep the snapshot fresh in a busy chat, but a burst of button presses has no messages
        between them: each command then asked the store for its chat's binding, one statement per
        endorsement, where refreshing costs one query per `BINDING_TTL`. One task refreshes at a time; the
        others do not wait for it (they ask the store, as before). Outside the unit of work, which on
        SQLite may not nest."""
        if self._refreshing or (self._snapshot is not None and time.monotonic() < self._snapshot_until):
            return
        self._refreshing = True  # messages meanwhile keep the previous snapshot, as in `community_for_chat`
        try:
            await self._load_snapshot()
        finally:
            self._refreshing = False

    async def _on_command(self, event: CommandInvoked) -> list[Action]:
        """Permission before usage: a member who may not run a command hears "Not allowed", whatever they
        typed after it, so a usage error never teaches the shape of a command they cannot use. Arguments are
        bound first (cheap, no store) but a `BadArgument` waits until the privilege check has passed."""
        spell = self.spelling(event.chat.platform)
        spec, rest = resolve_name(event.name, event.args, spell)
        values: dict[str, Any] = {}
        bad: BadArgument | None = None
        try:
            files = event.attachment_texts
            values = (
                bind_options(spec, event.options, spell, files)
                if event.options is not None
                else bind_text(spec, rest, spell, files)
            )
        except BadArgument as exc:
            bad = exc
        await self._warm_snapshot()
        # Slow work (a model call) before the unit of work, which on SQLite holds every other event up.
        prepared = await spec.prepare(self, event) if spec.prepare is not None and bad is None else None
        async with self.store.transaction() as tx:
            if not await tx.processed_events.mark(event.chat.platform, f"cmd:{event.event_id}", self.clock()):
                return []
            if spec.name == "help" and event.chat.private and await self._unserved(tx, event.chat):
                return [self._private_help(event.chat.platform)]
            inv = await self._invocation(tx, event.chat, event.author, event.reply_to, private_chat=spec.private_chat)
            inv.attachment_texts = event.attachment_texts
            inv.replied = event.replied
            inv.prepared = prepared
            ref = self.command_ref(event.chat.platform, spec.name)
            inv.require(spec.privilege, _("use {command}").format(command=ref))
            if bad is not None:
                raise bad
            actions = await spec.run(inv, values)
            with inv.public():  # the mod log is the moderators' chat: the community's language
                actions += await enforcement_actions(self, tx)  # before the log: it shows the release.enforced line
                logged = await log_entries(self, tx)
            return await self._answer(tx, inv.community_id, self._checked(inv, actions + logged))

    async def _unserved(self, tx: Tx, chat: ChatRef) -> bool:
        """True when no community claims this chat (a private chat with the bot, usually)."""
        return (self._bound_in_snapshot(chat) or await self.resolve_community(tx, chat)) is None

    def _private_help(self, platform: str) -> Reply:
        """`/help` in a private chat no community claims: what works here, instead of a refusal. Community
        commands need the community's chat (it says which community is meant); what they answer for the
        member alone is delivered here."""
        ref = functools.partial(self.command_ref, platform)
        return Reply(
            Card(
                _("normbot in a private chat"),
                _(
                    "Here: {help} shows this message. Commands run in your community's group, which tells me "
                    "which community you mean; send them there ({help} in the group lists the ones you may use, "
                    "such as {whyflagged}, {link}, {export} and {forget}).\n"
                    "Answers meant for you alone arrive in this chat rather than in the group: help, your flags, "
                    "link codes, your data."
                ).format(
                    help=ref("help"),
                    whyflagged=ref("whyflagged"),
                    link=ref("link"),
                    export=ref("export-my-data"),
                    forget=ref("forget-me"),
                ),
            ),
            private=True,
        )

    async def _on_button(self, event: ButtonPressed) -> list[Action]:
        payload = buttons.parse(event.payload)
        await self._warm_snapshot()
        async with self.store.transaction() as tx:
            if not await tx.processed_events.mark(event.chat.platform, f"btn:{event.event_id}", self.clock()):
                return []
            inv = await self._invocation(tx, event.chat, event.author, None)
            route = BUTTONS.get(payload.action)
            if route is None:
                raise UserError(_("This button is not valid any more."))
            actions = await route(inv, payload)
            with inv.public():
                actions += await enforcement_actions(self, tx)
                logged = await log_entries(self, tx)
            return await self._answer(tx, inv.community_id, self._checked(inv, actions + logged))

    def _checked(self, inv: Invocation, actions: list[Action]) -> list[Action]:
        return self.checked_audience(
            actions, community=inv.language, actor=inv.actor, actor_language=inv.actor_language
        )

    # -- callers without chat adapters (the web registry) ------------------------------------------------

    async def handle_remote(self, event: CoreEvent) -> list[Action]:
        """`handle` for a caller that cannot show messages in chats (the web registry's moderator forms): the
        messages the event produces (the creator's DM, the alert's edit, the mod-log line) are stored in the
        outbox *in the event's own unit of work*, so they exist exactly when the decision does, and a bot
        process delivers them on its tick (`deliver_outbox`). Returns the rest (the reply)."""
        token = _REMOTE.set(True)
        try:
            return await self.handle(event)
        finally:
            _REMOTE.reset(token)

    async def _answer(self, tx: Tx, community_id: int, actions: list[Action]) -> list[Action]:
        """The actions for the caller; for a remote caller the addressed ones go to the outbox instead."""
        if not _REMOTE.get():
            return actions
        addressed = [encode_action(a) for a in actions if isinstance(a, ADDRESSED)]
        await tx.outbox.add(community_id, addressed, self.clock())
        return [a for a in actions if not isinstance(a, ADDRESSED)]

    async def deliver_outbox(self, limit: int = 100) -> list[Action]:
        """The queued messages this replica claims (each row is deleted by one replica only), for its
        adapters to show. Called on every scheduler tick."""
        async with self.store.transaction() as tx:
            pending = [(row.id, row.action) for row in await tx.outbox.pending(limit)]
        out: list[Action] = []
        for outbox_id, data in pending:
            async with self.store.transaction() as tx:
                if await tx.outbox.take(outbox_id):
                    out.append(decode_action(data))
        return out

    # -- autocomplete ----------------------------------------------------------------------------------

    async def suggest(
        self, chat: ChatRef, what: Converter[Any] | str, prefix: str, limit: int = 25
    ) -> list[tuple[str, str]]:
        """(value, label) choices for a parameter (its converter, or a kind: `release`, `norm`) typed so far as
        `prefix`: the converter filters and labels (`moderation.kernel.params`), the core supplies the chat's
        releases and the pack in force.

        Adapters call this for Discord autocomplete; it never raises (an unknown chat gets no choices).
        """
        converter = converter_for(what) if isinstance(what, str) else what
        if not converter.completes:
            return (await converter.suggest(_NoCatalogue(), prefix))[:limit]
        try:
            async with self.store.transaction() as tx:
                resolved = await self.resolve_community(tx, chat)
                if resolved is None:
                    return []
                community, cid, _watched = resolved
                catalogue = _Catalogue(self, tx, community, cid, chat)
                return (await converter.suggest(catalogue, prefix))[:limit]
        except StoreUnavailable:
            return []

    async def _release_choices(self, tx: Tx, cid: int, chat: ChatRef) -> list[Release]:
        """Releases in the order a member here most likely means them: the review thread's own release, then
        the open releases of this channel (announced or prompted here), then the community's newest.

        Why: typing `/flag` in a channel, the release you are looking at is one of the channel's open ones,
        not whichever release of the community is newest."""
        first: list[int] = []
        if chat.thread_id is not None:
            own = await tx.posted.release_for_thread(chat.platform, chat.chat_id, chat.thread_id)
            if own is not None:
                first.append(own)
        first += await tx.releases.ids_in_chat(cid, chat.platform, chat.chat_id, exclude_statuses=sorted(CLOSED))
        newest = await tx.releases.page(cid, limit=200)
        by_id = {r.id: r for r in newest}
        ordered: list[Release] = []
        for rid in dict.fromkeys(first):
            release = by_id.pop(rid, None) or await tx.releases.get(cid, rid)  # older than the newest 200: rare
            if release is not None:
                ordered.append(release)
        return ordered + [r for r in newest if r.id in by_id]

    # -- scheduled work --------------------------------------------------------------------------------

    async def run_due_jobs(self) -> list[Action]:
        """Run every due job this replica manages to claim (see `moderation.jobs`)."""
        from moderation.jobs import run_due

        try:
            return [*await run_due(self), *await self.deliver_outbox()]
        except StoreUnavailable:
            log.warning("store unavailable; scheduled jobs will run when it is back")
            return []


@dataclass
class _Catalogue:
    """What autocomplete may look at in one chat, read only when a converter asks (one unit of work)."""

    core: Core
    tx: Tx
    community: CommunityConfig
    community_id: int
    chat: ChatRef

    async def releases(self) -> Sequence[Release]:
        return await self.core._release_choices(self.tx, self.community_id, self.chat)

    async def norms(self) -> Sequence[Norm]:
        return (await self.core.packs.current(self.tx, self.community, self.community_id)).norms


class _NoCatalogue:
    """For converters whose suggestions are fixed (choices): nothing to read."""

    async def releases(self) -> Sequence[Release]:
        return []

    async def norms(self) -> Sequence[Norm]:
        return []


# The modules whose `@command`s this core serves, imported (so registered) with the core; see moderation/handlers.py.
COMMAND_MODULES = MODULES
