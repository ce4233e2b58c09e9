"""Queries for a member's own data: export it (export-my-data) and redact it (forget-me).

Why redact instead of delete: endorsements, flags and reviews are part of other people's records (a release's
quorum, a moderator's decision), so the rows stay and only the personal text in them goes.

What forgetting covers (docs/reliability.md, "Secrets and privacy"): display names; everything the member
wrote (announcement and release texts, flag reasons, notes, detection examples); field values they set with
`/release edit`; on the releases they created or edited, any remaining mention of their display names or of
the e-mail addresses in their texts (fields, model name, norm-check evidence); and the personal values of
audit payloads. The audit chain stays verifiable because personal text enters a payload only through
`storage.audit.personal`, which the chain hashes by a salted digest: redacting drops the text and the salt
and keeps the digest, so no event's hash changes. The handler re-signs claim receipts that named the member.

`Tx.privacy` runs export and redaction in the command's unit of work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import REDACTED, redact_payload
from storage.models import (
    Account,
    Announcement,
    AnnouncementVector,
    Appeal,
    AuditEvent,
    Claim,
    DetectionCorrection,
    Endorsement,
    Flag,
    LinkCode,
    NormCheck,
    NormResult,
    Release,
    Review,
    ReviewAnswer,
)
from storage.repositories.audit_log import AuditLog
from storage.repositories.base import Repository, UnitMemory

__all__ = ["REDACTED", "Privacy", "Redaction"]

# An e-mail address in text a member wrote: forgetting also scrubs it where their releases quote it.
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_WORD = re.compile(r"[^\W_]+")
# Fields whose edited value is free text (redacted to "[redacted]"); list fields become empty; hashes and the
# nsfw flag are structured values, not personal text, and stay.
_TEXT_FIELDS = ("license", "base_model", "model_type", "model_name")
_LIST_FIELDS = ("trigger_words", "parents", "links")


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
    announcement_texts: int = 0
    release_texts: int = 0
    edited_fields: int = 0
    evidence_lines: int = 0
    audit_values: int = 0
    receipts: int = 0
    appeal_texts: int = 0
    appeal_notes: int = 0

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
            "announcement_texts": self.announcement_texts,
            "release_texts": self.release_texts,
            "edited_fields": self.edited_fields,
            "evidence_lines": self.evidence_lines,
            "audit_values": self.audit_values,
            "receipts": self.receipts,
            "appeal_texts": self.appeal_texts,
            "appeal_notes": self.appeal_notes,
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _pattern(needle: str) -> re.Pattern[str] | None:
    """A needle as a loose pattern: its words in order with any punctuation or spacing between them, in any
    case, so "Jane Doe" also finds "jane-doe" (a normalised license id) and "JANE_DOE". None for needles of
    under three letters or digits, which would hit ordinary words."""
    words = _WORD.findall(needle)
    if sum(len(w) for w in words) < 3:
        return None
    return re.compile(r"[\W_]*".join(re.escape(w) for w in words), re.IGNORECASE)


class _Scrubber:
    """Replaces every mention of the member's needles (display names, e-mail addresses, edited values)."""

    def __init__(self, needles: Iterable[str]) -> None:
        unique = sorted({n.strip() for n in needles if n and n.strip() and n.strip() != REDACTED}, key=len)
        compiled = [_pattern(n) for n in reversed(unique)]  # longest first: an e-mail before the name in it
        self.patterns = [p for p in compiled if p is not None]

    def text(self, value: str) -> str:
        for p in self.patterns:
            value = p.sub(REDACTED, value)
        return value

    def mentions(self, value: str) -> bool:
        return any(p.search(value) for p in self.patterns)

    def data(self, value: Any) -> Any:
        """`value` (JSON data) with every string scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value


def _texts(value: Any) -> list[str]:
    """The strings in an audit payload value (plain, or a `personal` value's text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "redactable" in value:
            return [str(value["redactable"])]
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _redact_fields(fields: dict[str, Any], names: set[str]) -> dict[str, Any]:
    out = dict(fields)
    for name in names:
        if name in _TEXT_FIELDS and out.get(name):
            out[name] = REDACTED
        elif name in _LIST_FIELDS and out.get(name):
            out[name] = []
    return out


# How each kind of row appears in an export (`Privacy.export_member`).


def _account_item(a: Account) -> dict[str, Any]:
    return {
        "platform": a.platform,
        "user_id": a.user_id,
        "display_name": a.display_name,
        "redacted": a.redacted,
        "linked_person": a.person_id,
        "first_seen": _iso(a.created_at),
    }


def _release_item(r: Release) -> dict[str, Any]:
    return {"id": f"R{r.id}", "model": r.model_name, "version": r.version, "status": r.status, "at": _iso(r.created_at)}


def _endorsement_item(e: Endorsement) -> dict[str, Any]:
    return {"release": f"R{e.release_id}", "note": e.note, "at": _iso(e.created_at)}


def _flag_item(f: Flag) -> dict[str, Any]:
    return {
        "id": f"F{f.id}",
        "release": f"R{f.release_id}",
        "norm": f.norm_id,
        "reason": f.reason,
        "status": f.status,
        "at": _iso(f.created_at),
    }


def _claim_item(c: Claim) -> dict[str, Any]:
    return {"id": f"C{c.id}", "kind": c.kind, "value": c.value, "at": _iso(c.created_at)}


def _example_item(e: DetectionCorrection) -> dict[str, Any]:
    return {"message": e.message_id, "text": e.text, "is_release": e.is_release, "at": _iso(e.corrected_at)}


def _appeal_item(a: Appeal) -> dict[str, Any]:
    return {
        "id": f"A{a.id}",
        "release": f"R{a.release_id}",
        "decision": a.decision,
        "text": a.text,
        "status": a.status,
        "at": _iso(a.created_at),
    }


def _audit_item(e: AuditEvent) -> dict[str, Any]:
    return {"seq": e.seq, "community": e.community_id, "action": e.action, "subject": e.subject, "at": _iso(e.at)}


class Privacy(Repository):
    """A member's own data: `export_member` (export-my-data) and `redact_member` (forget-me)."""

    __slots__ = ("_audit_log",)

    def __init__(self, session: AsyncSession, memory: UnitMemory, audit_log: AuditLog) -> None:
        super().__init__(session, memory)
        self._audit_log = audit_log  # events queued earlier in the unit of work are exported and redacted too

    async def _member_edits(self, refs: Sequence[str]) -> tuple[dict[int, set[str]], list[str]]:
        """(release id -> fields whose current value the member set with `/release edit`, the values they set).

        The audit log is the record of who set a field: the member's edit counts when it is the latest edit of
        that field of that release (a later edit by someone else replaced their value)."""
        rows = (
            await self.s.execute(
                select(AuditEvent.actor, AuditEvent.subject, AuditEvent.payload)
                .where(AuditEvent.action == "release.edited")
                .order_by(AuditEvent.community_id, AuditEvent.seq)
            )
        ).all()
        last: dict[tuple[int, str], str] = {}
        values: list[str] = []
        for actor, subject, payload in rows:
            if not subject.startswith("R") or not subject[1:].isdigit() or not isinstance(payload, dict):
                continue
            # Two shapes: {"field", "value"} (one `/release edit`, before edits and reposts shared one path) and
            # {"changes": {field: {"from", "to"}}} (every change of a release's content since).
            changes = payload.get("changes")
            fields = (
                {str(k): v.get("to") if isinstance(v, dict) else None for k, v in changes.items()}
                if isinstance(changes, dict)
                else {str(payload.get("field")): payload.get("value")}
            )
            for field, value in fields.items():
                last[(int(subject[1:]), field)] = actor
                if actor in refs:
                    values.extend(_texts(value))
        edits: dict[int, set[str]] = {}
        for (release_id, field), actor in last.items():
            if actor in refs:
                edits.setdefault(release_id, set()).add(field)
        return edits, values

    async def _authored_texts(self, ids: Sequence[int]) -> list[str]:
        """Text the member wrote, read before it is redacted: where e-mail addresses to scrub are found."""
        s = self.s
        out: list[str] = []
        for stmt in (
            select(Announcement.text).where(Announcement.author_id.in_(ids)),
            select(Release.text).where(Release.creator_id.in_(ids)),
            select(Flag.reason).where(Flag.account_id.in_(ids)),
            select(Flag.resolution_note).where(Flag.resolved_by.in_(ids)),
            select(Endorsement.note).where(Endorsement.account_id.in_(ids)),
            select(ReviewAnswer.note)
            .join(Review, Review.id == ReviewAnswer.review_id)
            .where(Review.reviewer_id.in_(ids)),
            select(DetectionCorrection.text).where(DetectionCorrection.author_id.in_(ids)),
            select(Appeal.text).where(Appeal.account_id.in_(ids)),
            select(Appeal.decision_note).where(Appeal.decided_by.in_(ids)),
        ):
            out.extend(t for t in (await s.execute(stmt)).scalars() if t)
        return out

    async def redact_member(self, account_ids: Sequence[int]) -> Redaction:
        """Redact the personal data of these accounts (all accounts of one person) everywhere in the store.

        Display names become "[redacted]" and `redacted` is set so later messages do not bring the name back;
        flag reasons and appeal texts (the columns must not be empty), announcement and release texts and the
        text of their messages kept as detection corrections become "[redacted]"; resolution, appeal-decision,
        endorsement and review notes are blanked; one-time link codes are deleted, and so are the embeddings of
        their announcements (derived from the text). Field values they set with `/release edit` are redacted; on
        the releases they created or edited, remaining mentions of their names and e-mail addresses are scrubbed
        from the fields, the model name and the norm-check evidence. Audit payload values written with
        `personal` are redacted in place (the chain still verifies; see `storage.audit.personal`) when the
        member wrote them or they mention the member. Claim receipts are the handler's job (they need the
        signing key): see `named_receipts`.
        """
        ids = list(account_ids)
        await self._audit_log.write()  # events queued earlier in this unit of work are redacted too
        refs, edits, scrub = await self._redaction_scope(ids)
        counts = await self._redact_names_and_notes(ids)
        counts.update(await self._redact_own_messages(ids))
        edited_fields, evidence = await self._scrub_releases(ids, edits, scrub)
        audit_values = await self._redact_audit(refs, scrub.mentions)
        return Redaction(**counts, edited_fields=edited_fields, evidence_lines=evidence, audit_values=audit_values)

    async def _redaction_scope(self, ids: Sequence[int]) -> tuple[list[str], dict[int, set[str]], _Scrubber]:
        """(actor refs, fields the member set with `/release edit`, the scrubber of their names, e-mail addresses
        and edited values): read before anything is redacted, since the texts they come from are about to go."""
        accounts = list((await self.s.execute(select(Account).where(Account.id.in_(ids)))).scalars())
        refs = [f"{a.platform}:{a.user_id}" for a in accounts]
        edits, edited_values = await self._member_edits(refs)
        authored = await self._authored_texts(ids)
        emails = {m.group(0) for t in (*authored, *edited_values) for m in _EMAIL.finditer(t)}
        names = [a.display_name for a in accounts if not a.redacted]
        return refs, edits, _Scrubber([*names, *emails, *edited_values])

    async def _redact_names_and_notes(self, ids: Sequence[int]) -> dict[str, int]:
        """Display names, and what the member wrote on other people's records (flags, endorsements, reviews,
        appeals): the rows stay, the text goes. Counts keyed as `Redaction`'s fields."""
        s = self.s
        accounts_done = await s.execute(
            update(Account).where(Account.id.in_(ids)).values(display_name=REDACTED, redacted=True)
        )
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
        # Appeals: the text is the appellant's (the column must not be empty), the note the deciding moderator's.
        appeal_texts = await s.execute(
            update(Appeal).where(Appeal.account_id.in_(ids), Appeal.text != REDACTED).values(text=REDACTED)
        )
        appeal_notes = await s.execute(
            update(Appeal)
            .where(Appeal.decided_by.in_(ids), Appeal.decision_note.is_not(None), Appeal.decision_note != "")
            .values(decision_note="")
        )
        return {
            "accounts": _rowcount(accounts_done),
            "flag_reasons": _rowcount(reasons),
            "resolution_notes": _rowcount(resolutions),
            "endorsement_notes": _rowcount(endorsements),
            "review_notes": _rowcount(reviews),
            "appeal_texts": _rowcount(appeal_texts),
            "appeal_notes": _rowcount(appeal_notes),
        }

    async def _redact_own_messages(self, ids: Sequence[int]) -> dict[str, int]:
        """Link codes, and the member's messages: detection examples, announcements (with their embeddings,
        derived from the text) and release texts. Counts keyed as `Redaction`'s fields."""
        s = self.s
        codes = await s.execute(delete(LinkCode).where(LinkCode.account_id.in_(ids)))
        examples = await s.execute(
            update(DetectionCorrection)
            .where(DetectionCorrection.author_id.in_(ids), DetectionCorrection.text != REDACTED)
            .values(text=REDACTED)
        )
        own_announcements = select(Announcement.id).where(Announcement.author_id.in_(ids)).scalar_subquery()
        await s.execute(
            delete(AnnouncementVector)
            .where(AnnouncementVector.announcement_id.in_(own_announcements))
            .execution_options(synchronize_session=False)
        )
        announcements = await s.execute(
            update(Announcement)
            .where(Announcement.author_id.in_(ids), Announcement.text != REDACTED)
            .values(text=REDACTED)
        )
        release_texts = await s.execute(
            update(Release).where(Release.creator_id.in_(ids), Release.text != REDACTED).values(text=REDACTED)
        )
        return {
            "link_codes": _rowcount(codes),
            "correction_texts": _rowcount(examples),
            "announcement_texts": _rowcount(announcements),
            "release_texts": _rowcount(release_texts),
        }

    async def _scrub_releases(
        self, ids: Sequence[int], edits: dict[int, set[str]], scrub: _Scrubber
    ) -> tuple[int, int]:
        """Redact the edited fields and scrub mentions on the member's releases; (fields redacted, evidence lines)."""
        s = self.s
        stmt = select(Release).where((Release.creator_id.in_(ids)) | (Release.id.in_(list(edits))))
        releases = list((await s.execute(stmt)).scalars())
        fields_done = 0
        for release in releases:
            redacted = edits.get(release.id, set())
            before = release.fields_json or {}
            fields = scrub.data(_redact_fields(before, redacted))
            fields_done += sum(1 for name in redacted if before.get(name) != fields.get(name))
            if fields != before:
                release.fields_json = fields
                release.model_type = fields.get("model_type") or None
                release.base_model = fields.get("base_model") or None
            name = REDACTED if "model_name" in redacted else scrub.text(release.model_name)
            if name != release.model_name:
                release.model_name = name[:200]
            key = scrub.text(release.release_key)
            if key != release.release_key:
                release.release_key = key[:300]
        checks = select(NormCheck.id).where(NormCheck.release_id.in_([r.id for r in releases])).scalar_subquery()
        results = list((await s.execute(select(NormResult).where(NormResult.check_id.in_(checks)))).scalars())
        evidence_done = 0
        for result in results:
            text = scrub.text(result.evidence or "")
            if text != (result.evidence or ""):
                result.evidence = text
                evidence_done += 1
        await s.flush()
        return fields_done, evidence_done

    async def _redact_audit(self, refs: Sequence[str], mentions: Callable[[str], bool]) -> int:
        """Redact the `personal` payload values the member wrote (events they are the actor of) or that mention
        them; only events holding such values are read (a text match on the JSON narrows them in SQL)."""
        s = self.s
        stmt = select(AuditEvent).where(cast(AuditEvent.payload, String).like('%"redactable"%'))
        total = 0
        for event in (await s.execute(stmt)).scalars():
            mine = event.actor in refs

            def keep(text: str, mine: bool = mine) -> bool:
                return not mine and not mentions(text)

            payload, n = redact_payload(event.payload, keep)
            if n:
                event.payload = payload
                total += n
        await s.flush()
        return total

    async def named_receipts(self, account_ids: Sequence[int]) -> list[tuple[int, int, dict[str, Any]]]:
        """(claim id, audit seq, receipt) of these accounts' claims whose receipt names its creator: receipts
        signed before receipts stopped carrying display names, which forget-me re-issues without the name."""
        stmt = select(Claim).where(Claim.account_id.in_(list(account_ids)), Claim.receipt.is_not(None))
        out = []
        for claim in (await self.s.execute(stmt)).scalars():
            receipt = claim.receipt or {}
            creator = receipt.get("creator")
            if isinstance(creator, dict) and "name" in creator and claim.audit_seq is not None:
                out.append((claim.id, claim.audit_seq, dict(receipt)))
        return out

    async def export_member(
        self, account_ids: Sequence[int], actor_refs: Sequence[str], *, limit: int = 200
    ) -> dict[str, Any]:
        """Everything the store holds about these accounts, as JSON-ready data, newest `limit` rows per kind.

        `actor_refs` (`platform:user_id`) find the member's audit events, which name actors that way. Each list
        says how many rows exist in total so a cut list is visible as such.
        """
        ids = list(account_ids)
        await self._audit_log.write()  # events appended earlier in this unit of work belong in the export
        stmt = select(Account).where(Account.id.in_(ids)).order_by(Account.id)
        accounts = (await self.s.execute(stmt)).scalars()
        section = self._export_section
        return {
            "accounts": [_account_item(a) for a in accounts],
            "releases": await section(Release, Release.creator_id, ids, limit, _release_item),
            "endorsements": await section(Endorsement, Endorsement.account_id, ids, limit, _endorsement_item),
            "flags": await section(Flag, Flag.account_id, ids, limit, _flag_item),
            "reviews": await self._export_reviews(ids, limit),
            "claims": await section(Claim, Claim.account_id, ids, limit, _claim_item),
            "detection_examples": await section(
                DetectionCorrection, DetectionCorrection.author_id, ids, limit, _example_item
            ),
            "appeals": await section(Appeal, Appeal.account_id, ids, limit, _appeal_item),
            "audit_events": await section(AuditEvent, AuditEvent.actor, list(actor_refs), limit, _audit_item),
        }

    async def _newest(self, model: Any, owner: Any, keys: Sequence[int | str], limit: int) -> list[Any]:
        """The newest `limit` rows of `model` whose `owner` column is one of `keys`."""
        stmt = select(model).where(owner.in_(keys)).order_by(model.id.desc()).limit(limit)
        return list((await self.s.execute(stmt)).scalars())

    async def _total(self, model: Any, owner: Any, keys: Sequence[int | str]) -> int:
        """How many rows of `model` belong to `keys`: an export's list says it when `limit` cut it."""
        stmt = select(func.count()).select_from(model).where(owner.in_(keys))
        return int((await self.s.execute(stmt)).scalar_one())

    async def _export_section(
        self,
        model: Any,
        owner: Any,
        keys: Sequence[int | str],
        limit: int,
        item: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        """One list of the export: {"total", "items"}, the newest `limit` rows each shown by `item`."""
        rows = await self._newest(model, owner, keys, limit)
        return {"total": await self._total(model, owner, keys), "items": [item(r) for r in rows]}

    async def _export_reviews(self, ids: Sequence[int], limit: int) -> dict[str, Any]:
        """The reviews list: unlike the other lists, each review carries its answers (one query per review)."""
        items: list[dict[str, Any]] = []
        for review in await self._newest(Review, Review.reviewer_id, ids, limit):
            stmt = select(ReviewAnswer).where(ReviewAnswer.review_id == review.id).order_by(ReviewAnswer.id)
            answers = (await self.s.execute(stmt)).scalars()
            items.append(
                {
                    "release": f"R{review.release_id}",
                    "at": _iso(review.updated_at),
                    "answers": {a.norm_id: {"answer": a.answer, "note": a.note} for a in answers},
                }
            )
        return {"total": await self._total(Review, Review.reviewer_id, ids), "items": items}
