"""The release lifecycle as an explicit state machine.

    announced ──> in_review ──> endorsed
         │            │  ▲          │
         ▼            ▼  │          ▼
    changes_requested ──> flagged ──> resolved
                     └──────────────> removed (moderators; restorable to in_review)

    any state ──> withdrawn ──> in_review    ("not a release": the detector was wrong; /markrelease restores)

Automatic moves: a failed `block` norm -> changes_requested; a fixed release -> in_review; quorum reached ->
endorsed; distinct flags reaching the pack's threshold -> flagged; the last open flag resolved -> resolved (if any
flag was upheld) or back to review. Moderators may make any move the table allows with `/status`.

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

from norms import NormPack
from storage import Release, Tx

__all__ = ["CLOSED", "STATES", "TRANSITIONS", "blocking_failures", "can_move", "quorum_reached"]

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
    count, blocked = await tx.quorum_facts(release.id, reviewers_only=not members_count)
    quorum = pack.review.quorum
    return (count >= quorum and not blocked), count, quorum
