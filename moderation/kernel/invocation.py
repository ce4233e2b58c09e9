"""What a command handler gets: who, where, in which community, inside which transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moderation.kernel.actions import Action, Card, DirectMessage, Edit, OpenForm, Reply, Send
from moderation.kernel.commands import release_id_of
from moderation.kernel.community import CommunityConfig
from moderation.kernel.errors import BadArgument, NotFound, NotPermitted
from moderation.kernel.events import Actor, ChatRef, RepliedMessage
from moderation.kernel.i18n import DEFAULT_LANGUAGE, _, language_of, using
from moderation.kernel.params import ReleaseRef
from moderation.kernel.permissions import Privilege
from moderation.kernel.phrasing import Phrasing
from moderation.kernel.redaction import redacting_logger
from moderation.kernel.services import Services
from norms import NormPack
from storage import Account, Release, Tx

__all__ = ["Invocation", "audience_language", "cards_of", "checked_audience", "which_release"]

log = redacting_logger("normbot.core")


@dataclass
class Invocation:
    """The context of one command or button press: the process's `services`, and this event's unit of work,
    community, actor and privilege."""

    services: Services
    tx: Tx
    community: CommunityConfig
    community_id: int
    actor: Actor
    account: Account
    privilege: Privilege
    chat: ChatRef
    now: datetime
    pack: NormPack
    reply_to: str | None = None
    attachment_texts: Mapping[str, str] = field(default_factory=dict)
    replied: RepliedMessage | None = None  # the replied-to message itself, when a person wrote it
    prepared: object = None  # what the command's `prepare` step computed before the unit of work

    @property
    def language(self) -> str:
        """The community's language: what everybody in its chats reads (prompts, alerts, public replies)."""
        return language_of(self.community.language) or DEFAULT_LANGUAGE

    @property
    def actor_language(self) -> str:
        """The language answers for the actor alone are written in: their app's, else the community's."""
        return language_of(self.actor.locale) or self.language

    def public(self) -> AbstractContextManager[str]:
        """Write the text built inside the block for the whole chat, in the community's language (a handler
        runs in the actor's language: most of what it writes answers them)."""
        return using(self.language)

    def privately(self) -> AbstractContextManager[str]:
        """Write the text built inside the block for the actor alone (inside a `public` block)."""
        return using(self.actor_language)

    @property
    def actor_ref(self) -> str:
        """How the audit log names the actor."""
        return f"{self.actor.platform}:{self.actor.user_id}"

    def ref(self, name: str) -> str:
        """A command as the actor types it on this platform (`/forget_me` on Telegram, `/forget-me` elsewhere)."""
        return self.services.command_ref(self.chat.platform, name)

    async def audit(self, action: str, subject: str, payload: dict[str, Any], *, actor: str | None = None) -> None:
        """Audit an action of this invocation in its community, now: by the actor unless `actor` says who
        (`"normbot"` for what the bot did in consequence), so handlers name only what is particular."""
        await self.tx.audit_log.append(
            self.community_id,
            actor=self.actor_ref if actor is None else actor,
            action=action,
            subject=subject,
            payload=payload,
            at=self.now,
        )

    def require(self, level: Privilege, what: str) -> None:
        """Refuse unless the actor has at least `level`."""
        if self.privilege < level:
            raise NotPermitted(_("Only {role} can {what}.").format(role=role_name(level), what=what))

    async def person_accounts(self) -> list[int]:
        """Every account of the actor's person (so linked accounts count as one member)."""
        return await self.tx.accounts.of_person(self.account)

    async def target_release(self, ref: ReleaseRef | str | None) -> Release:
        """The release a command is about: an explicit id, else the replied-to message, else the release whose
        review thread the command was typed in, else (console only) the latest release announced in this chat.

        Why the thread: Discord slash commands cannot be replies, so inside a release's review thread the
        thread itself says which release is meant. It is read from the store (the thread the bot opened for
        the release), not from the platform, so a Telegram forum topic opened per release works alike."""
        release_id: int | None = None
        if isinstance(ref, ReleaseRef):
            release_id = ref.id
        elif ref:
            release_id = release_id_of(ref)  # an older handler's text
        else:
            if self.reply_to:
                release_id = await self.tx.announcements.release_for_message(
                    self.chat.platform, self.chat.chat_id, self.reply_to
                )
            if release_id is None and self.chat.thread_id is not None:
                release_id = await self.tx.posted.release_for_thread(
                    self.chat.platform, self.chat.chat_id, self.chat.thread_id
                )
            if release_id is None and self.reply_to:
                raise BadArgument(_("The message you replied to is not a release announcement I know."))
            if release_id is None and self.chat.platform in self.services.latest_release_fallback:
                release_id = await self.tx.announcements.latest_release_in_chat(self.chat.platform, self.chat.chat_id)
        if release_id is None:
            raise which_release(self.services.phrasing(self.chat.platform))
        release = await self.tx.releases.get(self.community_id, release_id)
        if release is None:
            raise NotFound(_("There is no release R{id} in this community.").format(id=release_id))
        return release


def which_release(phrasing: Phrasing) -> BadArgument:
    """ "Which release?" in the words of the platform: where commands reply, say reply; where they cannot
    (Discord), point at the review thread and the release option instead."""
    endorse = phrasing.ref("endorse")
    if phrasing.targeting == "thread":
        return BadArgument(
            _("Which release? Choose it in the release option, or use the command in the release's review thread."),
            hint=_("For example: {example}").format(example=f"{endorse} release:R12"),
        )
    if phrasing.targeting == "reply":
        return BadArgument(
            _("Which release? Reply to its announcement or review prompt with the command, or give its id."),
            hint=_("For example: {example}").format(example=f"{endorse} R12"),
        )
    return BadArgument(
        _("Which release? Reply to its announcement or give its id."),
        hint=_("For example: {example}").format(example=f"{endorse} R12"),
    )


def role_name(level: Privilege) -> str:
    """The privilege as people say it, plural ("moderators"), in the current language."""
    names = {
        Privilege.MEMBER: _("members"),
        Privilege.REVIEWER: _("reviewers"),
        Privilege.MODERATOR: _("moderators"),
        Privilege.OWNER: _("owners"),
    }
    return names.get(level, level.name.lower() + "s")


def cards_of(action: Action) -> Iterable[Card]:
    """The cards an action shows (a prompt and its thread's first message; none for a form)."""
    if isinstance(action, Send):
        yield action.card
        if action.thread_intro is not None:
            yield action.thread_intro
    elif isinstance(action, Edit | Reply | DirectMessage):
        yield action.card


def audience_language(action: Action, *, community: str, actor: Actor | None, actor_language: str) -> str:
    """The language the reader of `action` reads: the actor's for what only they see (ephemeral and private
    replies, forms, a direct message to them), the community's for everything a chat sees."""
    if isinstance(action, OpenForm):
        return actor_language
    if isinstance(action, Reply):
        return actor_language if action.only_for_actor else community
    if isinstance(action, DirectMessage):
        mine = actor is not None and (action.platform, action.user_id) == (actor.platform, actor.user_id)
        return actor_language if mine else community
    return community


def checked_audience(
    services: Services, actions: list[Action], *, community: str, actor: Any, actor_language: str
) -> list[Action]:
    """`actions`, after checking that each is written in its reader's language (a log line and a counter
    when not: a handler built a public card in the actor's language, or the other way round)."""
    for action in actions:
        expected = audience_language(action, community=community, actor=actor, actor_language=actor_language)
        for card in cards_of(action):
            if card.locale != expected:
                services.stats["audience_mismatches"] += 1
                log.warning(
                    "%s card %r written in %s for readers of %s",
                    type(action).__name__,
                    card.title[:40],
                    card.locale,
                    expected,
                )
    return actions
