"""Norm checks and review prompts: run a check, move the release, refresh every prompt in place.

Why the check runs in a worker thread: a pack's patterns may cost up to the bound in norms/cost.py (tens of
milliseconds on one announcement, more on a slow machine), and every other member's command waits while the
event loop is busy. RE2 releases the GIL while it searches, so a worker thread keeps the loop answering.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from moderation.kernel.actions import Action, Card, DirectMessage, Edit
from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import N_, translate
from moderation.kernel.phrasing import Phrasing
from moderation.releases.cards import (
    NormHelp,
    PromptData,
    prompt_buttons,
    prompt_card,
    severity_label,
    withdrawn_card,
)
from moderation.releases.lifecycle import (
    CLOSED,
    HELD_BY_UPHELD,
    blocking_failures,
    can_move,
    flag_severity,
    quorum_reached,
    standing,
    upheld_move,
)
from norms import NormPack, ReleaseContext, evaluate
from norms.fields import ReleaseFields
from storage import NormResult, Release, ResultRow, Tx

if TYPE_CHECKING:
    from moderation.kernel.services import Services

__all__ = [
    "NEXT_STEPS",
    "check_release",
    "held_by_upheld",
    "notify_creator",
    "pack_label",
    "prompt_for",
    "refresh_prompts",
    "set_status",
]

NEXT_STEPS: dict[str, str] = {
    "announced": N_("Nothing to do yet: it goes to review after its norm check."),
    "in_review": N_("Nothing to do: it is open for review again, and endorsements count."),
    "endorsed": N_("Nothing to do: it is endorsed."),
    "changes_requested": N_(
        "Fix it with /release edit {ref} <field> <value>, or post a corrected announcement; "
        "then ask a moderator to look again."
    ),
    "flagged": N_("Moderators are deciding its flags; /whyflagged {ref} shows them and how they are decided."),
    "resolved": N_("Its flags are decided; /whyflagged {ref} shows how."),
    "removed": N_(
        "It takes no endorsements or flags now. Fix what the reason names with /release edit {ref} "
        "<field> <value> or post a corrected announcement, then ask a moderator to restore it."
    ),
    "withdrawn": N_("If it is a release after all, reply to the announcement with /markrelease."),
}
"""What a creator can do next, by the state a moderator's decision left the release in (messages: shown
through `translate`). Contesting a decision is `/appeal` (moderation/appeals), which the decision cards name."""


def pack_label(pack: NormPack) -> str:
    """`baseline 1.0.0` as shown in prompts."""
    return f"{pack.id} {pack.version}"


async def context_for(services: Services, tx: Tx, release: Release) -> ReleaseContext:
    """The evaluation context of a release: its fields, text, and what provenance knows of its parents."""
    fields = ReleaseFields.from_json(release.fields_json)
    parents = await services.hooks.lineage_facts(services, tx, release)
    return ReleaseContext(fields=fields, text=release.text, parents=tuple(parents))


async def check_release(
    services: Services,
    tx: Tx,
    release: Release,
    pack: NormPack,
    *,
    trigger: str,
    actor_id: int | None,
    now: datetime,
) -> tuple[list[NormResult], dict[str, NormHelp]]:
    """Evaluate, store the check (with the pack digest), and return the stored rows plus each norm's title and
    fix (the stored rows carry neither: they are the pack's words, shown from the pack in force)."""
    results = await asyncio.to_thread(evaluate, pack, await context_for(services, tx, release))
    rows = [ResultRow(r.norm_id, r.need, r.severity, r.outcome, "; ".join(r.evidence)[:2000]) for r in results]
    await tx.norm_checks.add(
        release.id,
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        trigger=trigger,
        actor_id=actor_id,
        results=rows,
        at=now,
    )
    latest = await tx.norm_checks.latest(release.id)
    assert latest is not None
    fixes = {r.norm_id: NormHelp(r.title, r.fix) for r in results}
    return latest[1], fixes


async def settle_after_check(tx: Tx, release: Release, pack: NormPack, results: list[NormResult], now: datetime) -> str:
    """Apply the automatic moves that a fresh check implies; returns the status."""
    await tx.releases.lock(release)  # a concurrent endorsement and an unblocking re-check see each other
    blocked = blocking_failures([(r.norm_id, r.severity, r.outcome) for r in results])
    if blocked and release.status in ("announced", "in_review", "endorsed"):
        await set_status(tx, release, "changes_requested", now)
    elif not blocked and (
        release.status == "announced"
        or (release.status == "changes_requested" and not await held_by_upheld(tx, release, pack))
    ):
        await set_status(tx, release, "in_review", now)
    if release.status == "in_review":
        reached, _count, _quorum = await quorum_reached(tx, release, pack)
        if reached:
            await set_status(tx, release, "endorsed", now)
    return release.status


async def held_by_upheld(tx: Tx, release: Release, pack: NormPack) -> bool:
    """Whether an upheld flag holds the release where it is: a flag upheld under a norm whose `UPHELD` move
    leads to the release's current state (a `block` norm's flag holding changes_requested). A re-check does
    not lift such a hold, since the check did not see what the flag reported; a moderator's `/status` does."""
    if release.status not in HELD_BY_UPHELD:
        return False
    for flag in await tx.flags.of_release(release.id, "upheld"):
        if upheld_move(flag_severity(pack, flag.norm_id), "in_review") == release.status:
            return True
    return False


async def set_status(tx: Tx, release: Release, status: str, now: datetime) -> bool:
    """Move a release if the lifecycle allows it and nobody moved it meanwhile (compare-and-set in the store,
    so of several concurrent deciders exactly one moves it and audits the move)."""
    if release.status == status or not can_move(release.status, status):
        return False
    return await tx.releases.move(release, release.status, status, now)


CHANGED_NOTE = N_("✏️ Changed after it was announced; checked again. Endorsements count from the change.")
_CHANGE_TRIGGERS = frozenset({"edit", "message_edit", "repost"})  # `moderation.announcements.content.CHANGE_TRIGGERS`


async def prompt_for(tx: Tx, release: Release, pack: NormPack, *, note: str | None = None) -> PromptData:
    """Gather what a review prompt shows. `note` says what just changed; without one, a release whose newest
    check followed a content change says so (the change's own note listed the fields)."""
    latest = await tx.norm_checks.latest(release.id)
    if note is None and latest is not None and latest[0].trigger in _CHANGE_TRIGGERS:
        note = translate(CHANGED_NOTE)
    creator = await tx.accounts.get(release.creator_id)
    _reached, count, quorum = await quorum_reached(tx, release, pack)
    flags = await tx.flags.of_release(release.id)  # one statement for both counts: prompts refresh on every endorsement
    upheld = [f for f in flags if f.status == "upheld"]
    severities = [flag_severity(pack, f.norm_id) for f in upheld]
    return PromptData(
        release=release,
        creator=creator.display_name if creator else "?",
        results=latest[1] if latest else [],
        pack_label=pack_label(pack),
        endorsements=count,
        quorum=quorum,
        open_flags=sum(1 for f in flags if f.status == "open"),
        upheld=tuple(f"F{f.id} {f.norm_id} ({severity_label(sev)})" for f, sev in zip(upheld, severities, strict=True)),
        standing=standing(release.status, severities),
        note=note,
    )


async def refresh_prompts(
    tx: Tx,
    release: Release,
    pack: NormPack,
    *,
    phrasing: Callable[[str], Phrasing],
    note: str | None = None,
) -> list[Action]:
    """Edit every posted prompt of the release in place (counts and status changed); a withdrawn release's
    prompt becomes a short note without buttons. `note`: a line on what just changed (content edits).
    `phrasing` (`Core.phrasing`): each prompt's footer is worded for the platform it is on, as when posted."""
    posted = await tx.posted.under_key(f"prompt:{release.id}")
    if not posted:
        return []
    btns = prompt_buttons(release) if release.status not in CLOSED else ()
    if release.status == "withdrawn":
        return [
            Edit(
                ChatRef(p.platform, p.chat_id, p.thread_id),
                p.message_id,
                withdrawn_card(release, phrasing(p.platform)),
                btns,
            )
            for p in posted
        ]
    data = await prompt_for(tx, release, pack, note=note)
    return [
        Edit(
            ChatRef(p.platform, p.chat_id, p.thread_id),
            p.message_id,
            prompt_card(data, phrasing(p.platform), in_thread=p.thread_id is not None),
            btns,
        )
        for p in posted
    ]


async def notify_creator(
    tx: Tx, release: Release, card: Card, *, actor_ids: frozenset[int] = frozenset()
) -> list[Action]:
    """A direct message to the release's creator, unless the creator is the one acting (`actor_ids`).

    Why a fallback chat: Telegram bots may only message people who started them, and Discord members can
    refuse DMs, so the message falls back to the chat the release was announced in (on the creator's
    platform), where the creator looks for answers."""
    creator = await tx.accounts.get(release.creator_id)
    if creator is None or creator.id in actor_ids:
        return []
    fallback = next(
        (
            ChatRef(a.platform, a.chat_id, a.thread_id)
            for a in await tx.announcements.of_release(release.id)
            if a.platform == creator.platform
        ),
        None,
    )
    return [DirectMessage(creator.platform, creator.user_id, card, fallback_chat=fallback)]
