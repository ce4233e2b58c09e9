"""Endorsements: /endorse and /unendorse (and the prompt's Endorse button)."""

from __future__ import annotations

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import AlreadyDone
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import ReleaseRef, Text
from moderation.kernel.permissions import Privilege
from moderation.releases.cards import endorsement_text, release_ref
from moderation.releases.guards import RELEASE, not_own, open_for_review
from moderation.releases.lifecycle import quorum_reached
from moderation.releases.reviewing import refresh_prompts, set_status

__all__: list[str] = []


@command(
    "endorse",
    N_("Endorse a release (+1) so it can reach its review quorum"),
    RELEASE,
    Param("note", N_("An optional note for the creator"), Text(500), required=False),
    button="endorse",
)
async def endorse(inv: Invocation, *, release: ReleaseRef | None, note: str | None) -> list[Action]:
    """One endorsement per member; the creator cannot endorse their own release."""
    target = await inv.target_release(release)
    open_for_review(target, _("endorsements"))
    mine = await not_own(inv, target, _("endorse"))
    if await inv.tx.endorsements.endorsed_by_any(target.id, mine):
        raise AlreadyDone(
            _("You already endorsed {ref} (from this or a linked account).").format(ref=release_ref(target))
        )
    by_reviewer = inv.privilege >= Privilege.REVIEWER
    if not await inv.tx.endorsements.add(target.id, inv.account.id, (note or ""), inv.now, by_reviewer=by_reviewer):
        raise AlreadyDone(_("You already endorsed {ref}.").format(ref=release_ref(target)))
    inv.services.stats["endorsements"] += 1
    await inv.audit("endorsement.added", release_ref(target), {"account": inv.account.id})
    await inv.tx.releases.lock(target)  # counted under the lock: simultaneous endorsements reach the quorum
    reached, count, quorum = await quorum_reached(inv.tx, target, inv.pack)
    just_endorsed = False
    if reached and target.status == "in_review" and await set_status(inv.tx, target, "endorsed", inv.now):
        await inv.tx.jobs.cancel("review_reminder", str(target.id))
        await inv.tx.jobs.cancel("review_deadline", str(target.id))
        await inv.audit("release.endorsed", release_ref(target), {"endorsements": count}, actor="normbot")
        just_endorsed = True
    text = _("Thanks! Endorsements on {ref}: {count}.").format(
        ref=release_ref(target), count=endorsement_text(count, quorum, target.status)
    )
    if just_endorsed:
        text += " " + _("It is now endorsed. 🎉")
    with inv.public():
        refreshed = await refresh_prompts(inv.tx, target, inv.pack, phrasing=inv.services.phrasing)
    return [Reply(Card(_("Endorsed"), text), ephemeral=True), *refreshed]


@command("unendorse", N_("Withdraw your endorsement"), RELEASE)
async def unendorse(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Withdrawing may drop an endorsed release back to review."""
    target = await inv.target_release(release)
    if not await inv.tx.endorsements.remove(target.id, await inv.person_accounts()):
        raise AlreadyDone(_("You had not endorsed {ref}.").format(ref=release_ref(target)))
    await inv.audit("endorsement.removed", release_ref(target), {"account": inv.account.id})
    await inv.tx.releases.lock(target)
    reached, count, quorum = await quorum_reached(inv.tx, target, inv.pack)
    if target.status == "endorsed" and not reached:
        await set_status(inv.tx, target, "in_review", inv.now)
    text = _("{ref} endorsements: {count}.").format(
        ref=release_ref(target), count=endorsement_text(count, quorum, target.status)
    )
    with inv.public():
        refreshed = await refresh_prompts(inv.tx, target, inv.pack, phrasing=inv.services.phrasing)
    return [Reply(Card(_("Endorsement withdrawn"), text), ephemeral=True), *refreshed]
