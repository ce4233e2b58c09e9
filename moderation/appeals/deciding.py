"""Appeals: what a creator may appeal, filing one, and deciding one (Grant reverses the decision).

Shared by the chat commands (`/appeal`, `/grant`, `/deny`), the Grant / Deny buttons of the mod log and the
registry's moderator form, so the decision logic exists once. What granting does, by decision
(docs/lifecycle.md, "Appeals"):

- an upheld flag `F7`: the flag becomes dismissed (its mark goes), and a release it held in
  changes_requested goes back to review (endorsed when its quorum stands) unless another upheld block flag
  still holds it or its check still fails a block norm;
- `status:removed`: the release goes back to review (changes_requested when its check fails a block norm,
  endorsed when its quorum stands);
- `status:changes_requested`: the release goes back to review (endorsed when its quorum stands), as a
  moderator's `/status R12 in_review` would; a later re-check may request changes again.

A decision that moved meanwhile (the release is no longer in the state appealed) is not reversed twice: the
appeal is granted and the creator told that nothing was left to reverse.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from moderation.kernel import buttons
from moderation.kernel.actions import Action, Button, Card, Reply, Send
from moderation.kernel.community import chats_for
from moderation.kernel.errors import AlreadyDone, BadArgument, NotFound, NotPermitted, RateLimited
from moderation.kernel.i18n import _
from moderation.kernel.invocation import Invocation
from moderation.kernel.permissions import Privilege
from moderation.modlog.entries import Line, register
from moderation.releases.cards import clip, release_ref, title_of
from moderation.releases.lifecycle import quorum_reached, status_label
from moderation.releases.reviewing import held_by_upheld, notify_creator, refresh_prompts, set_status
from storage import Appeal, Release, personal, readable

__all__ = [
    "APPEAL_RATE",
    "appeal_buttons",
    "appeal_line",
    "decide",
    "decision_words",
    "file_appeal",
]

APPEAL_RATE = (3, timedelta(days=1))
"""At most this many appeals per person per period: an appeal asks a moderator's time."""


def appeal_buttons(appeal_id: int, release_id: int) -> tuple[Button, ...]:
    """Grant / Deny for one appeal (on the mod log's line and the moderators' notice)."""
    return (
        Button(_("Grant"), buttons.encode("grant", release_id, appeal_id), "success"),
        Button(_("Deny"), buttons.encode("deny", release_id, appeal_id), "secondary"),
    )


def decision_words(decision: str) -> str:
    """`F7` -> "the upheld flag F7", `status:removed` -> "the removal" (what an appeal is about, in words)."""
    if decision.startswith("F"):
        return _("the upheld flag {flag}").format(flag=decision)
    if decision == "status:removed":
        return _("the removal")
    if decision == "status:changes_requested":
        return _("the request for changes")
    return decision


def appeal_line(appeal: Appeal) -> str:
    """`A3 R12 (the upheld flag F7): “text”` for /queue."""
    return f"A{appeal.id} R{appeal.release_id} ({decision_words(appeal.decision)}): “{clip(appeal.text, 120)}”"


async def _appealable(inv: Invocation, release: Release) -> str:
    """The decision an appeal of `release` is about: the removal first, then the newest upheld flag not
    appealed and denied already, then changes requested."""
    if release.status == "removed":
        return "status:removed"
    denied = {a.decision for a in await inv.tx.appeals.of_release(release.id) if a.status == "denied"}
    upheld = [f for f in await inv.tx.flags.of_release(release.id, "upheld") if f"F{f.id}" not in denied]
    if upheld:
        return f"F{upheld[-1].id}"
    if release.status == "changes_requested":
        return "status:changes_requested"
    ref = release_ref(release)
    raise BadArgument(
        _(
            "Nothing to appeal: {ref} had not been removed or sent back for changes, and no flag on it is upheld "
            "(or its appeals were decided)."
        ).format(ref=ref),
        hint=_("/whyflagged {ref} shows its flags; /release show {ref} its state.").format(ref=ref),
    )


async def file_appeal(inv: Invocation, release: Release, text: str) -> list[Action]:
    """The creator asks moderators to look again; one open appeal per decision, within the rate limit."""
    mine = await inv.person_accounts()
    ref = release_ref(release)
    if release.creator_id not in mine:
        raise NotPermitted(_("Only the creator of {ref} can appeal decisions on it.").format(ref=ref))
    text = text.strip()
    if not text:
        raise BadArgument(
            _("An appeal needs a reason: say why the decision should change."), hint=_("/appeal R12 <why>")
        )
    decision = await _appealable(inv, release)
    waiting = await inv.tx.appeals.open_for(release.id, decision)
    if waiting is not None:
        raise AlreadyDone(
            _("Your appeal {appeal} of {decision} on {ref} is waiting already.").format(
                appeal=f"A{waiting.id}", decision=decision_words(decision), ref=ref
            )
        )
    count, per = APPEAL_RATE
    if await inv.tx.appeals.count_since(mine, inv.now - per) >= count:
        raise RateLimited(
            _("You have filed {n} appeals in the last day; please wait before filing more.").format(n=count)
        )
    appeal = await inv.tx.appeals.add(inv.community_id, release.id, inv.account.id, decision, text[:1000], inv.now)
    if appeal is None:  # another replica stored the same appeal a moment ago
        raise AlreadyDone(
            _("Your appeal of {decision} on {ref} is waiting already.").format(
                decision=decision_words(decision), ref=ref
            )
        )
    inv.services.stats["appeals"] += 1
    await inv.audit(
        "appeal.filed", f"A{appeal.id}", {"release": release.id, "decision": decision, "text": personal(text[:300])}
    )
    actions: list[Action] = [
        Reply(
            Card(
                _("Appeal {appeal} recorded").format(appeal=f"A{appeal.id}"),
                _(
                    "Moderators will look again at {decision} on {ref} ({title}). You will get a message when "
                    "they decide."
                ).format(decision=decision_words(decision), ref=ref, title=title_of(release)),
            ),
            ephemeral=True,
            private=True,
        )
    ]
    if not chats_for(inv.community, "log"):
        # Without a log chat the moderators' chat gets the appeal (with the buttons), so it is seen at once.
        with inv.public():  # the moderators' chat
            card = Card(
                "📨 "
                + _("Appeal {appeal} on {ref} ({title})").format(
                    appeal=f"A{appeal.id}", ref=ref, title=title_of(release)
                ),
                _("Of {decision}: “{text}”").format(decision=decision_words(decision), text=clip(text, 300)),
                status=release.status,
                footer=_("Decide with the buttons, or /grant A<id> <note> or /deny A<id> <note>."),
            )
            buttons_ = appeal_buttons(appeal.id, release.id)
        actions += [Send(chat, card, buttons_) for chat in chats_for(inv.community, "mod", "review")]
    return actions


async def decide(inv: Invocation, appeal_id: int, outcome: str, note: str) -> list[Action]:
    """Grant or deny an appeal (moderators; not on their own release); once, on any replica."""
    inv.require(Privilege.MODERATOR, _("decide appeals"))
    note = note.strip()[:500]
    appeal, release = await _record_decision(inv, appeal_id, outcome, note)
    await inv.audit(
        f"appeal.{outcome}",
        f"A{appeal_id}",
        {"release": release.id, "decision": appeal.decision, "note": personal(clip(note, 200))},
    )
    await inv.tx.releases.lock(release)
    before = release.status
    with inv.public():  # said to the creator and in the chat
        effect = await _reverse(inv, release, appeal) if outcome == "granted" else _("The decision stands.")
    if release.status != before:
        await inv.audit(
            "release.status",
            release_ref(release),
            {"from": before, "to": release.status, "appeal": f"A{appeal_id}"},
            actor="normbot",
        )
    with inv.public():  # the creator's message and the answer in the chat
        return await _decision_actions(inv, release, appeal, outcome, note, effect)


async def _record_decision(inv: Invocation, appeal_id: int, outcome: str, note: str) -> tuple[Appeal, Release]:
    """Store the decision once: refused for an unknown appeal, a moderator's own release, or an appeal
    decided already (on this replica or another); the appeal and its release."""
    appeal = await inv.tx.appeals.get(inv.community_id, appeal_id)
    if appeal is None:
        raise NotFound(_("There is no appeal {appeal} in this community.").format(appeal=f"A{appeal_id}"))
    release = await inv.tx.releases.get(inv.community_id, appeal.release_id)
    assert release is not None  # the appeal's foreign key cascades with the release
    if release.creator_id in await inv.person_accounts():
        raise NotPermitted(_("You can't decide an appeal about your own release; another moderator will."))
    if not await inv.tx.appeals.decide(appeal_id, status=outcome, by=inv.account.id, note=note, at=inv.now):
        await inv.tx.reload(appeal)
        raise AlreadyDone(
            (
                _("{appeal} was already granted.") if appeal.status == "granted" else _("{appeal} was already denied.")
            ).format(appeal=f"A{appeal_id}")
        )
    return appeal, release


async def _decision_actions(
    inv: Invocation, release: Release, appeal: Appeal, outcome: str, note: str, effect: str
) -> list[Action]:
    """The creator's message about the decision, the answer in the chat and the refreshed prompts."""
    ref = release_ref(release)
    granted = outcome == "granted"
    heading = (
        _("Your appeal {appeal} on {ref} ({title}) was granted")
        if granted
        else _("Your appeal {appeal} on {ref} ({title}) was denied")
    )
    told = await notify_creator(
        inv.tx,
        release,
        Card(
            heading.format(appeal=f"A{appeal.id}", ref=ref, title=title_of(release)),
            "\n".join(
                (
                    _("You appealed {decision}.").format(decision=decision_words(appeal.decision)),
                    _("Moderator's note: {note}").format(note=clip(note, 300) or _("none given")),
                    effect,
                    _("Status: {status}.").format(status=status_label(release.status)),
                )
            ),
            status=release.status,
            footer=_("Details: /release show {ref}").format(ref=ref),
        ),
    )
    reply = Reply(
        Card(
            (_("{appeal} granted") if granted else _("{appeal} denied")).format(appeal=f"A{appeal.id}"),
            effect
            + " "
            + _("{ref} is {status}.").format(ref=ref, status=status_label(release.status))
            + (" " + _("The creator has been told.") if told else ""),
        )
    )
    return [reply, *told, *await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing)]


async def _reverse(inv: Invocation, release: Release, appeal: Appeal) -> str:
    """Undo the appealed decision (module docstring); returns what happened, in words."""
    decision = appeal.decision
    if decision.startswith("F"):
        flag_id = int(decision[1:])
        reversed_ = await inv.tx.appeals.reverse_flag(
            flag_id, by=inv.account.id, note=f"reversed on appeal A{appeal.id}", at=inv.now
        )
        if not reversed_:
            return _("{flag} is not upheld any more; nothing was left to reverse.").format(flag=decision)
        await inv.audit("flag.reversed", decision, {"release": release.id, "appeal": f"A{appeal.id}"})
        held = release.status == "changes_requested" and (
            await held_by_upheld(inv.tx, release, inv.pack) or bool(await inv.tx.norm_checks.blocking_norms(release.id))
        )
        if release.status == "changes_requested" and not held:
            await _back_to_review(inv, release)
        return _("Granted: {flag} is dismissed and no longer counts against the release.").format(flag=decision)
    wanted = decision.removeprefix("status:")
    if release.status != wanted:
        return _("It is no longer {status}; nothing was left to reverse.").format(status=status_label(wanted))
    await _back_to_review(inv, release)
    if wanted == "removed" and await inv.tx.norm_checks.blocking_norms(release.id):
        await set_status(inv.tx, release, "changes_requested", inv.now)
    return _("Granted: the {status} decision is reversed.").format(status=status_label(wanted))


async def _back_to_review(inv: Invocation, release: Release) -> None:
    if await set_status(inv.tx, release, "in_review", inv.now):
        reached, _count, _quorum = await quorum_reached(inv.tx, release, inv.pack)
        if reached:
            await set_status(inv.tx, release, "endorsed", inv.now)


# -- the mod log's lines ---------------------------------------------------------------------------------


@register("appeal.filed")
def _filed(e: dict[str, Any], who: str, release: Release | None) -> Line:
    p = e["payload"]
    ref = release_ref(release) if release is not None else f"R{p.get('release')}"
    words = decision_words(str(p.get("decision", "")))
    text = clip(str(readable(p.get("text")) or ""), 200)
    appeal_id = int(str(e["subject"]).lstrip("A"))
    btns = appeal_buttons(appeal_id, int(p["release"])) if isinstance(p.get("release"), int) else ()
    said = _("{appeal}: {who} appeals {decision} on {ref} — “{text}”").format(
        appeal=e["subject"], who=who, decision=words, ref=ref, text=text
    )
    return Line("📨", said, btns)


@register("appeal.granted", "appeal.denied")
def _decided(e: dict[str, Any], who: str, release: Release | None) -> Line:
    granted = e["action"] == "appeal.granted"
    words = decision_words(str(e["payload"].get("decision", "")))
    note = readable(e["payload"].get("note"))
    said = f" — “{clip(str(note), 160)}”" if note else ""
    line = (
        _("{appeal} ({decision}) granted by {who}") if granted else _("{appeal} ({decision}) denied by {who}")
    ).format(appeal=e["subject"], decision=words, who=who)
    return Line("✅" if granted else "🚫", line + said)


@register("flag.reversed")
def _flag_reversed(e: dict[str, Any], who: str, release: Release | None) -> Line:
    return Line(
        "↩️", _("{flag} dismissed on appeal {appeal}").format(flag=e["subject"], appeal=e["payload"].get("appeal"))
    )
