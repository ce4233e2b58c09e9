"""Reviews: /review answers a release's review questions (and the prompt's Review form)."""

from __future__ import annotations

import re

from moderation.kernel.actions import Action, Card, Choice, Form, FormField, OpenForm, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import BadArgument
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import ReleaseRef, Text
from moderation.kernel.permissions import Privilege
from moderation.releases.cards import clip, release_ref
from moderation.releases.guards import RELEASE, not_own, open_for_review

__all__ = ["YES_NO_NA"]

ANSWER = re.compile(r"([a-z0-9][a-z0-9._-]{0,99})=(yes|no|na)", re.IGNORECASE)
YES_NO_NA = (Choice("yes", "Yes"), Choice("no", "No"), Choice("na", "N.A. (does not apply)"))


@command(
    "review",
    "Answer the review checklist: /review R12 norm-id=yes|no|na … [note]",
    RELEASE,
    Param(
        "answers",
        "Answers like harm-real-person=no, then an optional note",
        Text(2000),
        required=False,
    ),
    button="review",
)
async def review(inv: Invocation, *, release: ReleaseRef | None, answers: str | None) -> list[Action]:
    """One checklist per reviewer (answers can be revised); without answers, shows the checklist."""
    target = await inv.target_release(release)
    open_for_review(target, "reviews")
    await not_own(inv, target, "review")
    reviewers = {r.lower() for r in inv.pack.review.reviewers}
    if reviewers and not reviewers & {"members", "anyone"}:
        inv.require(Privilege.REVIEWER, "review releases here")
    questions = inv.pack.questions()
    raw = answers or ""
    pairs = ANSWER.findall(raw)
    if not pairs:
        if not questions:
            return [Reply(Card("No checklist", "This community's norms have no review questions."), ephemeral=True)]
        return [
            OpenForm(
                Form(
                    "review",
                    f"Review {release_ref(target)}",
                    release_ref(target),
                    (
                        *(FormField(q.id, q.question or q.title, YES_NO_NA) for q in questions),
                        FormField("_note", "A note for the creator (optional)", required=False, long=True),
                    ),
                )
            )
        ]
    known = {q.id for q in questions}
    unknown = [n for n, _ in pairs if n.lower() not in known]
    if unknown:
        raise BadArgument(
            f"{clip(unknown[0], 40)!r} is not a checklist question.", hint="Questions: " + ", ".join(sorted(known))
        )
    note = clip(ANSWER.sub("", raw), 500)
    given = {n.lower(): (a.lower(), note) for n, a in pairs}
    _, created = await inv.tx.upsert_review(target.id, inv.account.id, given, inv.now)
    await inv.audit(
        "review.submitted" if created else "review.revised", release_ref(target), {k: v[0] for k, v in given.items()}
    )
    summary = ", ".join(f"{k}={v[0]}" for k, v in given.items())
    return [
        Reply(
            Card("Review recorded" if created else "Review updated", f"{release_ref(target)}: {summary}"),
            ephemeral=True,
        )
    ]
