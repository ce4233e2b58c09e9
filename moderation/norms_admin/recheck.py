"""Re-checking the open releases after a norm change: the offer, the request, and the background job.

Why a job and not the button's own unit of work: a community may have thousands of open releases, each
check runs the pack's patterns, and on SQLite a unit of work holds every other event up. The button only
records the request (`norm_rechecks`, one row per adopted revision, so a second press or a replayed event
starts nothing) and schedules a `norm_recheck` job; the job is claimed exactly once across replicas like
every job (`moderation.jobs`) and works in batches of `BATCH` releases, each batch in its own unit of work
that also advances the request's `after_release_id` and counters. A run stopped half-way (a restart, a
crash: the claim goes stale) resumes after the last release it finished, and never counts or notifies a
release twice. A run gives up its claim after `TIME_SHARE` seconds so one large community does not hold
the tick; the next tick continues it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from moderation.kernel import buttons
from moderation.kernel.actions import Action, Button, Card, Send
from moderation.kernel.community import chats_for
from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import _, localized, ngettext, using
from moderation.kernel.redaction import redacting_logger
from moderation.modlog.entries import Line, log_entries, register
from moderation.releases.cards import NormHelp, clip, human_evidence, release_ref, severity_label, title_of
from moderation.releases.lifecycle import CLOSED, status_label
from moderation.releases.reviewing import check_release, notify_creator, pack_label, refresh_prompts, settle_after_check
from norms import NormPack
from storage import NormRecheck, NormResult, Release, Tx

if TYPE_CHECKING:
    from moderation.kernel.services import Services

__all__ = ["BATCH", "JOB_KIND", "TIME_SHARE", "Change", "offer_button", "open_count", "result_change", "run"]

log = redacting_logger("normbot.recheck")
JOB_KIND = "norm_recheck"
BATCH = 25
"""Releases per unit of work: small enough that a batch holds SQLite's writer for well under a second with
a costly pack (norms/cost.py bounds one evaluation), large enough that a thousand releases are 40 commits."""
TIME_SHARE = 20.0
"""Seconds a run may take of one tick before it hands the job back (well under `STALE_CLAIM`)."""
TRIGGER = "norm_change"


async def open_count(tx: Tx, community_id: int) -> int:
    """How many releases a re-check would look at: every release not closed (removed or withdrawn)."""
    return await tx.releases.count_except(community_id, sorted(CLOSED))


def offer_button(revision_number: int, count: int) -> Button:
    """The "Re-check N open releases" button under `/norms set`'s answer. Its payload names the revision,
    so a press after a later change is refused instead of re-checking against a pack nobody offered."""
    label = ngettext("Re-check {n} open release", "Re-check {n} open releases", count).format(n=count)
    return Button(label, buttons.encode("recheck", revision_number), "primary")


@dataclass(frozen=True, slots=True)
class Change:
    """What a re-check changed for one release, in the creator's terms."""

    now_failing: tuple[NormResult, ...]
    now_met: tuple[str, ...]  # titles of norms no longer failing
    status_before: str
    status_after: str

    @property
    def changed(self) -> bool:
        """Whether the creator has anything to hear about."""
        return bool(self.now_failing or self.now_met) or self.status_before != self.status_after


def _failing(outcomes: dict[str, tuple[str, str]]) -> set[str]:
    return {norm for norm, (severity, outcome) in outcomes.items() if outcome == "fail" and severity != "info"}


def result_change(
    before: Sequence[NormResult], after: Sequence[NormResult], status_before: str, status_after: str
) -> Change:
    """Compare two checks of a release by the norms it fails (info norms aside): a norm added to the pack
    that the release meets, or one dropped that it met, is no news to its creator; a norm it now fails, one
    it now meets, or a move of its status is."""
    old = {r.norm_id: (r.severity, r.outcome) for r in before}
    new = {r.norm_id: (r.severity, r.outcome) for r in after}
    failing_before, failing_after = _failing(old), _failing(new)
    return Change(
        now_failing=tuple(r for r in after if r.norm_id in failing_after - failing_before),
        now_met=tuple(sorted(failing_before - failing_after)),
        status_before=status_before,
        status_after=status_after,
    )


def change_card(release: Release, change: Change, fixes: dict[str, NormHelp], pack: NormPack) -> Card:
    """The creator's message: which norms the change made fail (with the fix) or pass, and any move."""
    ref = release_ref(release)
    lines: list[str] = []
    for result in change.now_failing:
        help_ = fixes.get(result.norm_id, NormHelp(result.norm_id))
        line = "❌ " + _("Now not met: {title} ({severity}, {norm})").format(
            title=clip(localized(help_.title), 80), severity=severity_label(result.severity), norm=result.norm_id
        )
        found = human_evidence(result.evidence, 120)
        if found:
            line += "\n   " + _("Found: {found}").format(found=found)
        if help_.fix:
            line += "\n   " + _("How to fix: {fix}").format(fix=clip(localized(help_.fix), 200))
        lines.append(line)
    for norm_id in change.now_met:
        norm = pack.norm(norm_id)
        title = clip(localized(norm.title), 80) if norm else norm_id
        lines.append("✅ " + _("Now met (or no longer a norm): {title} ({norm})").format(title=title, norm=norm_id))
    if change.status_before != change.status_after:
        lines.append(
            _("Status: {before} → {after}.").format(
                before=status_label(change.status_before), after=status_label(change.status_after)
            )
        )
    footer = _("Checked against {pack}.").format(pack=pack_label(pack)) + " "
    if change.now_failing:
        footer += (
            _("Fix it with /release edit {ref} <field> <value> or by editing your announcement.").format(ref=ref) + " "
        )
    footer += _("The community's norms: /norms")
    return Card(
        _("The community's norms changed: {ref} ({title}) was checked again").format(ref=ref, title=title_of(release)),
        "\n".join(lines),
        status=release.status,
        footer=footer,
    )


async def _recheck_one(
    services: Services, tx: Tx, release: Release, pack: NormPack, now: datetime
) -> tuple[Change, bool, list[Action]]:
    """Check one release against `pack`: (what changed, whether it now misses a norm, what to show)."""
    latest = await tx.norm_checks.latest(release.id)
    before = latest[1] if latest else []
    status_before = release.status
    results, fixes = await check_release(services, tx, release, pack, trigger=TRIGGER, actor_id=None, now=now)
    await settle_after_check(tx, release, pack, results, now)
    change = result_change(before, results, status_before, release.status)
    actions = await refresh_prompts(tx, release, pack, phrasing=services.phrasing)
    if change.changed:
        await tx.audit_log.append(
            release.community_id,
            actor="normbot",
            action="release.checked",
            subject=release_ref(release),
            payload={"pack": pack.digest, "from": status_before, "status": release.status, "trigger": TRIGGER},
            at=now,
        )
        actions += await notify_creator(tx, release, change_card(release, change, fixes, pack))
    failing = any(r.outcome == "fail" and r.severity != "info" for r in results)
    return change, failing, actions


def _summary(rc: NormRecheck, pack: NormPack, revision_number: int | None) -> Card:
    which = (
        _("{pack} (revision {number})").format(pack=pack_label(pack), number=revision_number)
        if revision_number is not None
        else pack_label(pack)
    )
    return Card(
        _("Re-check after the norm change: {checked} checked, {changed} changed, {failing} now failing").format(
            checked=rc.checked, changed=rc.changed, failing=rc.failing
        ),
        _(
            "Open releases checked against {pack}. Their review prompts show the new results; the {changed} "
            "creator(s) whose result changed were sent what changed and how to fix it. {failing} release(s) now "
            "miss at least one norm; /queue lists those waiting for changes."
        ).format(pack=which, changed=rc.changed, failing=rc.failing),
    )


async def _batch(services: Services, tx: Tx, recheck_id: int, now: datetime) -> tuple[bool, list[Action]]:
    """One batch: (finished, actions)."""
    rc = await tx.rechecks.get(recheck_id)
    if rc is None or rc.state == "done":
        return True, []
    row = await tx.communities.get(rc.community_id)
    community = services.communities.get(row.slug) if row is not None else None
    if community is None:
        return True, []  # not a community this deployment serves (any more)
    pack = await services.packs.current(tx, community, rc.community_id)
    releases = await tx.releases.after(
        rc.community_id, rc.after_release_id, exclude_statuses=sorted(CLOSED), limit=BATCH
    )
    actions: list[Action] = []
    for release in releases:
        change, failing, done = await _recheck_one(services, tx, release, pack, now)
        actions += done
        rc.after_release_id = release.id
        rc.checked += 1
        rc.changed += int(change.changed)
        rc.failing += int(failing)
    if len(releases) == BATCH:
        return False, actions + await log_entries(services, tx)
    rc.state, rc.finished_at = "done", now
    revisions = [r for r in await tx.pack_revisions.all(rc.community_id) if r.id == rc.revision_id]
    number = revisions[0].number if revisions else None
    await tx.audit_log.append(
        rc.community_id,
        actor="normbot",
        action="norms.rechecked",
        subject=f"pack:{number}",
        payload={"checked": rc.checked, "changed": rc.changed, "failing": rc.failing, "pack": pack.digest},
        at=now,
    )
    card = _summary(rc, pack, number)
    chats = [ChatRef(rc.report_platform, rc.report_chat_id, rc.report_thread_id)]
    chats += [
        c for c in chats_for(community, "mod") if (c.platform, c.chat_id) != (rc.report_platform, rc.report_chat_id)
    ]
    actions += [Send(chat, card) for chat in chats]
    return True, actions + await log_entries(services, tx)


@register("norms.rechecked")
def _logged(e: dict[str, Any], who: str, release: Release | None) -> Line:
    p = e["payload"]
    return Line(
        "🔁",
        _(
            "Open releases re-checked after the norm change ({revision}): {checked} checked, {changed} changed, "
            "{failing} now failing"
        ).format(revision=e["subject"], checked=p.get("checked"), changed=p.get("changed"), failing=p.get("failing")),
    )


async def run(services: Services, job_id: int, recheck_id: int) -> list[Action]:
    """Run a claimed `norm_recheck` job batch after batch; finish it when every open release was checked,
    or hand it back to the next tick after `TIME_SHARE` seconds."""
    actions: list[Action] = []
    started = time.monotonic()
    while True:
        async with services.store.transaction() as tx:
            # Everything a batch writes (prompts, creators' messages, the summary, the mod log) is read in the
            # community's chats: the community's language.
            rc = await tx.rechecks.get(recheck_id)
            with using(await services.directory.language(tx, rc.community_id if rc else None)):
                finished, done = await _batch(services, tx, recheck_id, services.clock())
            handed_back = not finished and time.monotonic() - started > TIME_SHARE
            if finished:
                await tx.jobs.finish(job_id)
            elif handed_back:
                await tx.jobs.requeue(job_id)
        actions += done
        if finished or handed_back:
            return actions
