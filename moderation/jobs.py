"""Scheduled work: review deadlines, reminders, flag escalation, weekly digests, re-checks after a norm change.

The store is the source of truth. A job is a row (`kind`, `subject` id, due time); APScheduler only wakes a
replica up to call `run_due`. Each due job is claimed with a conditional UPDATE (pending -> running), so with
several replicas on one PostgreSQL every job runs exactly once, and a job missed while the bot was down runs
once after it comes back. Before acting, a job reloads its subject and re-checks that acting still makes
sense (a release endorsed before its deadline gets no "window closed" notice).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from moderation.kernel.actions import Action, Card, Send
from moderation.kernel.community import chats_for
from moderation.kernel.i18n import _, localized, ngettext, using
from moderation.kernel.redaction import redacting_logger
from moderation.modlog.entries import log_entries
from moderation.releases.cards import clip, endorsement_text, how_to_review, release_ref, severity_label, title_of
from moderation.releases.lifecycle import flag_severity, quorum_reached, standing, status_label
from norms import NormPack
from storage import Release, Tx

if TYPE_CHECKING:
    from moderation.kernel.community import CommunityConfig
    from moderation.kernel.services import Services

__all__ = ["ensure_digests", "run_due", "schedule_release_jobs"]

log = redacting_logger("normbot.jobs")
DIGEST_EVERY = timedelta(days=7)
STALE_CLAIM = timedelta(minutes=10)
BATCH = 100
MAX_BATCHES = 50  # a tick handles at most 5,000 jobs; the next tick continues


async def schedule_release_jobs(tx: Tx, release: Release, pack: NormPack, now: datetime) -> None:
    """Deadline and reminders for a fresh release (times from the pack's `review` settings)."""
    due = now + pack.review.window
    if release.review_due_at != due:  # the watcher registers releases with it already (one UPDATE fewer)
        release.review_due_at = due
    jobs = [("review_deadline", str(release.id), due)]
    jobs += [
        ("review_reminder", str(release.id), now + offset)
        for offset in pack.review.reminders
        if offset < pack.review.window
    ]
    await tx.jobs.schedule_many(jobs, now, release.community_id)


async def schedule_flag_escalation(tx: Tx, flag_id: int, community_id: int, pack: NormPack, now: datetime) -> None:
    """Escalate a flag that is still open after the pack's `escalate_after`."""
    await tx.jobs.schedule("flag_escalation", str(flag_id), now + pack.review.escalate_after, now, community_id)


async def ensure_digests(tx: Tx, services: Services, now: datetime) -> None:
    """Every community with digests on has one pending digest job."""
    pending = {(j.kind, j.subject) for j in await tx.jobs.all("pending")}
    for slug in services.communities:
        cid = await services.directory.id_of(tx, slug)
        if ("weekly_digest", str(cid)) not in pending:
            await tx.jobs.schedule("weekly_digest", str(cid), now + DIGEST_EVERY, now, cid)


async def run_due(services: Services) -> list[Action]:
    """Claim and run every due job, batch after batch (after downtime there may be more than one batch)."""
    actions: list[Action] = []
    for _batch_number in range(MAX_BATCHES):
        batch, full = await _run_batch(services)
        actions.extend(batch)
        if not full:
            break
    return actions


async def _run_batch(services: Services) -> tuple[list[Action], bool]:
    """One batch of due jobs; the flag says whether the batch was full (more may be waiting)."""
    now = services.clock()
    async with services.store.transaction() as tx:
        await tx.jobs.release_stale(now - STALE_CLAIM)
        due = [(j.id, j.kind, j.subject, j.community_id, _aware(j.due_at)) for j in await tx.jobs.due(now, BATCH)]
    # After downtime several reminders of one release may be due at once: only the newest one speaks.
    newest = {(kind, subject): job_id for job_id, kind, subject, _cid, _due in due if kind == "review_reminder"}
    actions: list[Action] = []
    for job_id, kind, subject, community_id, due_at in due:
        async with services.store.transaction() as tx:
            if not await tx.jobs.claim(job_id, services.worker_id, now):
                continue  # another replica took it
            if kind == "review_reminder" and newest[(kind, subject)] != job_id:
                await tx.jobs.finish(job_id)
                continue
        if kind == "norm_recheck":
            # Many units of work, one per batch of releases (moderation/norms_admin/recheck.py); it finishes
            # or hands the job back itself.
            from moderation.norms_admin import recheck

            try:
                actions.extend(await recheck.run(services, job_id, int(subject)))
            except Exception:
                log.exception("job %s (%s %s) failed; it will be retried", job_id, kind, subject)
            continue
        try:
            async with services.store.transaction() as tx:
                # Reminders, deadlines, escalations, digests and their mod-log lines go to the community's chats.
                with using(await services.directory.language(tx, community_id)):
                    actions.extend(await _run_one(services, tx, kind, subject, community_id, now, due_at))
                    await tx.jobs.finish(job_id)
                    actions.extend(await log_entries(services, tx))
        except Exception:
            log.exception("job %s (%s %s) failed; it will be retried", job_id, kind, subject)
    return actions, len(due) == BATCH


def _community_of(services: Services, tx_slug: str | None) -> CommunityConfig | None:
    return services.communities.get(tx_slug) if tx_slug else None


async def _run_one(
    services: Services, tx: Tx, kind: str, subject: str, community_id: int | None, now: datetime, due_at: datetime
) -> list[Action]:
    row = await tx.communities.get(community_id) if community_id is not None else None
    community = _community_of(services, row.slug if row else None)
    if community is None or row is None:
        return []
    pack = await services.packs.current(tx, community, row.id)
    if kind == "weekly_digest":
        return await _digest(services, tx, community, row.id, pack, now, due_at)
    if kind == "flag_escalation":
        return await _escalate(tx, community, row.id, int(subject))
    release = await tx.releases.get(row.id, int(subject))
    if release is None or release.status != "in_review":
        return []  # decided already: nothing to remind anyone of
    reached, count, quorum = await quorum_reached(tx, release, pack)
    if reached:
        return []
    if kind == "review_reminder":
        title = _("Reminder: {ref} ({title}) still needs review").format(
            ref=release_ref(release), title=title_of(release)
        )
        counted = _("Endorsements: {count}.").format(count=endorsement_text(count, quorum, release.status))
        await tx.audit_log.append(
            row.id, actor="normbot", action="review.reminded", subject=release_ref(release), payload={}, at=now
        )
        return [
            Send(
                chat,
                Card(
                    title,
                    f"{counted} {how_to_review(release, services.phrasing(chat.platform))}",
                    status=release.status,
                ),
            )
            for chat in chats_for(community, "review", "releases")
        ]
    if kind == "review_deadline":
        card = Card(
            _("Review window closed for {ref} ({title})").format(ref=release_ref(release), title=title_of(release)),
            _("Endorsements: {count}.").format(count=endorsement_text(count, quorum, release.status))
            + " "
            + _("Moderators: decide with /status {ref} <state>, or leave it in review.").format(
                ref=release_ref(release)
            ),
            status=release.status,
        )
        await tx.audit_log.append(
            row.id, actor="normbot", action="review.window_closed", subject=release_ref(release), payload={}, at=now
        )
        return [Send(chat, card) for chat in chats_for(community, "mod", "review", "releases")]
    return []


async def _escalate(tx: Tx, community: CommunityConfig, community_id: int, flag_id: int) -> list[Action]:
    flag = await tx.flags.get(community_id, flag_id)
    if flag is None or flag.status != "open":
        return []
    card = Card(
        _("Flag {flag} on {ref} is still open").format(flag=f"F{flag.id}", ref=f"R{flag.release_id}"),
        f"{flag.norm_id}: {clip(flag.reason, 150)}\n"
        + _("Resolve it with /resolve {flag} upheld|dismissed <note>.").format(flag=f"F{flag.id}"),
        status="flagged",
    )
    return [Send(chat, card) for chat in chats_for(community, "mod", "review", "releases")]


async def _digest(
    services: Services,
    tx: Tx,
    community: CommunityConfig,
    community_id: int,
    pack: NormPack,
    now: datetime,
    due_at: datetime,
) -> list[Action]:
    # The next digest follows the schedule, not the (possibly late) run, and covers the week before it.
    next_due = due_at + DIGEST_EVERY
    while next_due <= now:
        next_due += DIGEST_EVERY
    await tx.jobs.schedule("weekly_digest", str(community_id), next_due, now, community_id)
    if pack.review.digest == "off":
        return []
    since = due_at - DIGEST_EVERY
    endorsed = [
        r for r in await tx.releases.page(community_id, status="endorsed", limit=200) if _aware(r.updated_at) >= since
    ]
    upheld = await tx.flags.resolved_since(community_id, since, "upheld")
    if not endorsed and not upheld:
        return []
    lines = []
    for r in endorsed[:15]:
        creator = await tx.accounts.get(r.creator_id)
        marks = [flag_severity(pack, f.norm_id) for f in await tx.flags.of_release(r.id, "upheld")]
        shown = standing(r.status, marks)
        mark = f" ({shown.label})" if marks else ""
        lines.append(
            "• "
            + _("{ref} {title} by {creator}").format(
                ref=release_ref(r), title=title_of(r), creator=clip(creator.display_name if creator else "?", 40)
            )
            + mark
        )
    if upheld:
        # Upheld outcomes are news too: a digest of only green ticks would hide what the moderators decided.
        lines.append(_("Flags upheld:"))
        grouped: dict[tuple[int, str], tuple[Release, int]] = {}
        for f, r in upheld:
            _r, n = grouped.get((r.id, f.norm_id), (r, 0))
            grouped[(r.id, f.norm_id)] = (r, n + 1)
        for (_rid, norm_id), (r, n) in list(grouped.items())[:15]:
            norm = pack.norm(norm_id)
            name = clip(localized(norm.title), 60) if norm else norm_id
            times = f" ×{n}" if n > 1 else ""
            lines.append(
                f"• {release_ref(r)} {title_of(r)}: {name} ({severity_label(flag_severity(pack, norm_id))}){times} "
                + _("— now {status}").format(status=status_label(r.status))
            )
    lines.extend(await services.hooks.digest_lines(services, tx, community_id, since))
    title = _("This week in {community}: {n} newly endorsed").format(community=community.name, n=len(endorsed))
    if upheld:
        title += ngettext(", {n} flag upheld", ", {n} flags upheld", len(upheld)).format(n=len(upheld))
    card = Card(title, "\n".join(lines))
    return [Send(chat, card) for chat in chats_for(community, "releases", "review")]


def _aware(at: datetime) -> datetime:
    from datetime import UTC

    return at if at.tzinfo else at.replace(tzinfo=UTC)
