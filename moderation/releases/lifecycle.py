"""The release lifecycle as an explicit state machine.

    announced ──> in_review ──> endorsed
         │            │  ▲          │
         ▼            ▼  │          ▼
    changes_requested ──> flagged ──> resolved
                     └──────────────> removed (moderators; restorable to in_review)

    any state ──> withdrawn ──> in_review    ("not a release": the detector was wrong; /markrelease restores)

Automatic moves: a failed `block` norm -> changes_requested; a fixed release -> in_review; quorum reached ->
endorsed; distinct flags reaching the pack's threshold -> flagged; a flag upheld -> what `UPHELD` says for the
flagged norm's severity; the last open flag decided on a flagged release -> back to review (endorsed when the
quorum stands). `resolved` is only set by moderators. Moderators may make any move the table allows with
`/status`.

What an upheld flag does (`UPHELD`, docs/lifecycle.md): a flag upheld under a `block` norm holds the release in
changes_requested (its endorsements stop counting; a re-check does not lift the hold, a moderator does with
`/status R in_review`); under any milder norm (or "other") the release keeps its place and carries the upheld
outcome, which `standing` turns into the status line and badge every surface shows (never green).

`withdrawn` is not `removed`: a removed release is a real release the moderators took down for breaking a
norm; a withdrawn one was never a release (a moderator or its author marked the message "not a release").
It keeps every row (checks, endorsements, flags) but leaves review: no reminders, no endorsements, no
flags, and its prompt says so. Marking the message as a release again brings it back to review.

An automatic move is decided on a count (endorsements, reporters, open flags) that concurrent units of work
change together, so every such decision is made after `Tx.lock_release`: the decider that locks last counts
everything the others wrote. The move itself is a compare-and-set (`Tx.move_release`), so however many
deciders agree, one of them moves and audits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from moderation.kernel.i18n import N_, ngettext, translate
from norms import NormPack
from storage import Release, Tx

__all__ = [
    "CLOSED",
    "HELD_BY_UPHELD",
    "STATES",
    "STATUS_LABELS",
    "TRANSITIONS",
    "UPHELD",
    "Standing",
    "blocking_failures",
    "can_move",
    "flag_severity",
    "quorum_reached",
    "standing",
    "status_label",
    "upheld_move",
]

STATES = (
    "announced",
    "in_review",
    "endorsed",
    "changes_requested",
    "flagged",
    "resolved",
    "removed",
    "withdrawn",
)

TRANSITIONS: dict[str, frozenset[str]] = {
    "announced": frozenset({"in_review", "changes_requested", "flagged", "removed", "withdrawn"}),
    "in_review": frozenset({"endorsed", "changes_requested", "flagged", "removed", "withdrawn"}),
    "changes_requested": frozenset({"in_review", "flagged", "removed", "withdrawn"}),
    "endorsed": frozenset({"in_review", "changes_requested", "flagged", "removed", "withdrawn"}),
    "flagged": frozenset({"resolved", "removed", "in_review", "changes_requested", "endorsed", "withdrawn"}),
    "resolved": frozenset({"in_review", "endorsed", "flagged", "removed", "withdrawn"}),
    "removed": frozenset({"in_review", "withdrawn"}),
    "withdrawn": frozenset({"in_review"}),
}
CLOSED = frozenset({"removed", "withdrawn"})
"""States in which a release takes no endorsements, flags or reviews and shows no buttons."""


def can_move(current: str, target: str) -> bool:
    """Whether the lifecycle allows `current -> target`."""
    return target in TRANSITIONS.get(current, frozenset())


def blocking_failures(outcomes: Sequence[tuple[str, str, str]]) -> list[str]:
    """Norm ids whose severity is `block` and whose outcome is `fail` ((norm, severity, outcome) triples)."""
    return [norm for norm, severity, outcome in outcomes if severity == "block" and outcome == "fail"]


async def quorum_reached(tx: Tx, release: Release, pack: NormPack) -> tuple[bool, int, int]:
    """(reached, counted endorsements, quorum). Only reviewers count unless the pack lets members review."""
    reviewers = {r.lower() for r in pack.review.reviewers}
    members_count = not reviewers or "members" in reviewers or "anyone" in reviewers
    count, blocked = await tx.endorsements.quorum_facts(release.id, reviewers_only=not members_count)
    quorum = pack.review.quorum
    return (count >= quorum and not blocked), count, quorum


UPHELD: dict[str, str | None] = {"block": "changes_requested", "warn": None, "nudge": None, "info": None}
"""What upholding a flag does, by the flagged norm's severity: the state the release moves to, or None (it
keeps its state and carries the upheld outcome). A flag under "other" or a norm the pack no longer has
counts as `warn`: moderators who think it is worse move the release with `/status`."""

HELD_BY_UPHELD = frozenset({"changes_requested"})
"""States that an upheld `block` flag holds: no automatic move lifts them (a moderator's `/status` does)."""


def flag_severity(pack: NormPack, norm_id: str) -> str:
    """The severity a flag under `norm_id` is judged by (`warn` for "other" and unknown norms)."""
    norm = pack.norm(norm_id)
    return norm.severity if norm is not None else "warn"


def upheld_move(severity: str, current: str) -> str | None:
    """The state an upheld flag of `severity` moves a release in `current` to, or None (no move)."""
    target = UPHELD.get(severity)
    if target is None or current in CLOSED or current == target or not can_move(current, target):
        return None
    return target


@dataclass(frozen=True, slots=True)
class Standing:
    """How a release's state is shown: a label and a tone (ok, info, warn, bad, muted) that picks the colour.

    Why apart from the state: an endorsed release with an upheld flag is still endorsed, but it must not be
    shown as a plain green "endorsed"."""

    label: str
    tone: str


_TONES = {
    "announced": "info",
    "in_review": "info",
    "endorsed": "ok",
    "changes_requested": "warn",
    "flagged": "bad",
    "resolved": "muted",
    "removed": "bad",
    "withdrawn": "muted",
}


STATUS_LABELS: dict[str, str] = {
    "announced": N_("announced"),
    "in_review": N_("in review"),
    "endorsed": N_("endorsed"),
    "changes_requested": N_("changes requested"),
    "flagged": N_("flagged"),
    "resolved": N_("resolved"),
    "removed": N_("removed"),
    "withdrawn": N_("withdrawn"),
}


def status_label(status: str) -> str:
    """A release state as people read it, in the current language (`changes requested`)."""
    known = STATUS_LABELS.get(status)
    return translate(known) if known is not None else status.replace("_", " ")


def standing(status: str, upheld: Sequence[str] = ()) -> Standing:
    """The label and tone of a release in `status` with flags upheld under norms of these severities.

    Any upheld flag makes a would-be green or neutral release `warn`, and says so in the label."""
    label = status_label(status)
    tone = _TONES.get(status, "info")
    if upheld:
        n = len(upheld)
        label += " · " + ngettext("{n} upheld flag", "{n} upheld flags", n).format(n=n)
        if tone in ("ok", "info", "muted"):
            tone = "warn"
    return Standing(label, tone)
