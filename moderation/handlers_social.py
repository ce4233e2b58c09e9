"""Commands members use on releases: endorse, unendorse, flag, review, whyflagged; and moderators' resolve."""

from __future__ import annotations

import re
from typing import Any

from moderation import buttons
from moderation.actions import Action, Button, Card, Choice, Edit, Form, FormField, OpenForm, Reply, Send
from moderation.buttons import ButtonPayload
from moderation.commands import Param, button, command
from moderation.errors import AlreadyDone, BadArgument, NotFound, NotPermitted, RateLimited, UserError
from moderation.events import ChatRef
from moderation.invocation import Invocation
from moderation.jobs import chats_for, schedule_flag_escalation
from moderation.lifecycle import flag_severity, quorum_reached, upheld_move
from moderation.permissions import Privilege
from moderation.redaction import redacting_logger
from moderation.render import clip, endorsement_text, flag_line, release_ref, title_of
from moderation.reviewing import NEXT_STEPS, held_by_upheld, notify_creator, refresh_prompts, set_status
from storage import Flag, Release, personal

__all__ = ["OTHER", "YES_NO_NA", "flag_choices", "flag_form", "resolve_flag"]

log = redacting_logger("normbot.flags")

RELEASE = Param("release", "The release id, like R12 (or reply to its announcement)", "release", required=False)
ANSWER = re.compile(r"([a-z0-9][a-z0-9._-]{0,99})=(yes|no|na)", re.IGNORECASE)


async def _not_own(inv: Invocation, release: Release, what: str) -> list[int]:
    """Refuse the creator's person; returns the actor's accounts (the caller's next check needs them too)."""
    mine = await inv.person_accounts()
    if release.creator_id in mine:
        raise NotPermitted(f"You can't {what} your own release.")
    return mine


def _open_for_review(release: Release, taking: str) -> None:
    """Endorsements, reviews and flags are for releases in review; a closed one (`lifecycle.CLOSED`) refuses
    them with a reply that says what happened to it and how it can come back. Its existing rows are kept.

    Why flags too: a removed release is already taken down, so a new flag has nothing left to decide; it
    would only sit in the moderators' queue and escalate. Before, flags were accepted there (issue 21).
    """
    ref = release_ref(release)
    if release.status == "removed":
        raise BadArgument(
            f"{ref} was removed by the moderators, so it takes no new {taking}.",
            hint=f"If it comes back (a moderator can move it back to review with /status {ref} in_review), "
            f"you can send them again. See why: /release show {ref}",
        )
    if release.status == "withdrawn":
        raise BadArgument(
            f"{ref} was withdrawn: it was marked as not a release, so it takes no new {taking}.",
            hint="Marked by mistake? A moderator or its author can reply to it with /markrelease.",
        )


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
    _open_for_review(release, "endorsements")
    mine = await _not_own(inv, release, "endorse")
    if await inv.tx.endorsements.endorsed_by_any(release.id, mine):
        raise AlreadyDone(f"You already endorsed {release_ref(release)} (from this or a linked account).")
    by_reviewer = inv.privilege >= Privilege.REVIEWER
    if not await inv.tx.endorsements.add(
        release.id, inv.account.id, args.get("note", ""), inv.now, by_reviewer=by_reviewer
    ):
        raise AlreadyDone(f"You already endorsed {release_ref(release)}.")
    inv.core.stats["endorsements"] += 1
    await inv.audit("endorsement.added", release_ref(release), {"account": inv.account.id})
    await inv.tx.releases.lock(release)  # counted under the lock: simultaneous endorsements reach the quorum
    reached, count, quorum = await quorum_reached(inv.tx, release, inv.pack)
    just_endorsed = False
    if reached and release.status == "in_review" and await set_status(inv.tx, release, "endorsed", inv.now):
        await inv.tx.jobs.cancel("review_reminder", str(release.id))
        await inv.tx.jobs.cancel("review_deadline", str(release.id))
        await inv.audit("release.endorsed", release_ref(release), {"endorsements": count}, actor="normbot")
        just_endorsed = True
    text = f"Thanks! Endorsements on {release_ref(release)}: {endorsement_text(count, quorum, release.status)}."
    if just_endorsed:
        text += " It is now endorsed. 🎉"
    return [
        Reply(Card("Endorsed", text), ephemeral=True),
        *await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.core.phrasing),
    ]


@command("unendorse", "Withdraw your endorsement", RELEASE)
async def unendorse(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Withdrawing may drop an endorsed release back to review."""
    release = await inv.target_release(args.get("release"))
    if not await inv.tx.endorsements.remove(release.id, await inv.person_accounts()):
        raise AlreadyDone(f"You had not endorsed {release_ref(release)}.")
    await inv.audit("endorsement.removed", release_ref(release), {"account": inv.account.id})
    await inv.tx.releases.lock(release)
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
        *await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.core.phrasing),
    ]


OTHER = Choice("other", "Other: a problem no norm names", "Say what it is in the reason", pinned=True)
YES_NO_NA = (Choice("yes", "Yes"), Choice("no", "No"), Choice("na", "N.A. (does not apply)"))


def flag_choices(inv: Invocation) -> tuple[Choice, ...]:
    """Every norm of the pack by title (its need and severity as the hint), then "Other" (offered on every
    page where a platform pages them). Chosen by title, sent as the norm id: nothing to type, no typo."""
    norms = tuple(Choice(n.id, clip(n.title, 100), f"{n.need}, {n.severity} · {n.id}") for n in inv.pack.norms)
    return (*norms, OTHER)


@button("flag")
async def flag_button(inv: Invocation, payload: ButtonPayload) -> list[Action]:
    """The prompt's Flag button opens the flag form for its release."""
    return await flag_form(inv, f"R{payload.release_id}")


@button("uphold", "dismiss", "penalise")
async def decide_from_alert(inv: Invocation, payload: ButtonPayload) -> list[Action]:
    """The moderators' alert buttons decide the flag their payload names, as `/resolve` would."""
    inv.require(Privilege.MODERATOR, "decide on flags")
    if payload.flag_id is None:
        raise UserError("This button is not valid any more.")
    outcome = "upheld" if payload.action == "uphold" else "dismissed"
    note = "dismissed; reporter penalised" if payload.action == "penalise" else "decided with the alert buttons"
    values = {"flag": str(payload.flag_id), "outcome": outcome, "note": note}
    return await resolve_flag(inv, values, penalise=payload.action == "penalise")


async def flag_form(inv: Invocation, ref: str) -> list[Action]:
    """The Flag button: pick the norm among the pack's norms (by title), then write the reason."""
    release = await inv.target_release(ref)
    _open_for_review(release, "flags")
    return [
        OpenForm(
            Form(
                "flag",
                f"Flag {release_ref(release)}",
                release_ref(release),
                (
                    FormField("norm", f"Which norm does {release_ref(release)} break?", flag_choices(inv)),
                    FormField(
                        "reason", "What is wrong? (moderators see this; your name is not shown publicly)", long=True
                    ),
                ),
            )
        )
    ]


@command(
    "flag",
    "Report that a release breaks a norm (moderators decide)",
    RELEASE,
    Param("norm", "The norm it breaks (see /norms), or 'other'", "norm"),
    Param("reason", "What is wrong, in a sentence", "text", rest=True, max_length=1000),
    examples=("/flag R12 credit-base-model no base model named",),
)
async def flag(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """One flag per member per release per norm, with a reason, within the pack's rate limit."""
    release = await inv.target_release(args.get("release"))
    _open_for_review(release, "flags")
    norm_id = args["norm"].lower()
    if norm_id != "other" and inv.pack.norm(norm_id) is None:
        raise BadArgument(f"There is no norm {clip(norm_id, 40)!r} in this community.", hint="See /norms for the ids.")
    reason = args.get("reason", "").strip()
    if not reason:
        raise BadArgument("A flag needs a reason.", hint="Usage: /flag [release] <norm> <reason…>")
    settings = inv.pack.review
    mine = await inv.person_accounts()
    recent = await inv.tx.flags.count_since(mine, inv.now - settings.flag_rate_per)
    if recent >= settings.flag_rate_count:
        raise RateLimited(f"You have filed {recent} flags recently; please wait before filing more.")
    if await inv.tx.flags.flagged_by_any(release.id, mine, norm_id):
        raise AlreadyDone(
            f"You already flagged {release_ref(release)} under {norm_id} (from this or a linked account)."
        )
    row = await inv.tx.flags.add(release.id, inv.account.id, norm_id, reason, inv.now)
    if row is None:
        raise AlreadyDone(f"You already flagged {release_ref(release)} under {norm_id}.")
    inv.core.stats["flags"] += 1
    log.info("flag F%s filed", row.id, extra={"community": inv.community.slug, "release": release_ref(release)})
    await inv.audit("flag.filed", f"F{row.id}", {"release": release.id, "norm": norm_id})
    await schedule_flag_escalation(inv.tx, row.id, inv.community_id, inv.pack, inv.now)
    actions: list[Action] = [
        Reply(
            Card(
                "Flag recorded",
                f"F{row.id} on {release_ref(release)} ({norm_id}). "
                "Moderators will look at it; your name is not shown publicly.",
            ),
            ephemeral=True,
            private=True,
        )
    ]
    await inv.tx.releases.lock(release)  # counted under the lock: simultaneous flags reach the threshold
    open_flags = await inv.tx.flags.of_release(release.id, "open")
    # People, not accounts: one person's flags from linked accounts are one reporter.
    people = await inv.tx.accounts.person_keys([f.account_id for f in open_flags])
    reporters = {people.get(f.account_id, -f.account_id) for f in open_flags}
    if len(reporters) >= settings.flag_threshold:
        # A release an upheld `block` flag holds stays held: flagging it would let dismissals lift the hold.
        held = await held_by_upheld(inv.tx, release, inv.pack)
        if not held and release.status != "flagged" and await set_status(inv.tx, release, "flagged", inv.now):
            await inv.audit("release.flagged", release_ref(release), {"reporters": len(reporters)}, actor="normbot")
        actions.extend(await moderator_alert(inv, release, open_flags))
    actions.extend(await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.core.phrasing))
    return actions


def _status_line(release: Release, before: str, still_open: int) -> str:
    state = release.status.replace("_", " ")
    if release.status != before:
        return f"{release_ref(release)} is now {state}."
    waiting = f"; {still_open} flag{'s' if still_open != 1 else ''} still open" if still_open else ""
    return f"{release_ref(release)} stays {state}{waiting}."


async def moderator_alert(inv: Invocation, release: Release, open_flags: list[Flag]) -> list[Action]:
    """One alert per release for moderators, edited in place as flags arrive or are decided."""
    lines = [flag_line(f) for f in open_flags[:10]]
    card = Card(
        f"🚩 {release_ref(release)} ({title_of(release)}) has {len(open_flags)} open flags",
        "\n".join(lines),
        status=release.status,
        footer="Decide with the buttons or /resolve F<id> upheld|dismissed <note>.",
    )
    if not open_flags:
        card = Card(
            f"✅ Every flag on {release_ref(release)} ({title_of(release)}) is decided",
            f"Status: {release.status.replace('_', ' ')}. Details: /whyflagged {release_ref(release)}",
            status=release.status,
        )
    btns: list[Button] = []
    for f in open_flags[:3]:
        btns += [
            Button(f"Uphold F{f.id}", buttons.encode("uphold", release.id, f.id), "danger"),
            Button(f"Dismiss F{f.id}", buttons.encode("dismiss", release.id, f.id), "secondary"),
            Button(f"Penalise F{f.id}", buttons.encode("penalise", release.id, f.id), "secondary"),
        ]
    posted = await inv.tx.posted.under_key(f"alert:{release.id}")
    if posted:
        return [Edit(ChatRef(p.platform, p.chat_id, p.thread_id), p.message_id, card, tuple(btns)) for p in posted]
    return [
        Send(chat, card, tuple(btns), key=f"alert:{release.id}")
        for chat in chats_for(inv.community, "mod", "review", "releases")
    ]


@command(
    "resolve",
    "Decide a flag: upheld or dismissed, with a note",
    Param("flag", "The flag id, like F7", "flag"),
    Param("outcome", "upheld or dismissed", choices=("upheld", "dismissed")),
    Param("note", "Why (shown to the creator)", "text", rest=True, max_length=500),
    privilege=Privilege.MODERATOR,
)
async def resolve(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Moderators only; resolving twice is refused, not repeated."""
    return await resolve_flag(inv, args, penalise=False)


async def resolve_flag(inv: Invocation, args: dict[str, Any], *, penalise: bool) -> list[Action]:
    """Shared by `/resolve` and the alert buttons."""
    inv.require(Privilege.MODERATOR, "resolve flags")
    flag_id = int(str(args["flag"]).lstrip("Ff#"))
    row = await inv.tx.flags.get(inv.community_id, flag_id)
    if row is None:
        raise NotFound(f"There is no flag F{flag_id} in this community.")
    outcome = args["outcome"]
    if not await inv.tx.flags.resolve(
        flag_id, status=outcome, by=inv.account.id, note=args.get("note", ""), penalise=penalise, at=inv.now
    ):
        raise AlreadyDone(f"F{flag_id} was already {row.status}.")
    await inv.audit(
        f"flag.{outcome}", f"F{flag_id}", {"penalised": penalise, "note": personal(args.get("note", "")[:200])}
    )
    await inv.tx.reload(row)
    release = await inv.tx.releases.get(inv.community_id, row.release_id)
    assert release is not None
    await inv.tx.releases.lock(release)  # the last flags decided at once: one of the deciders sees none open
    open_flags = await inv.tx.flags.of_release(release.id, "open")
    before = release.status
    severity = flag_severity(inv.pack, row.norm_id)
    target = upheld_move(severity, release.status) if outcome == "upheld" else None
    if target is not None:
        await set_status(inv.tx, release, target, inv.now)
    elif not open_flags and release.status == "flagged":
        # Every flag is decided and none held it: back to where review left it, unless the check blocks it.
        if await inv.tx.norm_checks.blocking_norms(release.id):
            await set_status(inv.tx, release, "changes_requested", inv.now)
        else:
            reached, _, _ = await quorum_reached(inv.tx, release, inv.pack)
            await set_status(inv.tx, release, "endorsed" if reached else "in_review", inv.now)
    if release.status != before:
        await inv.audit(
            "release.status",
            release_ref(release),
            {"from": before, "to": release.status, "flag": f"F{flag_id}", "severity": severity},
            actor="normbot",
        )
    effect = _effect_line(outcome, severity, release.status, before)
    actions: list[Action] = [
        Reply(
            Card(
                f"F{flag_id} {outcome}",
                f"{effect} {_status_line(release, before, len(open_flags))} The creator has been told.",
            ),
            ephemeral=False,
        )
    ]
    if await inv.tx.posted.under_key(f"alert:{release.id}"):
        actions.extend(await moderator_alert(inv, release, open_flags))
    actions.extend(
        await notify_creator(
            inv.tx,
            release,
            _decision_card(inv, release, row, outcome, severity, effect, args.get("note", "")),
            actor_ids=frozenset(await inv.person_accounts()),
        )
    )
    actions.extend(await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.core.phrasing))
    return actions


def _effect_line(outcome: str, severity: str, status: str, before: str) -> str:
    """What deciding the flag did to the release, in words (lifecycle `UPHELD`)."""
    if outcome != "upheld":
        return "Dismissed: it does not count against the release."
    target = upheld_move(severity, "in_review")
    if target is not None and status == target:
        if status != before:
            return f"Upheld under a {severity} norm: the release needs changes, and its endorsements stop counting."
        return f"Upheld under a {severity} norm: the release still needs changes; its endorsements do not count."
    return f"Upheld under a {severity} norm: the release keeps its status and shows the upheld flag."


def _decision_card(
    inv: Invocation, release: Release, flag: Flag, outcome: str, severity: str, effect: str, note: str
) -> Card:
    """The creator's message about a decided flag: the norm in words, the moderator's reason, what it did,
    what they can do next. Never who filed the flag."""
    ref = release_ref(release)
    norm = inv.pack.norm(flag.norm_id)
    name = f"{clip(norm.title, 80)} ({flag.norm_id}, {severity})" if norm else f"{flag.norm_id} ({severity})"
    lines = [
        f"Norm: {name}",
        f"Moderator's reason: {clip(note, 300) or 'none given'}",
        effect,
        f"Status: {release.status.replace('_', ' ')}.",
    ]
    if outcome == "upheld":
        if norm is not None and norm.fix:
            lines.append(f"How to meet the norm: {clip(norm.fix, 200)}")
        lines.append(
            "What you can do: " + NEXT_STEPS.get(release.status, NEXT_STEPS["changes_requested"]).format(ref=ref)
        )
        lines.append("Disagree? There is no appeal command yet: ask a moderator in the community's chat.")
    else:
        lines.append("Nothing to do about this flag.")
    return Card(
        f"A flag on your release {ref} ({title_of(release)}) was {outcome}",
        "\n".join(lines),
        status=release.status,
        footer=f"All flags on it and how they were decided: /whyflagged {ref}",
    )


@command(
    "review",
    "Answer the review checklist: /review R12 norm-id=yes|no|na … [note]",
    RELEASE,
    Param(
        "answers",
        "Answers like harm-real-person=no, then an optional note",
        "text",
        required=False,
        rest=True,
        max_length=2000,
    ),
    button="review",
)
async def review(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """One checklist per reviewer (answers can be revised); without answers, shows the checklist."""
    release = await inv.target_release(args.get("release"))
    _open_for_review(release, "reviews")
    await _not_own(inv, release, "review")
    reviewers = {r.lower() for r in inv.pack.review.reviewers}
    if reviewers and not reviewers & {"members", "anyone"}:
        inv.require(Privilege.REVIEWER, "review releases here")
    questions = inv.pack.questions()
    raw = args.get("answers", "") or ""
    pairs = ANSWER.findall(raw)
    if not pairs:
        if not questions:
            return [Reply(Card("No checklist", "This community's norms have no review questions."), ephemeral=True)]
        return [
            OpenForm(
                Form(
                    "review",
                    f"Review {release_ref(release)}",
                    release_ref(release),
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
    answers = {n.lower(): (a.lower(), note) for n, a in pairs}
    _, created = await inv.tx.reviews.upsert(release.id, inv.account.id, answers, inv.now)
    await inv.audit(
        "review.submitted" if created else "review.revised", release_ref(release), {k: v[0] for k, v in answers.items()}
    )
    summary = ", ".join(f"{k}={v[0]}" for k, v in answers.items())
    return [
        Reply(
            Card("Review recorded" if created else "Review updated", f"{release_ref(release)}: {summary}"),
            ephemeral=True,
        )
    ]


@command("whyflagged", "See the flags on your own releases and how they were decided", RELEASE)
async def whyflagged(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Creators see flags on their releases (never who filed them); moderators may ask about any release."""
    mine = await inv.person_accounts()
    if args.get("release") or inv.reply_to:
        release = await inv.target_release(args.get("release"))
        if release.creator_id not in mine and inv.privilege < Privilege.MODERATOR:
            raise NotPermitted("You can only see the flags on your own releases.")
        flags = await inv.tx.flags.of_release(release.id)
    else:
        flags = [f for f in await inv.tx.flags.against_creator(mine)]
    if not flags:
        return [Reply(Card("No flags", "None of these releases has been flagged."), ephemeral=True, private=True)]
    lines = [f"R{f.release_id} " + flag_line(f) for f in flags[:25]]
    return [Reply(Card("Flags on your releases", "\n".join(lines)), ephemeral=True, private=True)]
