"""The dispatcher: a core event in, actions out; what `Core.handle` (so every adapter) calls.

It routes each event (a message to the watcher, a command to its handler, a button to its route, a posted
message to the store), records the platform event id in the event's unit of work so replays change nothing,
and maps errors to replies once, in priority order: unknown command -> help; `UserError` -> a reply with its
message; store outage -> "not recorded, try again"; anything else -> a log line with an incident id and a
generic reply. A traceback never reaches chat.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from moderation.announcements.watcher import on_message, on_message_edited
from moderation.enforcement.deletion import enforcement_actions, on_delete_reported
from moderation.handlers import MODULES
from moderation.kernel import buttons
from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import BUTTONS, bind_options, bind_text, resolve_name
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
from moderation.kernel.i18n import _, language_of, settle, using
from moderation.kernel.invocation import Invocation, checked_audience
from moderation.kernel.params import Converter
from moderation.kernel.permissions import resolve_pinned
from moderation.kernel.redaction import handling, redacting_logger
from moderation.kernel.retry import retry_connect
from moderation.kernel.serial import ADDRESSED, decode_action, encode_action
from moderation.kernel.services import Services
from moderation.modlog.entries import log_entries
from moderation.releases.lifecycle import CLOSED
from moderation.setup.invites import redeem
from norms import Norm
from storage import Release, StoreUnavailable, Tx

__all__ = ["COMMAND_MODULES", "Dispatcher"]

log = redacting_logger("normbot.core")
_REMOTE: ContextVar[bool] = ContextVar("normbot_remote", default=False)

# The modules whose `@command`s the dispatcher serves, imported (so registered) with it; see moderation/handlers.py.
COMMAND_MODULES = MODULES


class Dispatcher:
    """Routes core events to the watcher, commands and buttons; one per process, shared by every adapter."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()

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

    def _first_language(self, event: CoreEvent) -> str:
        """The language an event's answers start in: the actor's own for a command or a button (answers go to
        them: errors, confirmations), else the chat's community's."""
        directory = self.services.directory
        if isinstance(event, CommandInvoked | ButtonPressed):
            return language_of(event.author.locale) or directory.language_hint(event.chat)
        if isinstance(event, MessageEdited):
            return directory.language_hint(event.message.chat)
        return directory.language_hint(event.chat)

    async def drain(self, timeout: float) -> bool:
        """Wait until no event is being handled (graceful shutdown); False if `timeout` ran out first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _route(self, event: CoreEvent) -> list[Action]:
        stats = self.services.stats
        if isinstance(event, MessagePosted):
            stats["messages_seen"] += 1
            return await on_message(self.services, event)
        if isinstance(event, MessageEdited):
            stats["messages_edited"] += 1
            return await on_message_edited(self.services, event)
        if isinstance(event, Posted):
            await self._record_posted(event)
            return []
        if isinstance(event, CommandInvoked):
            return await self._on_command(event)
        if isinstance(event, ButtonPressed):
            return await self._on_button(event)
        if isinstance(event, DeleteReported):
            return await on_delete_reported(self.services, event)
        if isinstance(event, ChatInvited):
            return await redeem(self.services, event)
        return []

    def _count_retry(self, attempt: int, exc: BaseException) -> None:
        self.services.stats["store_retries"] += 1

    async def _handle(self, event: CoreEvent) -> list[Action]:
        stats = self.services.stats
        try:
            # A refused connection wrote nothing, so the whole event may run again (moderation.kernel.retry).
            return await retry_connect(
                lambda: self._route(event), self.services.retry_policy, on_retry=self._count_retry
            )
        except UnknownCommand as exc:
            stats["command_errors"] += 1
            return [Reply(Card(_("Unknown command"), str(exc)), ephemeral=True)]
        except UserError as exc:
            stats["command_errors"] += 1
            title = _("Not allowed") if isinstance(exc, NotPermitted) else _("Can't do that")
            return [Reply(Card(title, str(exc)), ephemeral=True)]
        except StoreUnavailable:
            stats["store_errors"] += 1
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
            stats["internal_errors"] += 1
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
        async with self.services.store.transaction() as tx:
            await tx.posted.record(
                event.key,
                release_id=release_id,
                platform=event.chat.platform,
                chat_id=event.chat.chat_id,
                thread_id=event.chat.thread_id,
                message_id=event.message_id,
                at=self.services.clock(),
            )

    async def _invocation(
        self, tx: Tx, chat: ChatRef, actor: Any, reply_to: str | None, *, private_chat: bool = False
    ) -> Invocation:
        services = self.services
        resolved = services.directory.fresh(chat) or await services.directory.resolve(tx, chat)
        if resolved is None and private_chat and chat.private:
            mine = services.directory.community_of_moderator(actor)
            if mine is not None:
                resolved = (mine, await services.directory.id_of(tx, mine.slug), False)
        if resolved is None:
            raise NotPermitted(
                _("This chat is not part of a community I serve. An operator can add it in normbot.toml.")
            )
        community, cid, _watched = resolved
        settle(language_of(actor.locale) or community.language)  # answers to the actor: their language
        now = services.clock()
        account = await tx.accounts.upsert(actor.platform, actor.user_id, actor.name, now)
        return Invocation(
            services=services,
            tx=tx,
            community=community,
            community_id=cid,
            actor=actor,
            account=account,
            privilege=await resolve_pinned(tx, cid, actor, community, now),
            chat=chat,
            now=now,
            pack=await services.packs.current(tx, community, cid),
            reply_to=reply_to,
        )

    async def _on_command(self, event: CommandInvoked) -> list[Action]:
        """Permission before usage: a member who may not run a command hears "Not allowed", whatever they
        typed after it, so a usage error never teaches the shape of a command they cannot use. Arguments are
        bound first (cheap, no store) but a `BadArgument` waits until the privilege check has passed."""
        services = self.services
        spell = services.phrasings.spelling(event.chat.platform)
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
        await services.directory.warm()
        # Slow work (a model call) before the unit of work, which on SQLite holds every other event up.
        prepared = await spec.prepare(services, event) if spec.prepare is not None and bad is None else None
        async with services.store.transaction() as tx:
            if not await tx.processed_events.mark(event.chat.platform, f"cmd:{event.event_id}", services.clock()):
                return []
            if spec.name == "help" and event.chat.private and await self._unserved(tx, event.chat):
                return [self._private_help(event.chat.platform)]
            inv = await self._invocation(tx, event.chat, event.author, event.reply_to, private_chat=spec.private_chat)
            inv.attachment_texts = event.attachment_texts
            inv.replied = event.replied
            inv.prepared = prepared
            ref = services.command_ref(event.chat.platform, spec.name)
            inv.require(spec.privilege, _("use {command}").format(command=ref))
            if bad is not None:
                raise bad
            actions = await spec.run(inv, values)
            with inv.public():  # the mod log is the moderators' chat: the community's language
                actions += await enforcement_actions(services, tx)  # before the log: it shows the release.enforced line
                logged = await log_entries(services, tx)
            return await self._answer(tx, inv.community_id, _checked(inv, actions + logged))

    async def _unserved(self, tx: Tx, chat: ChatRef) -> bool:
        """True when no community claims this chat (a private chat with the bot, usually)."""
        directory = self.services.directory
        return (directory.fresh(chat) or await directory.resolve(tx, chat)) is None

    def _private_help(self, platform: str) -> Reply:
        """`/help` in a private chat no community claims: what works here, instead of a refusal. Community
        commands need the community's chat (it says which community is meant); what they answer for the
        member alone is delivered here."""
        ref = functools.partial(self.services.command_ref, platform)
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
        await self.services.directory.warm()
        async with self.services.store.transaction() as tx:
            if not await tx.processed_events.mark(event.chat.platform, f"btn:{event.event_id}", self.services.clock()):
                return []
            inv = await self._invocation(tx, event.chat, event.author, None)
            route = BUTTONS.get(payload.action)
            if route is None:
                raise UserError(_("This button is not valid any more."))
            actions = await route(inv, payload)
            with inv.public():
                actions += await enforcement_actions(self.services, tx)
                logged = await log_entries(self.services, tx)
            return await self._answer(tx, inv.community_id, _checked(inv, actions + logged))

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
        await tx.outbox.add(community_id, addressed, self.services.clock())
        return [a for a in actions if not isinstance(a, ADDRESSED)]

    async def deliver_outbox(self, limit: int = 100) -> list[Action]:
        """The queued messages this replica claims (each row is deleted by one replica only), for its
        adapters to show. Called on every scheduler tick."""
        store = self.services.store
        async with store.transaction() as tx:
            pending = [(row.id, row.action) for row in await tx.outbox.pending(limit)]
        out: list[Action] = []
        for outbox_id, data in pending:
            async with store.transaction() as tx:
                if await tx.outbox.take(outbox_id):
                    out.append(decode_action(data))
        return out

    # -- autocomplete ----------------------------------------------------------------------------------

    async def suggest(
        self, chat: ChatRef, converter: Converter[Any], prefix: str, limit: int = 25
    ) -> list[tuple[str, str]]:
        """(value, label) choices for a parameter (its converter) typed so far as
        `prefix`: the converter filters and labels (`moderation.kernel.params`), the dispatcher supplies the
        chat's releases and the pack in force.

        Adapters call this for Discord autocomplete; it never raises (an unknown chat gets no choices).
        """
        if not converter.completes:
            return (await converter.suggest(_NoCatalogue(), prefix))[:limit]
        try:
            async with self.services.store.transaction() as tx:
                resolved = await self.services.directory.resolve(tx, chat)
                if resolved is None:
                    return []
                community, cid, _watched = resolved
                catalogue = _Catalogue(self.services, tx, community, cid, chat)
                return (await converter.suggest(catalogue, prefix))[:limit]
        except StoreUnavailable:
            return []


@dataclass
class _Catalogue:
    """What autocomplete may look at in one chat, read only when a converter asks (one unit of work)."""

    services: Services
    tx: Tx
    community: CommunityConfig
    community_id: int
    chat: ChatRef

    async def releases(self) -> Sequence[Release]:
        return await _release_choices(self.tx, self.community_id, self.chat)

    async def norms(self) -> Sequence[Norm]:
        return (await self.services.packs.current(self.tx, self.community, self.community_id)).norms


class _NoCatalogue:
    """For converters whose suggestions are fixed (choices): nothing to read."""

    async def releases(self) -> Sequence[Release]:
        return []

    async def norms(self) -> Sequence[Norm]:
        return []


def _checked(inv: Invocation, actions: list[Action]) -> list[Action]:
    return checked_audience(
        inv.services, actions, community=inv.language, actor=inv.actor, actor_language=inv.actor_language
    )


async def _release_choices(tx: Tx, cid: int, chat: ChatRef) -> list[Release]:
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
