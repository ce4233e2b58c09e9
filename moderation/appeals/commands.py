"""Appeals: `/appeal R12 <why>` by a release's creator; `/grant A3 [note]` and `/deny A3 [note]` (and the Grant /
Deny buttons on the mod log and the moderators' notice) by moderators. The behaviour is in `deciding.py`, which
the registry's moderator form uses too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from moderation.appeals.deciding import decide, file_appeal
from moderation.kernel.actions import Action
from moderation.kernel.buttons import ButtonPayload
from moderation.kernel.commands import Param, button, command
from moderation.kernel.errors import UserError
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import BadValue, Converter, ReleaseRef, Text
from moderation.kernel.permissions import Privilege
from moderation.releases.guards import RELEASE

__all__: list[str] = []

_APPEAL_ID = re.compile(r"(?:[Aa]|#)?([0-9]{1,18})")


@dataclass(frozen=True, slots=True)
class AppealRef:
    """An appeal named by its id (`A3`); whether it exists in this community is `decide`'s question."""

    id: int

    def __str__(self) -> str:
        return f"A{self.id}"


class AppealRefConverter(Converter[AppealRef]):
    """`A3`, `#3` or `3`: the feature's own converter, so the kernel needs no word of appeals."""

    kind: ClassVar[str] = "appeal"
    example = "A3"

    def parse(self, raw: str) -> AppealRef:
        m = _APPEAL_ID.fullmatch(raw.strip())
        if m is None:
            raise BadValue(
                N_('"{name}" should be an id like {example}, not {value}.'), example=self.example, value=repr(raw[:30])
            )
        return AppealRef(int(m.group(1)))


_APPEAL = Param("appeal", N_("The appeal id, like A3 (see /queue)"), AppealRefConverter())
_NOTE = Param("note", N_("Why (the creator reads it)"), Text(500), required=False)


@command(
    "appeal",
    N_("Ask the moderators to look again at a decision on your release"),
    RELEASE,
    Param("text", N_("Why the decision should change"), Text(1000)),
    examples=("/appeal R12 the base model is named in the second line",),
)
async def appeal(inv: Invocation, *, release: ReleaseRef | None, text: str) -> list[Action]:
    """After an upheld flag, a request for changes or a removal; one open appeal per decision."""
    return await file_appeal(inv, await inv.target_release(release), text)


@command("grant", N_("Grant an appeal: the decision is reversed"), _APPEAL, _NOTE, privilege=Privilege.MODERATOR)
async def grant(inv: Invocation, *, appeal: AppealRef, note: str | None) -> list[Action]:
    """Moderators only; deciding twice is refused, not repeated."""
    return await decide(inv, appeal.id, "granted", note or "")


@command("deny", N_("Deny an appeal: the decision stands"), _APPEAL, _NOTE, privilege=Privilege.MODERATOR)
async def deny(inv: Invocation, *, appeal: AppealRef, note: str | None) -> list[Action]:
    """Moderators only; deciding twice is refused, not repeated."""
    return await decide(inv, appeal.id, "denied", note or "")


@button("grant", "deny")
async def decide_from_buttons(inv: Invocation, payload: ButtonPayload) -> list[Action]:
    """The Grant / Deny buttons decide the appeal their payload names, as /grant and /deny would."""
    if payload.flag_id is None:
        raise UserError(_("This button is not valid any more."))
    outcome = "granted" if payload.action == "grant" else "denied"
    return await decide(inv, payload.flag_id, outcome, "decided with the buttons")
