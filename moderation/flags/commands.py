"""Flags: /flag (and the prompt's Flag form), the moderators' alert, /resolve (Uphold / Dismiss / Penalise) and
/whyflagged."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.jobs import schedule_flag_escalation
from moderation.kernel import buttons
from moderation.kernel.actions import Action, Button, Card, Choice, Edit, Form, FormField, OpenForm, Reply, Send
from moderation.kernel.buttons import ButtonPayload
from moderation.kernel.commands import Param, button, command
from moderation.kernel.community import chats_for
from moderation.kernel.errors import AlreadyDone, BadArgument, NotFound, NotPermitted, RateLimited, UserError
from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import N_, _, localized, ngettext, translate
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import FlagRef, NormId, OneOf, ReleaseRef, Text
from moderation.kernel.permissions import Privilege
from moderation.kernel.redaction import redacting_logger
from moderation.releases.cards import clip, flag_line, flag_status_label, release_ref, severity_label, title_of
from moderation.releases.guards import RELEASE, open_for_review
from moderation.releases.lifecycle import flag_severity, quorum_reached, status_label, upheld_move
from moderation.releases.reviewing import NEXT_STEPS, held_by_upheld, notify_creator, refresh_prompts, set_status
from storage import Flag, Release, personal

__all__ = ["OTHER", "flag_choices", "flag_form", "resolve_flag"]

log = redacting_logger("normbot.flags")


def other_choice() -> Choice:
    """The flag form's way out, in the current language."""
    return Choice("other", _("Other: a problem no norm names"), _("Say what it is in the reason"), pinned=True)


OTHER = other_choice()  # its value and place are what matter; forms build it in the reader's language


def flag_choices(inv: Invocation) -> tuple[Choice, ...]:
    """Every norm of the pack by title (its need and severity as the hint), then "Other" (offered on every
    page where a platform pages them). Chosen by title, sent as the norm id: nothing to type, no typo."""
    norms = tuple(
        Choice(n.id, clip(localized(n.title), 100), f"{n.need}, {severity_label(n.severity)} · {n.id}")
        for n in inv.pack.norms
    )
    return (*norms, other_choice())


@button("flag")
async def flag_button(inv: Invocation, payload: ButtonPayload) -> list[Action]:
    """The prompt's Flag button opens the flag form for its release."""
    return await flag_form(inv, ReleaseRef(payload.release_id))


@button("uphold", "dismiss", "penalise")
async def decide_from_alert(inv: Invocation, payload: ButtonPayload) -> list[Action]:
    """The moderators' alert buttons decide the flag their payload names, as `/resolve` would."""
    inv.require(Privilege.MODERATOR, _("decide on flags"))
    if payload.flag_id is None:
        raise UserError(_("This button is not valid any more."))
    outcome = "upheld" if payload.action == "uphold" else "dismissed"
    with inv.public():  # stored with the decision and shown to the creator: the community's language
        note = (
            _("dismissed; reporter penalised") if payload.action == "penalise" else _("decided with the alert buttons")
        )
    return await resolve_flag(inv, FlagRef(payload.flag_id), outcome, note, penalise=payload.action == "penalise")


async def flag_form(inv: Invocation, ref: ReleaseRef) -> list[Action]:
    """The Flag button: pick the norm among the pack's norms (by title), then write the reason."""
    release = await inv.target_release(ref)
    open_for_review(release, _("flags"))
    return [
        OpenForm(
            Form(
                "flag",
                _("Flag {ref}").format(ref=release_ref(release)),
                release_ref(release),
                (
                    FormField(
                        "norm", _("Which norm does {ref} break?").format(ref=release_ref(release)), flag_choices(inv)
                    ),
                    FormField(
                        "reason",
                        _("What is wrong? (moderators see this; your name is not shown publicly)"),
                        long=True,
                    ),
                ),
            )
        )
    ]


@command(
    "flag",
    N_("Report that a release breaks a norm (moderators decide)"),
    RELEASE,
    Param("norm", N_("The norm it breaks (see /norms), or 'other'"), NormId),
    Param("reason", N_("What is wrong, in a sentence"), Text(1000)),
    examples=("/flag R12 credit-base-model no base model named",),
)
async def flag(inv: Invocation, *, release: ReleaseRef | None, norm: NormId, reason: str) -> list[Action]:
    """One flag per member per release per norm, with a reason, within the pack's rate limit."""
    target = await inv.target_release(release)
    open_for_review(target, _("flags"))
    reason = _checked_flag(inv, norm, reason)
    mine = await inv.person_accounts()
    await _check_flag_allowed(inv, target, mine, norm)
    row = await inv.tx.flags.add(target.id, inv.account.id, norm, reason, inv.now)
    if row is None:
        raise AlreadyDone(_("You already flagged {ref} under {norm}.").format(ref=release_ref(target), norm=norm))
    inv.services.stats["flags"] += 1
    log.info("flag F%s filed", row.id, extra={"community": inv.community.slug, "release": release_ref(target)})
    await inv.audit("flag.filed", f"F{row.id}", {"release": target.id, "norm": norm})
    await schedule_flag_escalation(inv.tx, row.id, inv.community_id, inv.pack, inv.now)
    actions: list[Action] = [
        Reply(
            Card(
                _("Flag recorded"),
                _("{flag} on {ref} ({norm}). Moderators will look at it; your name is not shown publicly.").format(
                    flag=f"F{row.id}", ref=release_ref(target), norm=norm
                ),
            ),
            ephemeral=True,
            private=True,
        )
    ]
    actions.extend(await _after_flag(inv, target))
    with inv.public():
        actions.extend(await refresh_prompts(inv.tx, target, inv.pack, phrasing=inv.services.phrasing))
    return actions


def _checked_flag(inv: Invocation, norm_id: str, reason: str) -> str:
    """The flag's reason, stripped; refuses a norm the community's pack does not have and an empty reason."""
    if norm_id != "other" and inv.pack.norm(norm_id) is None:
        raise BadArgument(
            _("There is no norm {norm} in this community.").format(norm=repr(clip(norm_id, 40))),
            hint=_("See /norms for the ids."),
        )
    reason = reason.strip()
    if not reason:
        raise BadArgument(
            _("A flag needs a reason."), hint=_("Usage: {usage}").format(usage="/flag [release] <norm> <reason…>")
        )
    return reason


async def _check_flag_allowed(inv: Invocation, target: Release, mine: Sequence[int], norm_id: str) -> None:
    """The pack's rate limit, and one flag per person (linked accounts count as one) per release per norm."""
    settings = inv.pack.review
    recent = await inv.tx.flags.count_since(mine, inv.now - settings.flag_rate_per)
    if recent >= settings.flag_rate_count:
        raise RateLimited(
            ngettext(
                "You have filed {n} flag recently; please wait before filing more.",
                "You have filed {n} flags recently; please wait before filing more.",
                recent,
            ).format(n=recent)
        )
    if await inv.tx.flags.flagged_by_any(target.id, mine, norm_id):
        raise AlreadyDone(
            _("You already flagged {ref} under {norm} (from this or a linked account).").format(
                ref=release_ref(target), norm=norm_id
            )
        )


async def _after_flag(inv: Invocation, target: Release) -> list[Action]:
    """Past the pack's threshold of reporters (people, not accounts) the release is flagged and the moderators
    are alerted; counted under the release's lock, so simultaneous flags reach the threshold."""
    await inv.tx.releases.lock(target)
    open_flags = await inv.tx.flags.of_release(target.id, "open")
    people = await inv.tx.accounts.person_keys([f.account_id for f in open_flags])
    reporters = {people.get(f.account_id, -f.account_id) for f in open_flags}
    if len(reporters) < inv.pack.review.flag_threshold:
        return []
    # A release an upheld `block` flag holds stays held: flagging it would let dismissals lift the hold.
    held = await held_by_upheld(inv.tx, target, inv.pack)
    if not held and target.status != "flagged" and await set_status(inv.tx, target, "flagged", inv.now):
        await inv.audit("release.flagged", release_ref(target), {"reporters": len(reporters)}, actor="normbot")
    with inv.public():
        return await moderator_alert(inv, target, open_flags)


def _status_line(release: Release, before: str, still_open: int) -> str:
    state = status_label(release.status)
    ref = release_ref(release)
    if release.status != before:
        return _("{ref} is now {state}.").format(ref=ref, state=state)
    if still_open:
        return ngettext(
            "{ref} stays {state}; {n} flag still open.", "{ref} stays {state}; {n} flags still open.", still_open
        ).format(ref=ref, state=state, n=still_open)
    return _("{ref} stays {state}.").format(ref=ref, state=state)


async def moderator_alert(inv: Invocation, release: Release, open_flags: list[Flag]) -> list[Action]:
    """One alert per release for moderators, edited in place as flags arrive or are decided."""
    lines = [flag_line(f) for f in open_flags[:10]]
    card = Card(
        "🚩 "
        + ngettext("{ref} ({title}) has {n} open flag", "{ref} ({title}) has {n} open flags", len(open_flags)).format(
            ref=release_ref(release), title=title_of(release), n=len(open_flags)
        ),
        "\n".join(lines),
        status=release.status,
        footer=_("Decide with the buttons or {command}.").format(command="/resolve F<id> upheld|dismissed <note>"),
    )
    if not open_flags:
        card = Card(
            "✅ "
            + _("Every flag on {ref} ({title}) is decided").format(ref=release_ref(release), title=title_of(release)),
            _("Status: {state}. Details: {command}").format(
                state=status_label(release.status), command=f"/whyflagged {release_ref(release)}"
            ),
            status=release.status,
        )
    btns: list[Button] = []
    for f in open_flags[:3]:
        btns += [
            Button(_("Uphold {flag}").format(flag=f"F{f.id}"), buttons.encode("uphold", release.id, f.id), "danger"),
            Button(
                _("Dismiss {flag}").format(flag=f"F{f.id}"), buttons.encode("dismiss", release.id, f.id), "secondary"
            ),
            Button(
                _("Penalise {flag}").format(flag=f"F{f.id}"), buttons.encode("penalise", release.id, f.id), "secondary"
            ),
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
    N_("Decide a flag: upheld or dismissed, with a note"),
    Param("flag", N_("The flag id, like F7"), FlagRef),
    Param("outcome", N_("upheld or dismissed"), OneOf("upheld", "dismissed")),
    Param("note", N_("Why (shown to the creator)"), Text(500)),
    privilege=Privilege.MODERATOR,
)
async def resolve(inv: Invocation, *, flag: FlagRef, outcome: str, note: str) -> list[Action]:
    """Moderators only; resolving twice is refused, not repeated."""
    return await resolve_flag(inv, flag, outcome, note, penalise=False)


async def resolve_flag(inv: Invocation, flag: FlagRef, outcome: str, note: str, *, penalise: bool) -> list[Action]:
    """Shared by `/resolve` and the alert buttons."""
    inv.require(Privilege.MODERATOR, _("resolve flags"))
    flag_id = flag.id
    row = await _decide_flag(inv, flag_id, outcome, note, penalise)
    release = await inv.tx.releases.get(inv.community_id, row.release_id)
    assert release is not None
    severity = flag_severity(inv.pack, row.norm_id)
    # The release and the norm's severity travel with the decision: the mod log names the release, and
    # optional enforcement (moderation.enforcement) acts on flags upheld under a block norm.
    await inv.audit(
        f"flag.{outcome}",
        f"F{flag_id}",
        {
            "penalised": penalise,
            "note": personal(note[:200]),
            "release": release.id,
            "severity": severity,
        },
    )
    await inv.tx.releases.lock(release)  # the last flags decided at once: one of the deciders sees none open
    open_flags = await inv.tx.flags.of_release(release.id, "open")
    before = release.status
    await _move_after_decision(inv, release, outcome, severity, open_flags)
    if release.status != before:
        await inv.audit(
            "release.status",
            release_ref(release),
            {"from": before, "to": release.status, "flag": f"F{flag_id}", "severity": severity},
            actor="normbot",
        )
    with inv.public():  # the decision is said in the chat, the moderators' alert and the creator's message
        return await _decision_actions(inv, release, row, outcome, severity, note, before, open_flags)


async def _decide_flag(inv: Invocation, flag_id: int, outcome: str, note: str, penalise: bool) -> Flag:
    """Record the decision on the flag (refused when it was decided already, by anyone); the flag as now stored."""
    row = await inv.tx.flags.get(inv.community_id, flag_id)
    if row is None:
        raise NotFound(_("There is no flag {flag} in this community.").format(flag=f"F{flag_id}"))
    if not await inv.tx.flags.resolve(
        flag_id, status=outcome, by=inv.account.id, note=note, penalise=penalise, at=inv.now
    ):
        raise AlreadyDone(
            _("{flag} was already {state}.").format(flag=f"F{flag_id}", state=flag_status_label(row.status))
        )
    await inv.tx.reload(row)
    return row


async def _move_after_decision(
    inv: Invocation, release: Release, outcome: str, severity: str, open_flags: list[Flag]
) -> None:
    """The release's new status: an upheld flag may hold it (lifecycle `UPHELD`); the last open flag decided
    releases a flagged release."""
    target = upheld_move(severity, release.status) if outcome == "upheld" else None
    if target is not None:
        await set_status(inv.tx, release, target, inv.now)
    elif not open_flags and release.status == "flagged":
        # Every flag is decided and none held it: back to where review left it, unless the check blocks it.
        if await inv.tx.norm_checks.blocking_norms(release.id):
            await set_status(inv.tx, release, "changes_requested", inv.now)
        else:
            reached, _count, _quorum = await quorum_reached(inv.tx, release, inv.pack)
            await set_status(inv.tx, release, "endorsed" if reached else "in_review", inv.now)


async def _decision_actions(
    inv: Invocation,
    release: Release,
    row: Flag,
    outcome: str,
    severity: str,
    note: str,
    before: str,
    open_flags: list[Flag],
) -> list[Action]:
    """The decision said in the chat, the refreshed moderators' alert, the creator's message and the prompts."""
    effect = _effect_line(outcome, severity, release.status, before)
    actions: list[Action] = [
        Reply(
            Card(
                f"F{row.id} {flag_status_label(outcome)}",
                f"{effect} {_status_line(release, before, len(open_flags))} " + _("The creator has been told."),
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
            _decision_card(inv, release, row, outcome, severity, effect, note),
            actor_ids=frozenset(await inv.person_accounts()),
        )
    )
    actions.extend(await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing))
    return actions


def _effect_line(outcome: str, severity: str, status: str, before: str) -> str:
    """What deciding the flag did to the release, in words (lifecycle `UPHELD`)."""
    if outcome != "upheld":
        return _("Dismissed: it does not count against the release.")
    target = upheld_move(severity, "in_review")
    shown = severity_label(severity)
    if target is not None and status == target:
        if status != before:
            return _(
                "Upheld under a {severity} norm: the release needs changes, and its endorsements stop counting."
            ).format(severity=shown)
        return _(
            "Upheld under a {severity} norm: the release still needs changes; its endorsements do not count."
        ).format(severity=shown)
    return _("Upheld under a {severity} norm: the release keeps its status and shows the upheld flag.").format(
        severity=shown
    )


def _decision_card(
    inv: Invocation, release: Release, flag: Flag, outcome: str, severity: str, effect: str, note: str
) -> Card:
    """The creator's message about a decided flag: the norm in words, the moderator's reason, what it did,
    what they can do next. Never who filed the flag."""
    ref = release_ref(release)
    norm = inv.pack.norm(flag.norm_id)
    shown = severity_label(severity)
    name = f"{clip(localized(norm.title), 80)} ({flag.norm_id}, {shown})" if norm else f"{flag.norm_id} ({shown})"
    lines = [
        _("Norm: {norm}").format(norm=name),
        _("Moderator's reason: {reason}").format(reason=clip(note, 300) or _("none given")),
        effect,
        _("Status: {state}.").format(state=status_label(release.status)),
    ]
    if outcome == "upheld":
        if norm is not None and norm.fix:
            lines.append(_("How to meet the norm: {fix}").format(fix=clip(localized(norm.fix), 200)))
        step = NEXT_STEPS.get(release.status, NEXT_STEPS["changes_requested"])
        lines.append(_("What you can do: {step}").format(step=translate(step).format(ref=ref)))
        lines.append(_("Disagree? Appeal with {command}; a moderator decides.").format(command=f"/appeal {ref} <why>"))
    else:
        lines.append(_("Nothing to do about this flag."))
    title = (
        _("A flag on your release {ref} ({title}) was upheld")
        if outcome == "upheld"
        else _("A flag on your release {ref} ({title}) was dismissed")
    )
    return Card(
        title.format(ref=ref, title=title_of(release)),
        "\n".join(lines),
        status=release.status,
        footer=_("All flags on it and how they were decided: {command}").format(command=f"/whyflagged {ref}"),
    )


@command("whyflagged", N_("See the flags on your own releases and how they were decided"), RELEASE)
async def whyflagged(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Creators see flags on their releases (never who filed them); moderators may ask about any release."""
    mine = await inv.person_accounts()
    if release is not None or inv.reply_to:
        target = await inv.target_release(release)
        if target.creator_id not in mine and inv.privilege < Privilege.MODERATOR:
            raise NotPermitted(_("You can only see the flags on your own releases."))
        flags = await inv.tx.flags.of_release(target.id)
    else:
        flags = [f for f in await inv.tx.flags.against_creator(mine)]
    if not flags:
        return [Reply(Card(_("No flags"), _("None of these releases has been flagged.")), ephemeral=True, private=True)]
    lines = [f"R{f.release_id} " + flag_line(f) for f in flags[:25]]
    return [Reply(Card(_("Flags on your releases"), "\n".join(lines)), ephemeral=True, private=True)]
