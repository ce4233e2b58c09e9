"""Checks shared by the commands members use on a release (endorse, flag, review): not on your own release,
and only while it is open."""

from __future__ import annotations

from moderation.kernel.commands import Param
from moderation.kernel.errors import BadArgument, NotPermitted
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import ReleaseRef
from moderation.releases.cards import release_ref
from storage import Release

__all__ = ["RELEASE", "not_own", "open_for_review"]

RELEASE = Param("release", N_("The release id, like R12 (or reply to its announcement)"), ReleaseRef, required=False)


async def not_own(inv: Invocation, release: Release, what: str) -> list[int]:
    """Refuse the creator's person; returns the actor's accounts (the caller's next check needs them too)."""
    mine = await inv.person_accounts()
    if release.creator_id in mine:
        raise NotPermitted(_("You can't {what} your own release.").format(what=what))
    return mine


def open_for_review(release: Release, taking: str) -> None:
    """Endorsements, reviews and flags are for releases in review; a closed one (`lifecycle.CLOSED`) refuses
    them with a reply that says what happened to it and how it can come back. Its existing rows are kept.

    Why flags too: a removed release is already taken down, so a new flag has nothing left to decide; it
    would only sit in the moderators' queue and escalate. Before, flags were accepted there (issue 21).
    """
    ref = release_ref(release)
    if release.status == "removed":
        raise BadArgument(
            _("{ref} was removed by the moderators, so it takes no new {taking}.").format(ref=ref, taking=taking),
            hint=_(
                "If it comes back (a moderator can move it back to review with /status {ref} in_review), "
                "you can send them again. See why: /release show {ref}"
            ).format(ref=ref),
        )
    if release.status == "withdrawn":
        raise BadArgument(
            _("{ref} was withdrawn: it was marked as not a release, so it takes no new {taking}.").format(
                ref=ref, taking=taking
            ),
            hint=_("Marked by mistake? A moderator or its author can reply to it with /markrelease."),
        )
