"""Reputation: what a person has made and done, shown by `/profile`; most-credited models for the digest.

Numbers, not a score: releases, endorsements received, derivatives that credit their models, reviews and
endorsements given, flags upheld against their releases, and flags they filed that moderators upheld.
Endorsements received also get a *decayed* figure, each counting `0.5 ** (age / half_life)` (half-life 90
days by default), so a creator's standing reflects recent work without erasing old work. Everything is
summed over the person's linked accounts, so reputation follows the person across platforms.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from moderation.kernel.actions import Card
from moderation.kernel.i18n import _
from moderation.provenance.lineage import LineageIndex
from moderation.releases.cards import clip
from storage import Account, Tx

__all__ = ["DEFAULT_HALF_LIFE", "Profile", "decayed", "most_credited", "profile_card", "profile_of"]

DEFAULT_HALF_LIFE = timedelta(days=90)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def decayed(times: list[datetime], now: datetime, half_life: timedelta) -> float:
    """Sum of `0.5 ** (age / half_life)`; events in the future count fully."""
    hl = half_life.total_seconds()
    if hl <= 0:
        return float(len(times))
    return float(sum(0.5 ** (max((now - _aware(t)).total_seconds(), 0.0) / hl) for t in times))


@dataclass(frozen=True, slots=True)
class Profile:
    """One person's record in numbers."""

    name: str
    accounts: tuple[str, ...]
    releases: int
    endorsements_received: int
    endorsements_decayed: float
    credited_by: int
    reviews_given: int
    endorsements_given: int
    flags_upheld_against: int
    flags_filed_upheld: int
    claims: int


async def profile_of(
    tx: Tx, account: Account, community_id: int, now: datetime, half_life: timedelta = DEFAULT_HALF_LIFE
) -> Profile:
    """Gather a person's numbers (credits within the community; the rest across the store)."""
    ids = await tx.accounts.of_person(account)
    accounts: list[str] = []
    for i in ids:
        acc = await tx.accounts.get(i)
        if acc is not None:
            accounts.append(f"{acc.platform}:{clip(acc.display_name, 30)}")
    times = await tx.endorsements.times_for_creator(ids)
    index = await LineageIndex.load(tx, community_id)
    mine = {rid for rid, r in index.releases.items() if r.creator_id in ids}
    credited = {child for rid in mine for child, _ in index.children.get(rid, ()) if child not in mine}
    return Profile(
        name=account.display_name,
        accounts=tuple(sorted(accounts)),
        releases=await tx.releases.count_by(ids),
        endorsements_received=len(times),
        endorsements_decayed=round(decayed(times, now, half_life), 2),
        credited_by=len(credited),
        reviews_given=await tx.reviews.count_given(ids),
        endorsements_given=await tx.endorsements.count_given(ids),
        flags_upheld_against=await tx.flags.count_upheld(ids, against=True),
        flags_filed_upheld=await tx.flags.count_upheld(ids, against=False),
        claims=len(await tx.claims.by_accounts(ids)),
    )


def profile_card(p: Profile, half_life: timedelta) -> Card:
    """The `/profile` reply."""
    days = round(half_life.total_seconds() / 86400)
    fields = (
        (_("Releases"), str(p.releases)),
        (
            _("Endorsements received"),
            _("{n} ({decayed} with a {days}-day half-life)").format(
                n=p.endorsements_received, decayed=f"{p.endorsements_decayed:g}", days=days
            ),
        ),
        (_("Credited by"), _("{n} derivative release(s)").format(n=p.credited_by)),
        (_("Claims (signed)"), str(p.claims)),
        (_("Reviews given"), str(p.reviews_given)),
        (_("Endorsements given"), str(p.endorsements_given)),
        (_("Flags upheld against their releases"), str(p.flags_upheld_against)),
        (_("Flags they filed that were upheld"), str(p.flags_filed_upheld)),
    )
    return Card(
        _("Profile of {name}").format(name=clip(p.name, 60)),
        _("Accounts: {accounts}").format(accounts=", ".join(p.accounts)),
        fields,
    )


async def most_credited(tx: Tx, community_id: int, since: datetime, top: int = 3) -> list[str]:
    """Digest lines: the models most credited by releases announced since `since`."""
    new = {r.id for r in await tx.releases.since(community_id, since)}
    if not new:
        return []
    index = await LineageIndex.load(tx, community_id)
    counts: Counter[int] = Counter()
    for rid in new:
        for parent, _relation in index.parents.get(rid, ()):
            counts[parent] += 1
    lines = []
    for parent, n in counts.most_common(top):
        r = index.releases[parent]
        creator = index.creators.get(r.creator_id)
        who = clip(creator.display_name, 40) if creator else "?"
        lines.append(
            "🔗 "
            + _("Most credited: {ref} {name} by {who} ({n} new derivative(s))").format(
                ref=f"R{r.id}", name=clip(r.model_name, 50), who=who, n=n
            )
        )
    return lines
