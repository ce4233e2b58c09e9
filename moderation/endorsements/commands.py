"""Endorsements: /endorse and /unendorse (and the prompt's Endorse button)."""

from __future__ import annotations

from typing import Any

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import AlreadyDone
from moderation.kernel.invocation import Invocation
from moderation.kernel.permissions import Privilege
from moderation.releases.cards import endorsement_text, release_ref
from moderation.releases.guards import RELEASE, not_own, open_for_review
from moderation.releases.lifecycle import quorum_reached
from moderation.releases.reviewing import refresh_prompts, set_status

__all__: list[str] = []


@command(
    "endorse",
    "Endorse a release (+1) so it can reach its review quorum",
    RELEASE,
    Param("note", "An optional note for the creator", "text", required=False, rest=True, max_length=500),
    button="endorse",
)
async def endorse(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """One endorsement per member; the creator cannot endorse their own release."""
    release = await inv.target_release(args.get("release"))
    open_for_review(release, "endorsements")
    mine = await not_own(inv, release, "endorse")
    if await inv.tx.endorsed_by_any(release.id, mine):
        raise AlreadyDone(f"You already endorsed {release_ref(release)} (from this or a linked account).")
    by_reviewer = inv.privilege >= Privilege.REVIEWER
    if not await inv.tx.add_endorsement(
        release.id, inv.account.id, args.get("note", ""), inv.now, by_reviewer=by_reviewer
    ):
        raise AlreadyDone(f"You already endorsed {release_ref(release)}.")
    inv.services.stats["endorsements"] += 1
    await inv.audit("endorsement.added", release_ref(release), {"account": inv.account.id})
    await inv.tx.lock_release(release)  # counted under the lock: simultaneous endorsements reach the quorum
    reached, count, quorum = await quorum_reached(inv.tx, release, inv.pack)
    just_endorsed = False
    if reached and release.status == "in_review" and await set_status(inv.tx, release, "endorsed", inv.now):
        await inv.tx.cancel_jobs("review_reminder", str(release.id))
        await inv.tx.cancel_jobs("review_deadline", str(release.id))
        await inv.audit("release.endorsed", release_ref(release), {"endorsements": count}, actor="normbot")
        just_endorsed = True
    text = f"Thanks! Endorsements on {release_ref(release)}: {endorsement_text(count, quorum, release.status)}."
    if just_endorsed:
        text += " It is now endorsed. 🎉"
    return [
        Reply(Card("Endorsed", text), ephemeral=True),
        *await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing),
    ]


@command("unendorse", "Withdraw your endorsement", RELEASE)
async def unendorse(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Withdrawing may drop an endorsed release back to review."""
    release = await inv.target_release(args.get("release"))
    if not await inv.tx.remove_endorsement(release.id, await inv.person_accounts()):
        raise AlreadyDone(f"You had not endorsed {release_ref(release)}.")
    await inv.audit("endorsement.removed", release_ref(release), {"account": inv.account.id})
    await inv.tx.lock_release(release)
    reached, count, quorum = await quorum_reached(inv.tx, release, inv.pack)
    if release.status == "endorsed" and not reached:
        await set_status(inv.tx, release, "in_review", inv.now)
    return [
        Reply(
            Card(
                "Endorsement withdrawn",
                f"{release_ref(release)} endorsements: {endorsement_text(count, quorum, release.status)}.",
            ),
            ephemeral=True,
        ),
        *await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing),
    ]
