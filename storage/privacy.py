"""Queries for a member's own data: export it (export-my-data) and redact it (forget-me).

Why redact instead of delete: endorsements, flags and reviews are part of other people's records (a release's
quorum, a moderator's decision), so the rows stay and only the personal text in them goes. The audit chain is
never touched here: rewriting a hashed row would break the chain, and the chain must stay verifiable; the
handler records the redaction itself as a new audit event instead.

Functions take the caller's `Tx` so export and redaction run in the command's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

from storage.models import (
    Account,
    AuditEvent,
    Claim,
    DetectionCorrection,
    Endorsement,
    Flag,
    LinkCode,
    Release,
    Review,
    ReviewAnswer,
)

if TYPE_CHECKING:
    from storage.tx import Tx

__all__ = ["REDACTED", "Redaction", "export_member", "redact_member"]

REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class Redaction:
    """What `redact_member` changed, as counts (the audit event records these, never the old text)."""

    accounts: int
    flag_reasons: int
    resolution_notes: int
    endorsement_notes: int
    review_notes: int
    link_codes: int
    correction_texts: int = 0

    def as_payload(self) -> dict[str, int]:
        """Counts only: an audit payload must not carry the text it removed."""
        return {
            "accounts": self.accounts,
            "flag_reasons": self.flag_reasons,
            "resolution_notes": self.resolution_notes,
            "endorsement_notes": self.endorsement_notes,
            "review_notes": self.review_notes,
            "link_codes": self.link_codes,
            "correction_texts": self.correction_texts,
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


async def redact_member(tx: Tx, account_ids: Sequence[int]) -> Redaction:
    """Redact the personal text of these accounts (all accounts of one person) everywhere outside the audit log.

    Display names become "[redacted]" and `redacted` is set so later messages do not bring the name back;
    flag reasons (the column must not be empty) become "[redacted]"; resolution notes they wrote as a
    moderator, endorsement notes and review notes are blanked; one-time link codes are deleted; the text of
    their messages kept as detection corrections (labelled examples) becomes "[redacted]".
    """
    ids = list(account_ids)
    s = tx.s
    accounts = await s.execute(update(Account).where(Account.id.in_(ids)).values(display_name=REDACTED, redacted=True))
    reasons = await s.execute(
        update(Flag).where(Flag.account_id.in_(ids), Flag.reason != REDACTED).values(reason=REDACTED)
    )
    resolutions = await s.execute(
        update(Flag)
        .where(Flag.resolved_by.in_(ids), Flag.resolution_note.is_not(None), Flag.resolution_note != "")
        .values(resolution_note="")
    )
    endorsements = await s.execute(
        update(Endorsement).where(Endorsement.account_id.in_(ids), Endorsement.note != "").values(note="")
    )
    review_ids = select(Review.id).where(Review.reviewer_id.in_(ids)).scalar_subquery()
    reviews = await s.execute(
        update(ReviewAnswer)
        .where(ReviewAnswer.review_id.in_(review_ids), ReviewAnswer.note != "")
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    codes = await s.execute(delete(LinkCode).where(LinkCode.account_id.in_(ids)))
    examples = await s.execute(
        update(DetectionCorrection)
        .where(DetectionCorrection.author_id.in_(ids), DetectionCorrection.text != REDACTED)
        .values(text=REDACTED)
    )
    return Redaction(
        accounts=int(accounts.rowcount),  # type: ignore[attr-defined]
        flag_reasons=int(reasons.rowcount),  # type: ignore[attr-defined]
        resolution_notes=int(resolutions.rowcount),  # type: ignore[attr-defined]
        endorsement_notes=int(endorsements.rowcount),  # type: ignore[attr-defined]
        review_notes=int(reviews.rowcount),  # type: ignore[attr-defined]
        link_codes=int(codes.rowcount),  # type: ignore[attr-defined]
        correction_texts=int(examples.rowcount),  # type: ignore[attr-defined]
    )


async def export_member(
    tx: Tx, account_ids: Sequence[int], actor_refs: Sequence[str], *, limit: int = 200
) -> dict[str, Any]:
    """Everything the store holds about these accounts, as JSON-ready data, newest `limit` rows per kind.

    `actor_refs` (`platform:user_id`) find the member's audit events, which name actors that way. Each list
    says how many rows exist in total so a cut list is visible as such.
    """
    ids = list(account_ids)
    await tx.write_audit()  # events appended earlier in this unit of work belong in the export
    s = tx.s

    async def total(model: Any, column: Any) -> int:
        stmt = select(func.count()).select_from(model).where(column.in_(ids))
        return int((await s.execute(stmt)).scalar_one())

    accounts = list((await s.execute(select(Account).where(Account.id.in_(ids)).order_by(Account.id))).scalars())
    releases = (
        await s.execute(select(Release).where(Release.creator_id.in_(ids)).order_by(Release.id.desc()).limit(limit))
    ).scalars()
    endorsements = (
        await s.execute(
            select(Endorsement).where(Endorsement.account_id.in_(ids)).order_by(Endorsement.id.desc()).limit(limit)
        )
    ).scalars()
    flags = (
        await s.execute(select(Flag).where(Flag.account_id.in_(ids)).order_by(Flag.id.desc()).limit(limit))
    ).scalars()
    review_rows = (
        await s.execute(select(Review).where(Review.reviewer_id.in_(ids)).order_by(Review.id.desc()).limit(limit))
    ).scalars()
    reviews: list[dict[str, Any]] = []
    for review in review_rows:
        answers = (
            await s.execute(select(ReviewAnswer).where(ReviewAnswer.review_id == review.id).order_by(ReviewAnswer.id))
        ).scalars()
        reviews.append(
            {
                "release": f"R{review.release_id}",
                "at": _iso(review.updated_at),
                "answers": {a.norm_id: {"answer": a.answer, "note": a.note} for a in answers},
            }
        )
    claims = (
        await s.execute(select(Claim).where(Claim.account_id.in_(ids)).order_by(Claim.id.desc()).limit(limit))
    ).scalars()
    examples = (
        await s.execute(
            select(DetectionCorrection)
            .where(DetectionCorrection.author_id.in_(ids))
            .order_by(DetectionCorrection.id.desc())
            .limit(limit)
        )
    ).scalars()
    refs = list(actor_refs)
    audit_total = int(
        (await s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor.in_(refs)))).scalar_one()
    )
    audit = (
        await s.execute(
            select(AuditEvent).where(AuditEvent.actor.in_(refs)).order_by(AuditEvent.id.desc()).limit(limit)
        )
    ).scalars()
    return {
        "accounts": [
            {
                "platform": a.platform,
                "user_id": a.user_id,
                "display_name": a.display_name,
                "redacted": a.redacted,
                "linked_person": a.person_id,
                "first_seen": _iso(a.created_at),
            }
            for a in accounts
        ],
        "releases": {
            "total": await total(Release, Release.creator_id),
            "items": [
                {
                    "id": f"R{r.id}",
                    "model": r.model_name,
                    "version": r.version,
                    "status": r.status,
                    "at": _iso(r.created_at),
                }
                for r in releases
            ],
        },
        "endorsements": {
            "total": await total(Endorsement, Endorsement.account_id),
            "items": [{"release": f"R{e.release_id}", "note": e.note, "at": _iso(e.created_at)} for e in endorsements],
        },
        "flags": {
            "total": await total(Flag, Flag.account_id),
            "items": [
                {
                    "id": f"F{f.id}",
                    "release": f"R{f.release_id}",
                    "norm": f.norm_id,
                    "reason": f.reason,
                    "status": f.status,
                    "at": _iso(f.created_at),
                }
                for f in flags
            ],
        },
        "reviews": {"total": await total(Review, Review.reviewer_id), "items": reviews},
        "claims": {
            "total": await total(Claim, Claim.account_id),
            "items": [{"id": f"C{c.id}", "kind": c.kind, "value": c.value, "at": _iso(c.created_at)} for c in claims],
        },
        "detection_examples": {
            "total": await total(DetectionCorrection, DetectionCorrection.author_id),
            "items": [
                {"message": e.message_id, "text": e.text, "is_release": e.is_release, "at": _iso(e.corrected_at)}
                for e in examples
            ],
        },
        "audit_events": {
            "total": audit_total,
            "items": [
                {"seq": e.seq, "community": e.community_id, "action": e.action, "subject": e.subject, "at": _iso(e.at)}
                for e in audit
            ],
        },
    }
