"""Reviews: /review answers a release's review questions (and the prompt's Review form)."""

from __future__ import annotations

import re

from moderation.kernel.actions import Action, Card, Choice, Form, FormField, OpenForm, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import BadArgument
from moderation.kernel.i18n import N_, _, localized
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import ReleaseRef, Text
from moderation.kernel.permissions import Privilege
from moderation.releases.cards import clip, release_ref
from moderation.releases.guards import RELEASE, not_own, open_for_review

__all__ = ["YES_NO_NA"]

ANSWER = re.compile(r"([a-z0-9][a-z0-9._-]{0,99})=(yes|no|na)", re.IGNORECASE)
YES_NO_NA = (Choice("yes", "Yes"), Choice("no", "No"), Choice("na", "N.A. (does not apply)"))


def yes_no_na() -> tuple[Choice, ...]:
    """The checklist's answers in the current language (values stay yes, no, na)."""
    return (Choice("yes", _("Yes")), Choice("no", _("No")), Choice("na", _("N.A. (does not apply)")))


@command(
    "review",
    N_("Answer the review checklist: /review R12 norm-id=yes|no|na … [note]"),
    RELEASE,
    Param(
        "answers",
        N_("Answers like harm-real-person=no, then an optional note"),
        Text(2000),
        required=False,
    ),
    button="review",
)
async def review(inv: Invocation, *, release: ReleaseRef | None, answers: str | None) -> list[Action]:
    """One checklist per reviewer (answers can be revised); without answers, shows the checklist."""
    target = await inv.target_release(release)
    open_for_review(target, _("reviews"))
    await not_own(inv, target, _("review"))
    reviewers = {r.lower() for r in inv.pack.review.reviewers}
    if reviewers and not reviewers & {"members", "anyone"}:
        inv.require(Privilege.REVIEWER, _("review releases here"))
    questions = inv.pack.questions()
    raw = answers or ""
    pairs = ANSWER.findall(raw)
    if not pairs:
        if not questions:
            return [
                Reply(Card(_("No checklist"), _("This community's norms have no review questions.")), ephemeral=True)
            ]
        return [
            OpenForm(
                Form(
                    "review",
                    _("Review {ref}").format(ref=release_ref(target)),
                    release_ref(target),
                    (
                        *(FormField(q.id, localized(q.question or q.title) or q.id, yes_no_na()) for q in questions),
                        FormField("_note", _("A note for the creator (optional)"), required=False, long=True),
                    ),
                )
            )
        ]
    known = {q.id for q in questions}
    unknown = [n for n, _answer in pairs if n.lower() not in known]
    if unknown:
        raise BadArgument(
            _("{name} is not a checklist question.").format(name=repr(clip(unknown[0], 40))),
            hint=_("Questions: {names}").format(names=", ".join(sorted(known))),
        )
    note = clip(ANSWER.sub("", raw), 500)
    given = {n.lower(): (a.lower(), note) for n, a in pairs}
    _review, created = await inv.tx.reviews.upsert(target.id, inv.account.id, given, inv.now)
    await inv.audit(
        "review.submitted" if created else "review.revised", release_ref(target), {k: v[0] for k, v in given.items()}
    )
    summary = ", ".join(f"{k}={v[0]}" for k, v in given.items())
    return [
        Reply(
            Card(_("Review recorded") if created else _("Review updated"), f"{release_ref(target)}: {summary}"),
            ephemeral=True,
        )
    ]
