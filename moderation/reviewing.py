"""Norm checks and review prompts: run a check, move the release, refresh every prompt in place.

Why the check runs in a worker thread: a pack's patterns may cost up to the bound in norms/cost.py (tens of
milliseconds on one announcement, more on a slow machine), and every other member's command waits while the
event loop is busy. RE2 releases the GIL while it searches, so a worker thread keeps the loop answering.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from moderation.actions import Action, Edit
from moderation.events import ChatRef
from moderation.lifecycle import CLOSED, blocking_failures, can_move, quorum_reached
from moderation.render import PromptData, prompt_buttons, prompt_card, withdrawn_card
from norms import NormPack, ReleaseContext, evaluate
from norms.fields import ReleaseFields
from storage import NormResult, Release, ResultRow, Tx

if TYPE_CHECKING:
    from moderation.core import Core

__all__ = ["check_release", "pack_label", "prompt_for", "refresh_prompts", "set_status"]


def pack_label(pack: NormPack) -> str:
    """`baseline 1.0.0` as shown in prompts."""
    return f"{pack.id} {pack.version}"


async def context_for(core: Core, tx: Tx, release: Release) -> ReleaseContext:
    """The evaluation context of a release: its fields, text, and what provenance knows of its parents."""
    fields = ReleaseFields.from_json(release.fields_json)
    parents = await core.hooks.lineage_facts(core, tx, release)
    return ReleaseContext(fields=fields, text=release.text, parents=tuple(parents))


async def check_release(
    core: Core,
    tx: Tx,
    release: Release,
    pack: NormPack,
    *,
    trigger: str,
    actor_id: int | None,
    now: datetime,
) -> tuple[list[NormResult], dict[str, str | None]]:
    """Evaluate, store the check (with the pack digest), and return the stored rows plus each norm's fix."""
    results = await asyncio.to_thread(evaluate, pack, await context_for(core, tx, release))
    rows = [ResultRow(r.norm_id, r.need, r.severity, r.outcome, "; ".join(r.evidence)[:2000]) for r in results]
    await tx.add_norm_check(
        release.id,
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        trigger=trigger,
        actor_id=actor_id,
        results=rows,
        at=now,
    )
    latest = await tx.latest_norm_check(release.id)
    assert latest is not None
    fixes = {r.norm_id: r.fix for r in results}
    return latest[1], fixes


async def settle_after_check(tx: Tx, release: Release, pack: NormPack, results: list[NormResult], now: datetime) -> str:
    """Apply the automatic moves that a fresh check implies; returns the status."""
    await tx.lock_release(release)  # a concurrent endorsement and an unblocking re-check see each other
    blocked = blocking_failures([(r.norm_id, r.severity, r.outcome) for r in results])
    if blocked and release.status in ("announced", "in_review", "endorsed"):
        await set_status(tx, release, "changes_requested", now)
    elif not blocked and release.status in ("announced", "changes_requested"):
        await set_status(tx, release, "in_review", now)
    if release.status == "in_review":
        reached, _, _ = await quorum_reached(tx, release, pack)
        if reached:
            await set_status(tx, release, "endorsed", now)
    return release.status


async def set_status(tx: Tx, release: Release, status: str, now: datetime) -> bool:
    """Move a release if the lifecycle allows it and nobody moved it meanwhile (compare-and-set in the store,
    so of several concurrent deciders exactly one moves it and audits the move)."""
    if release.status == status or not can_move(release.status, status):
        return False
    return await tx.move_release(release, release.status, status, now)


CHANGED_NOTE = "✏️ Changed after it was announced; checked again. Endorsements count from the change."
_CHANGE_TRIGGERS = frozenset({"edit", "message_edit", "repost"})  # `moderation.content.CHANGE_TRIGGERS`


async def prompt_for(tx: Tx, release: Release, pack: NormPack, *, note: str | None = None) -> PromptData:
    """Gather what a review prompt shows. `note` says what just changed; without one, a release whose newest
    check followed a content change says so (the change's own note listed the fields)."""
    latest = await tx.latest_norm_check(release.id)
    if note is None and latest is not None and latest[0].trigger in _CHANGE_TRIGGERS:
        note = CHANGED_NOTE
    creator = await tx.account(release.creator_id)
    _, count, quorum = await quorum_reached(tx, release, pack)
    return PromptData(
        release=release,
        creator=creator.display_name if creator else "?",
        results=latest[1] if latest else [],
        pack_label=pack_label(pack),
        endorsements=count,
        quorum=quorum,
        open_flags=len(await tx.flags_of(release.id, "open")),
        note=note,
    )


async def refresh_prompts(tx: Tx, release: Release, pack: NormPack, *, note: str | None = None) -> list[Action]:
    """Edit every posted prompt of the release in place (counts and status changed); a withdrawn release's
    prompt becomes a short note without buttons. `note`: a line on what just changed (content edits)."""
    posted = await tx.posted(f"prompt:{release.id}")
    if not posted:
        return []
    if release.status == "withdrawn":
        card = withdrawn_card(release)
    else:
        card = prompt_card(await prompt_for(tx, release, pack, note=note))
    btns = prompt_buttons(release) if release.status not in CLOSED else ()
    return [Edit(ChatRef(p.platform, p.chat_id, p.thread_id), p.message_id, card, btns) for p in posted]
