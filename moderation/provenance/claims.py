"""Claims with signed receipts, and the *possible re-upload* alert.

A claim says "this account published this hash or link at this time". Recording one appends an audit event
first, so the receipt can name the claim's place in the tamper-evident log (community, seq, event hash),
then signs the receipt with the community key and stores it on the claim row.

A later announcement by a different person with the same file hash (full, AutoV2 or tensor-only), the same
model link, or near-identical text produces *evidence* for people: a DM to the earlier creator and a card in
the moderators' chat with both claims side by side. Nothing is decided automatically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moderation.kernel.actions import Action, Card, DirectMessage, Send
from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import _
from moderation.provenance.keys import KeyProblem, KeyStore
from moderation.provenance.receipts import iso_time, sign_receipt
from moderation.provenance.values import ClaimValue
from moderation.releases.cards import clip, release_ref, title_of
from storage import Account, Claim, Release, Tx

__all__ = ["RecordedClaim", "ReuploadMatch", "alert_actions", "claim_matches", "record_claim", "record_claims"]


async def record_claim(
    tx: Tx,
    keys: KeyStore,
    *,
    community_id: int,
    community_slug: str,
    account: Account,
    value: ClaimValue,
    release: Release | None,
    announcement_id: int | None,
    source: str,
    now: datetime,
) -> RecordedClaim | None:
    """Record and sign one claim; None when this account had already claimed this value here."""
    recorded, problem = await record_claims(
        tx,
        keys,
        community_id=community_id,
        community_slug=community_slug,
        account=account,
        values=[value],
        release=release,
        announcement_id=announcement_id,
        source=source,
        now=now,
    )
    if problem is not None:
        raise problem
    return recorded[0] if recorded else None


async def record_claims(
    tx: Tx,
    keys: KeyStore,
    *,
    community_id: int,
    community_slug: str,
    account: Account,
    values: Sequence[ClaimValue],
    release: Release | None,
    announcement_id: int | None,
    source: str,
    now: datetime,
) -> tuple[list[RecordedClaim], KeyProblem | None]:
    """Record several claims of one publication: one INSERT for all, an audit event each, then the receipts.

    Returns the claims that are new (values this account had claimed here before are skipped) and the key
    problem that kept receipts from being signed, if any: the claims stand without receipts, because the
    claim itself matters more than its receipt.
    """
    if not values:
        return [], None
    rows = _claim_rows(community_id, account, values, release, announcement_id, now)
    inserted = {(kind, value): claim_id for claim_id, kind, value in await tx.claims.add_many(rows)}
    actor = f"{account.platform}:{account.user_id}"
    problem: KeyProblem | None = None
    claims: list[RecordedClaim] = []
    for v in values:
        claim_id = inserted.get((v.kind, v.value))
        if claim_id is None:
            continue
        seq, digest = await tx.audit_log.append_now(
            community_id,
            actor=actor,
            action="claim.recorded",
            subject=f"C{claim_id}",
            payload={"kind": v.kind, "value": v.value, "release": release.id if release else None, "source": source},
            at=now,
        )
        receipt: dict[str, Any] | None = None
        if problem is None:  # after one failure the key is not tried again for the other claims
            body = _receipt_body(community_id, community_slug, account, claim_id, v, release, now, seq, digest)
            try:
                receipt = sign_receipt(body, keys)
            except KeyProblem as exc:
                problem = exc
        claims.append(RecordedClaim(claim_id, v.kind, v.value, seq, receipt))
    await tx.claims.set_receipts([(c.id, c.audit_seq, c.receipt) for c in claims])
    return claims, problem


def _claim_rows(
    community_id: int,
    account: Account,
    values: Sequence[ClaimValue],
    release: Release | None,
    announcement_id: int | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """The claim rows for `tx.claims.add_many`: no audit place or receipt yet (they need the row's id)."""
    return [
        {
            "community_id": community_id,
            "account_id": account.id,
            "release_id": release.id if release else None,
            "announcement_id": announcement_id,
            "kind": v.kind,
            "value": v.value,
            "audit_seq": None,
            "receipt": None,
            "created_at": now,
        }
        for v in values
    ]


def _receipt_body(
    community_id: int,
    community_slug: str,
    account: Account,
    claim_id: int,
    value: ClaimValue,
    release: Release | None,
    now: datetime,
    seq: int,
    digest: str,
) -> dict[str, Any]:
    """What a claim's receipt signs: the claim and its place in the audit log (community, seq, event hash)."""
    return {
        "community": {"id": community_id, "slug": community_slug},
        # No display name: a receipt must not carry what forget-me erases (docs/provenance.md).
        "creator": {"account": f"{account.platform}:{account.user_id}", "person": account.person_id},
        "claim": {"id": claim_id, "kind": value.kind, "value": value.value},
        "claimed_at": iso_time(now),
        "release": release_ref(release) if release else None,
        "audit": {
            "community_id": community_id,
            "seq": seq,
            "hash": digest,
        },
    }


@dataclass(frozen=True, slots=True)
class RecordedClaim:
    """A claim just recorded: its id, place in the audit log and signed receipt (None if signing failed)."""

    id: int
    kind: str
    value: str
    audit_seq: int
    receipt: dict[str, Any] | None


@dataclass
class ReuploadMatch:
    """What one earlier publication has in common with the new one. `earlier` is None for header-only
    evidence (the file's own metadata names someone else), which goes to moderators only."""

    earlier: Release | None
    earlier_account: Account | None
    earlier_at: datetime | None
    evidence: list[str] = field(default_factory=list)
    earlier_claims: list[Claim] = field(default_factory=list)


async def claim_matches(
    tx: Tx, community_id: int, values: Sequence[ClaimValue], same_person: set[int], release_id: int | None
) -> dict[int, ReuploadMatch]:
    """Earlier claims by other people on the same values, grouped by the earlier account."""
    found = await tx.claims.matching(community_id, [(v.kind, v.value) for v in values])
    out: dict[int, ReuploadMatch] = {}
    for c in found:
        if c.account_id in same_person or (release_id is not None and c.release_id == release_id):
            continue
        m = out.get(c.account_id)
        if m is None:
            earlier = await tx.releases.get(community_id, c.release_id) if c.release_id else None
            m = out[c.account_id] = ReuploadMatch(earlier, await tx.accounts.get(c.account_id), c.created_at)
        m.earlier_claims.append(c)
        kind = c.kind.replace("_", "-")
        short = clip(c.value, 80) if c.kind == "link" or len(c.value) <= 24 else f"{c.value[:12]}…"
        m.evidence.append(
            _("same {kind} {value} (claim {claim}, {at})").format(
                kind=kind, value=short, claim=f"C{c.id}", at=iso_time(c.created_at)[:16].replace("T", " ")
            )
        )
    return out


def _side(release: Release | None, account: Account | None, at: datetime | None, claims: Sequence[str]) -> str:
    who = clip(account.display_name, 40) if account else "?"
    what = f"{release_ref(release)} {title_of(release)}" if release else _("(no release)")
    when = iso_time(at)[:16].replace("T", " ") + " UTC" if at else "?"
    text = _("{what} by {who}, {when}").format(what=what, who=who, when=when)
    if claims:
        text += "; " + _("claims: {claims}").format(claims=", ".join(claims[:4]))
    return clip(text, 400)


def alert_actions(
    match: ReuploadMatch,
    *,
    later: Release | None,
    later_account: Account,
    later_claims: Sequence[str],
    now: datetime,
    mod_chats: Sequence[ChatRef],
) -> list[Action]:
    """The moderators' card with both sides, and a DM to the earlier creator (when there is one)."""
    earlier_labels = [f"C{c.id} {c.kind.replace('_', '-')}" for c in match.earlier_claims]
    later_side = _side(later, later_account, now, later_claims)
    later_label = f"{release_ref(later)} ({title_of(later)})" if later else _("A claim made with /claim")
    if match.earlier is None and match.earlier_account is None:
        title = "⚠️ " + _("{later}: its file disagrees with the announcement").format(later=later_label)
        fields: tuple[tuple[str, str], ...] = ((_("Announcement"), later_side),)
    else:
        earlier_ref = release_ref(match.earlier) if match.earlier else _("an earlier claim")
        title = "⚠️ " + _("Possible re-upload: {later} matches {earlier}").format(later=later_label, earlier=earlier_ref)
        fields = (
            (_("Earlier"), _side(match.earlier, match.earlier_account, match.earlier_at, earlier_labels)),
            (_("Later"), later_side),
        )
    body = _("Evidence:") + "\n" + "\n".join(f"• {clip(e, 200)}" for e in match.evidence[:10])
    footer = _("Evidence for people to weigh, not a verdict. Receipts: /claim, normbot claim receipt <hash|link>.")
    card = Card(title, body, fields, status="flagged", footer=footer)
    actions: list[Action] = [Send(chat, card) for chat in mod_chats]
    if match.earlier_account is not None:
        dm = Card(
            _("Someone may have re-uploaded your model"),
            body,
            fields,
            footer=_("The moderators have the same evidence; nothing has been decided. Reply to them if it is yours."),
        )
        actions.append(DirectMessage(match.earlier_account.platform, match.earlier_account.user_id, dm))
    return actions
