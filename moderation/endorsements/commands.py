"""Endorsements: /endorse and /unendorse (and the prompt's Endorse button)."""

from __future__ import annotations

from typing import Any

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import AlreadyDone
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
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
    Param("note", N_("An optional note for the creator"), "text", required=False, rest=True, max_length=500),
    button="endorse",
)
async def endorse(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """One endorsement per member; the creator cannot endorse their own release."""
    release = await inv.target_release(args.get("release"))
    open_for_review(release, _("endorsements"))
    mine = await not_own(inv, release, _("endorse"))
    if await inv.tx.endorsements.endorsed_by_any(release.id, mine):
        raise AlreadyDone(
            _("You already endorsed {ref} (from this or a linked account).").format(ref=release_ref(release))
        )
    by_reviewer = inv.privilege >= Privilege.REVIEWER
    if not await inv.tx.endorsements.add(
        release.id, inv.account.id, args.get("note", ""), inv.now, by_reviewer=by_reviewer
    ):
        raise AlreadyDone(_("You already endorsed {ref}.").format(ref=release_ref(release)))
    inv.services.stats["endorsements"] += 1
    await inv.audit("endorsement.added", release_ref(release), {"account": inv.account.id})
    await inv.tx.releases.lock(release)  # counted under the lock: simultaneous endorsements reach the quorum
    reached, count, quorum = await quorum_reached(inv.tx, release, inv.pack)
    just_endorsed = False
    if reached and release.status == "in_review" and await set_status(inv.tx, release, "endorsed", inv.now):
        await inv.tx.jobs.cancel("review_reminder", str(release.id))
        await inv.tx.jobs.cancel("review_deadline", str(release.id))
        await inv.audit("release.endorsed", release_ref(release), {"endorsements": count}, actor="normbot")
        just_endorsed = True
    text = _("Thanks! Endorsements on {ref}: {count}.").format(
        ref=release_ref(release), count=endorsement_text(count, quorum, release.status)
    )
    if just_endorsed:
        text += " " + _("It is now endorsed. 🎉")
    with inv.public():
        refreshed = await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing)
    return [Reply(Card(_("Endorsed"), text), ephemeral=True), *refreshed]


@command("unendorse", N_("Withdraw your endorsement"), RELEASE)
async def unendorse(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Withdrawing may drop an endorsed release back to review."""
    release = await inv.target_release(args.get("release"))
    if not await inv.tx.endorsements.remove(release.id, await inv.person_accounts()):
        raise AlreadyDone(_("You had not endorsed {ref}.").format(ref=release_ref(release)))
    await inv.audit("endorsement.removed", release_ref(release), {"account": inv.account.id})
    await inv.tx.releases.lock(release)
    reached, count, quorum = await quorum_reached(inv.tx, release, inv.pack)
    if release.status == "endorsed" and not reached:
        await set_status(inv.tx, release, "in_review", inv.now)
    text = _("{ref} endorsements: {count}.").format(
        ref=release_ref(release), count=endorsement_text(count, quorum, release.status)
    )
    with inv.public():
        refreshed = await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing)
    return [Reply(Card(_("Endorsement withdrawn"), text), ephemeral=True), *refreshed]
