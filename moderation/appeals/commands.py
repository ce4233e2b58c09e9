"""Appeals: `/appeal R12 <why>` by a release's creator; `/grant A3 [note]` and `/deny A3 [note]` (and the Grant /
Deny buttons on the mod log and the moderators' notice) by moderators. The behaviour is in `deciding.py`, which
the registry's moderator form uses too."""

from __future__ import annotations

from typing import Any

from moderation.appeals.deciding import decide, file_appeal, parse_appeal_id
from moderation.kernel.actions import Action
from moderation.kernel.buttons import ButtonPayload
from moderation.kernel.commands import Param, button, command
from moderation.kernel.errors import UserError
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
from moderation.kernel.permissions import Privilege
from moderation.releases.guards import RELEASE

__all__: list[str] = []

_APPEAL = Param("appeal", N_("The appeal id, like A3 (see /queue)"), "word")
_NOTE = Param("note", N_("Why (the creator reads it)"), "text", required=False, rest=True, max_length=500)


@command(
    "appeal",
    N_("Ask the moderators to look again at a decision on your release"),
    RELEASE,
    Param("text", N_("Why the decision should change"), "text", rest=True, max_length=1000),
    examples=("/appeal R12 the base model is named in the second line",),
)
async def appeal(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """After an upheld flag, a request for changes or a removal; one open appeal per decision."""
    release = await inv.target_release(args.get("release"))
    return await file_appeal(inv, release, args.get("text", ""))


@command("grant", N_("Grant an appeal: the decision is reversed"), _APPEAL, _NOTE, privilege=Privilege.MODERATOR)
async def grant(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Moderators only; deciding twice is refused, not repeated."""
    return await decide(inv, parse_appeal_id(args["appeal"]), "granted", args.get("note", ""))


@command("deny", N_("Deny an appeal: the decision stands"), _APPEAL, _NOTE, privilege=Privilege.MODERATOR)
async def deny(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Moderators only; deciding twice is refused, not repeated."""
    return await decide(inv, parse_appeal_id(args["appeal"]), "denied", args.get("note", ""))


@button("grant", "deny")
async def decide_from_buttons(inv: Invocation, payload: ButtonPayload) -> list[Action]:
    """The Grant / Deny buttons decide the appeal their payload names, as /grant and /deny would."""
    if payload.flag_id is None:
        raise UserError(_("This button is not valid any more."))
    outcome = "granted" if payload.action == "grant" else "denied"
    return await decide(inv, payload.flag_id, outcome, "decided with the buttons")
