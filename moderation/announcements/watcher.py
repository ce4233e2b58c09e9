"""The watcher: message -> detect -> extract -> register the release -> norm check -> prompt and nudge.

Idempotent by construction: the platform message id is unique in `announcements`, and the processed-event
row is written in the same transaction, so a message delivered twice changes nothing. The same release
cross-posted by its creator (the same account, or an account `/link`ed to it; a same display name proves
nothing, see `_find_cross_post`) becomes a second announcement of one release; when its creator's repost states
something new (a corrected announcement), the release takes it through
`moderation.announcements.content` like an edit does.

An edited message (`MessageEdited`) of a known announcement re-extracts what the message says before and after
the edit and applies what the edit changed (`on_message_edited`); an edit of any other message in a watched
chat is read as if it had just been posted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from moderation.announcements.content import ContentChange, change_card, change_content, overlay, restated
from moderation.extraction import INVISIBLE, extract
from moderation.jobs import schedule_release_jobs
from moderation.kernel.actions import Action, DirectMessage, Send
from moderation.kernel.events import ChatRef, MessageEdited, MessagePosted
from moderation.kernel.i18n import DEFAULT_LANGUAGE, _, language_of, settle, using
from moderation.kernel.invocation import checked_audience
from moderation.kernel.redaction import redacting_logger
from moderation.modlog.entries import log_entries
from moderation.releases.cards import (
    PromptData,
    clip,
    nudge_card,
    prompt_buttons,
    prompt_card,
    release_ref,
    thread_intro,
)
from moderation.releases.lifecycle import CLOSED
from moderation.releases.reviewing import check_release, prompt_for, settle_after_check
from norms import NormPack
from norms.fields import ReleaseFields
from storage import Account, Announcement, Release, Tx

if TYPE_CHECKING:
    from moderation.kernel.community import CommunityConfig
    from moderation.kernel.services import DetectionLike, Services

__all__ = [
    "Announced",
    "announcement_actions",
    "is_release_for",
    "model_key",
    "on_message",
    "on_message_edited",
    "register_announcement",
]

log = redacting_logger("normbot.watcher")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _key_part(value: str | None) -> str:
    if not value:
        return ""
    folded = unicodedata.normalize("NFKC", value).translate(INVISIBLE).casefold()
    return _NON_WORD.sub("-", folded).strip("-")[:120]


def model_key(name: str | None, version: str | None) -> tuple[str, str]:
    """(model part, model@version part) of a release key; NFKC + casefold so look-alikes collide."""
    base = _key_part(name) or "untitled"
    return base, f"{base}@{_key_part(version).lstrip('v')}"


async def _find_cross_post(tx: Tx, community_id: int, key_prefix: str, author: Account) -> Release | None:
    """The release this announcement repeats, when its creator is the author's own person.

    Only accounts proven to be one person (`/link`, a one-time code that needs control of both) are the same
    creator. A same display name on another platform proves nothing: anyone can take it, and folding such a
    post into the release would let an impersonator pass as its creator (no re-upload alert, a vote on the
    release, the real creator's later posts reported to them). Anything else with the same name is a release
    of its own, which provenance compares by hash, link and text and alerts moderators about.
    """
    same_person = set(await tx.accounts.of_person(author))
    for candidate in await tx.releases.by_key_prefix(community_id, key_prefix + "#"):
        if candidate.creator_id in same_person:
            return candidate
    return None


def is_release_for(detection: DetectionLike, threshold: float | None) -> bool:
    """The detector's verdict under a community's `detect_threshold` (None: the detector's own verdict).

    Only scores that are the head's (stage "model") or the rules baseline's own positives (stage "rules")
    are compared with the threshold, in both directions for the model and only to be stricter for rules:
    a rule-stage negative may be the rule gate's rejection of a message without the shape of an
    announcement, whose score is clamped and means nothing to a threshold. The lexical fallback's verdicts
    (stage "lexical", the model unavailable) stand too: its scores are not calibrated probabilities. The
    pre-filter's and the exact bound's negatives stand: the bound's score is only the highest the model could
    give, so a threshold below the detector's own cannot be checked against it without running the encoder
    (docs/corrections.md).
    """
    if threshold is None:
        return bool(detection.is_release)
    stage = detection.stage
    if stage == "model" or (stage == "rules" and detection.is_release):
        return float(detection.score) >= threshold
    return bool(detection.is_release)


@dataclass(frozen=True, slots=True)
class Announced:
    """What registering an announcement did: the release, whether it is new, the actions besides the review
    prompt (the creator's nudge, provenance's notices) and what the prompt shows."""

    release: Release
    created: bool
    actions: list[Action]
    prompt: PromptData


async def on_message(services: Services, ev: MessagePosted) -> list[Action]:
    """Handle one chat message in a (possibly) watched chat."""
    # Cheap checks first: most messages are ordinary chat and must not touch the store twice.
    resolved = await services.directory.for_chat(ev.chat)
    if resolved is None or not resolved[2]:
        return []
    community, cid, _watched = resolved
    settle(community.language)  # the prompt is for the chat; what is said to the author alone, in theirs
    names = [a.name for a in ev.attachments]
    detection = (await services.detector.adetect_many([(ev.text, names)]))[0]
    if not is_release_for(detection, community.detect_threshold):
        return []
    services.stats["announcements_detected"] += 1
    # A negative the community's threshold turned positive comes without fields: extract them here.
    fields: ReleaseFields = detection.fields or extract(ev.text, names)
    # Model calls and comparisons run before the unit of work, which on SQLite holds every other event up.
    prepared = await services.hooks.prepare_announcement(services, cid, ev, detection.embedding)
    now = services.clock()
    async with services.store.transaction() as tx:
        announced = await register_announcement(services, tx, community, cid, ev, fields, prepared, now)
        logged = await log_entries(services, tx)
    if announced is None:
        return []
    return checked_audience(
        services,
        [*await announcement_actions(services, community.slug, ev, announced), *logged],
        community=language_of(community.language) or DEFAULT_LANGUAGE,
        actor=ev.author,
        actor_language=author_language(ev, community),
    )


def author_language(ev: MessagePosted, community: CommunityConfig) -> str:
    """The language a message's author reads what is said to them alone in (their app's, where the platform
    says it: Telegram does for messages, Discord only for interactions), else the community's."""
    return language_of(ev.author.locale) or language_of(community.language) or DEFAULT_LANGUAGE


async def register_announcement(
    services: Services,
    tx: Tx,
    community: CommunityConfig,
    cid: int,
    ev: MessagePosted,
    fields: ReleaseFields,
    prepared: object,
    now: datetime,
) -> Announced | None:
    """Register `ev` as an announcement in the caller's unit of work: find or create the release, check it,
    schedule its jobs, audit. None when this message was registered before (a replay). The watcher calls it
    for detected announcements, `/markrelease` for the ones the detector missed."""
    if not await tx.processed_events.mark(ev.chat.platform, f"msg:{ev.chat.chat_id}:{ev.message_id}", now):
        return None
    author = await tx.accounts.upsert(ev.author.platform, ev.author.user_id, ev.author.name, now)
    pack = await services.packs.current(tx, community, cid)
    base, key_prefix = model_key(fields.model_name, fields.version)
    release = await _find_cross_post(tx, cid, key_prefix, author)
    created = False
    if release is None:  # a twin on another replica may register it meanwhile: then this is its cross-post
        release, created = await _register(tx, cid, author, key_prefix, base, fields, ev, now, now + pack.review.window)
    announcement_id = await _add_announcement(tx, cid, release, author, ev, created, now)
    actions: list[Action] = []
    change: ContentChange | None = None
    if not created and release.creator_id in await tx.accounts.of_person(author) and release.status not in CLOSED:
        change = await _apply_repost(services, tx, release, pack, fields, author, ev, announcement_id, now)
        if change is not None:
            with using(author_language(ev, community)):
                card = change_card(change)
            actions.append(DirectMessage(ev.author.platform, ev.author.user_id, card, fallback_chat=ev.chat))
            actions.extend(change.actions)
    if created:
        actions.extend(await _check_new_release(services, tx, community, cid, release, pack, author, ev, now))
    actions.extend(
        await services.hooks.after_announcement(
            services, tx, release, author, fields, ev, created, now, announcement_id=announcement_id, prepared=prepared
        )
    )
    note = change.summary if change is not None else None
    return Announced(release, created, actions, await prompt_for(tx, release, pack, note=note))


async def _add_announcement(
    tx: Tx, cid: int, release: Release, author: Account, ev: MessagePosted, created: bool, now: datetime
) -> int | None:
    """The announcement row of `ev` (its id; None when this message was recorded before) and its
    audit event: announced, or cross-posted when the release existed."""
    announcement_id = await tx.announcements.add(
        release_id=release.id,
        author_id=author.id,
        platform=ev.chat.platform,
        chat_id=ev.chat.chat_id,
        thread_id=ev.chat.thread_id,
        message_id=ev.message_id,
        url=ev.url,
        text=ev.text[:20000],
        created_at=now,
    )
    await tx.audit_log.append(
        cid,
        actor=f"{ev.author.platform}:{ev.author.user_id}",
        action="release.announced" if created else "release.cross_posted",
        subject=release_ref(release),
        payload={"platform": ev.chat.platform, "chat": ev.chat.chat_id, "message": ev.message_id},
        at=now,
    )
    return announcement_id


async def _apply_repost(
    services: Services,
    tx: Tx,
    release: Release,
    pack: NormPack,
    fields: ReleaseFields,
    author: Account,
    ev: MessagePosted,
    announcement_id: int | None,
    now: datetime,
) -> ContentChange | None:
    """The creator announced this release again: what the repost states is what the release says now."""
    current = ReleaseFields.from_json(release.fields_json)
    return await change_content(
        services,
        tx,
        release,
        pack,
        overlay(current, fields),
        actor=author,
        actor_ref=f"{ev.author.platform}:{ev.author.user_id}",
        trigger="repost",
        now=now,
        chat=ev.chat,
        text=ev.text,
        announcement_id=announcement_id,
    )


async def _check_new_release(
    services: Services,
    tx: Tx,
    community: CommunityConfig,
    cid: int,
    release: Release,
    pack: NormPack,
    author: Account,
    ev: MessagePosted,
    now: datetime,
) -> list[Action]:
    """A new release's first norm check and its jobs; the nudge to its creator when a norm fails."""
    results, fixes = await check_release(services, tx, release, pack, trigger="announce", actor_id=author.id, now=now)
    await settle_after_check(tx, release, pack, results, now)
    await tx.audit_log.append(
        cid,
        actor="normbot",
        action="release.checked",
        subject=release_ref(release),
        payload={"pack": pack.digest, "status": release.status, "from": "announced"},
        at=now,
    )
    await schedule_release_jobs(tx, release, pack, now)
    failures = [(r, fixes.get(r.norm_id)) for r in results if r.outcome == "fail" and r.severity != "info"]
    if not failures:
        return []
    with using(author_language(ev, community)):
        nudge = nudge_card(release, failures)
    return [DirectMessage(ev.author.platform, ev.author.user_id, nudge, fallback_chat=ev.chat)]


async def on_message_edited(services: Services, ev: MessageEdited) -> list[Action]:
    """A person edited a message: a known announcement's release takes what the edit changed (re-extracted,
    re-checked, provenance, endorsements reset when endorsed content changed, prompts edited in place, the
    author told what changed); any other message in a watched chat is read as if just posted.

    Idempotent twice over: the edit's event id is recorded in the unit of work (a redelivered edit is
    dropped), and an edit whose text equals the stored text changes nothing (a Discord embed unfurl, an
    edit delivered again under another id)."""
    msg = ev.message
    resolved = await services.directory.for_chat(msg.chat)
    if resolved is None:
        return []
    community, cid, watched = resolved
    settle(community.language)
    now = services.clock()
    async with services.store.transaction() as tx:
        if not await tx.processed_events.mark(msg.chat.platform, f"edit:{ev.event_id}"[:128], now):
            return []
        announcement = await tx.announcements.by_message(msg.chat.platform, msg.chat.chat_id, msg.message_id)
        if announcement is not None:
            actions = await _edit_announcement(services, tx, community, cid, announcement, msg, now)
            return actions + await log_entries(services, tx)
    if not watched:
        return []
    return await on_message(services, msg)


async def _edit_announcement(
    services: Services,
    tx: Tx,
    community: CommunityConfig,
    cid: int,
    announcement: Announcement,
    msg: MessagePosted,
    now: datetime,
) -> list[Action]:
    text = msg.text[:20000]
    if text == announcement.text:
        return []
    release = await tx.releases.get(cid, announcement.release_id)
    if release is None or release.status in CLOSED:
        return []  # removed or withdrawn: its review is closed, and an edit does not reopen it
    author = await tx.accounts.upsert(msg.author.platform, msg.author.user_id, msg.author.name, now)
    pack = await services.packs.current(tx, community, cid)
    current = ReleaseFields.from_json(release.fields_json)
    # The same extractor on both wordings: a field changes because the words did (see `content.restated`).
    before = extract(announcement.text, [f.name for f in current.files])
    after = extract(text, [a.name for a in msg.attachments])
    announcement.text = text
    change = await change_content(
        services,
        tx,
        release,
        pack,
        restated(current, before, after),
        actor=author,
        actor_ref=f"{msg.author.platform}:{msg.author.user_id}",
        trigger="message_edit",
        now=now,
        chat=msg.chat,
        text=text,
        text_counts=True,
        announcement_id=announcement.id,
    )
    if change is None:
        return []
    if after.version and model_key(None, after.version)[1] != model_key(None, release.version)[1]:
        with using(author_language(msg, community)):
            change.version_note = _(
                "Your edit names version {new}; {ref} stays {old}. A new version is a new release: "
                "announce it in a new message."
            ).format(
                new=clip(after.version, 30), ref=release_ref(release), old=clip(release.version, 30) or _("unversioned")
            )
    if not change.changes and change.status_before == release.status:
        return change.actions  # only the wording changed: prompts refreshed, nobody to tell
    with using(author_language(msg, community)):
        card = change_card(change)
    return [DirectMessage(msg.author.platform, msg.author.user_id, card, fallback_chat=msg.chat), *change.actions]


async def announcement_actions(services: Services, slug: str, ev: MessagePosted, announced: Announced) -> list[Action]:
    """The review prompt (first) and the other actions of a registered announcement."""
    release = announced.release
    prompt_chat = await _prompt_chat(services, ev.chat, slug)
    same_chat = prompt_chat.chat_id == ev.chat.chat_id and prompt_chat.platform == ev.chat.platform
    services.stats["prompts_sent"] += 1
    log.info(
        "release %s %s",
        "announced" if announced.created else "cross-posted",
        release_ref(release),
        extra={"community": slug, "release": release_ref(release), "platform": ev.chat.platform},
    )
    phrasing = services.phrasing(prompt_chat.platform)
    in_thread = prompt_chat.thread_id is not None  # a prompt inside a thread opens no thread of its own
    prompt = Send(
        prompt_chat,
        prompt_card(announced.prompt, phrasing, in_thread=in_thread),
        prompt_buttons(release),
        reply_to=ev.message_id if same_chat else None,
        key=f"prompt:{release.id}",
        thread_title=_("Review {ref}: {title}").format(ref=release_ref(release), title=clip(release.model_name, 60)),
        thread_intro=thread_intro(release, phrasing),
        thread_key=f"thread:{release.id}",
    )
    return [prompt, *announced.actions]


async def _register(
    tx: Tx,
    community_id: int,
    author: Account,
    key_prefix: str,
    base: str,
    fields: ReleaseFields,
    ev: MessagePosted,
    now: datetime,
    review_due_at: datetime,
) -> tuple[Release, bool]:
    previous = await tx.releases.latest_version_of(community_id, await tx.accounts.of_person(author), base)
    return await tx.releases.add_once(
        community_id=community_id,
        creator_id=author.id,
        release_key=f"{key_prefix}#{author.id}",
        model_name=clip(fields.model_name, 200) or "untitled",
        version=clip(fields.version, 60) or None,
        model_type=fields.model_type,
        base_model=fields.base_model,
        fields_json=fields.to_json(),
        text=ev.text[:20000],
        status="announced",
        previous_id=previous.id if previous else None,
        review_due_at=review_due_at,
        created_at=now,
        updated_at=now,
    )


async def _prompt_chat(services: Services, chat: ChatRef, slug: str) -> ChatRef:
    """Prompts go to the community's review chat on the same platform, else under the announcement."""
    for binding in services.communities[slug].chats:
        if binding.role == "review" and binding.platform == chat.platform:
            return ChatRef(chat.platform, binding.chat_id, space_id=chat.space_id)
    return chat
