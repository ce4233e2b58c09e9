"""Commands about one release: /release show|list|edit, /normcheck, /status, /queue."""

from __future__ import annotations

from typing import Any

from moderation.announcements.content import change_card, change_content
from moderation.appeals.deciding import appeal_line
from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import AlreadyDone, BadArgument, NotPermitted
from moderation.kernel.i18n import N_, _, ngettext, translate
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import OneOf, ReleaseRef, Text
from moderation.kernel.permissions import Privilege
from moderation.releases.cards import (
    clip,
    endorsement_text,
    flag_line,
    nudge_card,
    release_ref,
    results_lines,
    title_of,
)
from moderation.releases.lifecycle import (
    CLOSED,
    STATES,
    can_move,
    flag_severity,
    quorum_reached,
    standing,
    status_label,
)
from moderation.releases.reviewing import (
    NEXT_STEPS,
    check_release,
    notify_creator,
    pack_label,
    refresh_prompts,
    settle_after_check,
)
from norms.fields import ReleaseFields
from storage import personal

__all__: list[str] = []

RELEASE_OPT = Param(
    "release", N_("The release id, like R12 (or reply to its announcement)"), ReleaseRef, required=False
)
RELEASE_REQ = Param("release", N_("The release id, like R12"), ReleaseRef)
EDITABLE = ("license", "base_model", "model_type", "trigger_words", "nsfw", "parents", "links", "hashes", "model_name")
FIELD_LABELS = {"model_type": N_("Model type"), "base_model": N_("Base model"), "license": N_("License")}


@command("release show", N_("Everything about one release"), RELEASE_OPT, button="show")
async def release_show(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Fields, check results, endorsements, resolved flags (open ones only for moderators and the creator)."""
    target = await inv.target_release(release)
    tx = inv.tx
    creator = await tx.accounts.get(target.creator_id)
    fields = ReleaseFields.from_json(target.fields_json)
    _reached, count, quorum = await quorum_reached(tx, target, inv.pack)
    all_flags = await tx.flags.of_release(target.id)
    upheld = [flag_severity(inv.pack, f.norm_id) for f in all_flags if f.status == "upheld"]
    rows: list[tuple[str, str]] = [
        (_("Creator"), clip(creator.display_name if creator else "?", 40)),
        (_("Status"), standing(target.status, upheld).label),
        (_("Endorsements"), endorsement_text(count, quorum, target.status)),
    ]
    for name in ("model_type", "base_model", "license"):
        value = getattr(fields, name)
        if value:
            rows.append((translate(FIELD_LABELS[name]), clip(str(value), 60)))
    if fields.links:
        rows.append((_("Links"), clip(" ".join(link.url for link in fields.links[:4]), 300)))
    if target.previous_id:
        rows.append((_("Previous version"), f"R{target.previous_id}"))
    latest = await tx.norm_checks.latest(target.id)
    body = "\n".join(results_lines(latest[1], include_pass=True)) if latest else _("Not checked yet.")
    mine = target.creator_id in await inv.person_accounts()
    flags = [f for f in all_flags if f.status != "open" or mine or inv.privilege >= Privilege.MODERATOR]
    if flags:
        body += (
            "\n"
            + _("Flags:")
            + "\n"
            + "\n".join(
                flag_line(f, show_reason=f.status != "open" or mine or inv.privilege >= Privilege.MODERATOR)
                for f in flags[:10]
            )
        )
    announcements = await tx.announcements.of_release(target.id)
    footer = (
        _("Announced {n}×").format(n=len(announcements))
        + (f" · {announcements[0].url}" if announcements[0].url else "")
        if announcements
        else None
    )
    return [
        Reply(
            Card(f"{release_ref(target)}: {title_of(target)}", body, tuple(rows), target.status, footer),
            ephemeral=True,
        )
    ]


@command(
    "release list",
    N_("Recent releases, optionally in one state"),
    Param("status", N_("Only releases in this state"), OneOf(*STATES), required=False),
)
async def release_list(inv: Invocation, *, status: str | None) -> list[Action]:
    """The 15 newest releases."""
    releases = await inv.tx.releases.page(inv.community_id, status=status, limit=15)
    if not releases:
        return [Reply(Card(_("No releases"), _("Nothing here yet.")), ephemeral=True)]
    lines = [f"{release_ref(r)} {title_of(r)} — {status_label(r.status)}" for r in releases]
    title = _("Releases in {community}").format(community=inv.community.name)
    return [Reply(Card(title, "\n".join(lines)), ephemeral=True)]


def _edited(fields: ReleaseFields, name: str, value: str) -> ReleaseFields:
    data = fields.to_json()
    items = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    if name in ("license", "base_model", "model_type", "model_name"):
        data[name] = value.strip()[:200]
    elif name == "nsfw":
        if value.lower() not in ("yes", "no", "true", "false"):
            raise BadArgument(_("nsfw takes yes or no."))
        data[name] = value.lower() in ("yes", "true")
    elif name in ("trigger_words", "parents"):
        data[name] = items[:50]
    elif name == "links":
        from moderation.extraction import extract

        data[name] = [{"url": link.url, "kind": link.kind} for link in extract(value).links] or [
            {"url": i, "kind": "other"} for i in items
        ]
    elif name == "hashes":
        hashes = []
        for i in items:
            h = i.lower()
            if len(h) == 64 and all(c in "0123456789abcdef" for c in h):
                hashes.append({"kind": "sha256", "value": h})
            elif len(h) == 10 and all(c in "0123456789abcdef" for c in h):
                hashes.append({"kind": "autov2", "value": h.upper()})
            else:
                raise BadArgument(
                    _("{value} is not a SHA-256 (64 hex) or AutoV2 (10 hex) hash.").format(value=repr(clip(i, 20)))
                )
        data[name] = hashes
    return ReleaseFields.from_json(data)


@command(
    "release edit",
    N_("Fix a field of your release; the norm check runs again"),
    RELEASE_REQ,
    Param("field", N_("Which field"), OneOf(*EDITABLE)),
    Param("value", N_("The new value"), Text(500)),
    examples=("/release edit R12 license openrail++",),
)
async def release_edit(inv: Invocation, *, release: ReleaseRef, field: str, value: str) -> list[Action]:
    """Creators fix their own releases (moderators may too); the version is not editable: announce anew.

    The edit goes through the one content-change path (`moderation.announcements.content`): the check runs again, new
    hashes and links meet provenance (claims, re-upload alerts), and a change to what was endorsed resets
    the endorsements and reviews given to the old content and tells their authors."""
    target = await inv.target_release(release)
    if target.creator_id not in await inv.person_accounts() and inv.privilege < Privilege.MODERATOR:
        raise NotPermitted(_("Only the creator or a moderator can edit a release."))
    if target.status in CLOSED:
        raise BadArgument(
            _("{ref} is {status}: its review is closed, so it can't be edited.").format(
                ref=release_ref(target), status=status_label(target.status)
            )
        )
    name = field
    fields = _edited(ReleaseFields.from_json(target.fields_json), name, value)
    with inv.public():  # the answer is public, and the members told about the change read the chat
        change = await change_content(
            inv.services,
            inv.tx,
            target,
            inv.pack,
            fields,
            actor=inv.account,
            actor_ref=inv.actor_ref,
            trigger="edit",
            now=inv.now,
            chat=inv.chat,
        )
        card = change_card(change) if change is not None else None
    if change is None or card is None:
        raise AlreadyDone(_("{ref} already says that; nothing changed.").format(ref=release_ref(target)))
    return [Reply(card, ephemeral=False), *change.actions]


async def _recheck(inv: Invocation, release: Any, *, trigger: str) -> list[Action]:
    results, fixes = await check_release(
        inv.services, inv.tx, release, inv.pack, trigger=trigger, actor_id=inv.account.id, now=inv.now
    )
    before = release.status
    await settle_after_check(inv.tx, release, inv.pack, results, inv.now)
    await inv.audit(
        "release.checked",
        release_ref(release),
        {"pack": inv.pack.digest, "status": release.status, "trigger": trigger, "from": before},
    )
    failures = [(r, fixes.get(r.norm_id)) for r in results if r.outcome == "fail" and r.severity != "info"]

    def moved_text() -> str:
        if before == release.status:
            return ""
        return " " + _("Status: {before} → {after}.").format(
            before=status_label(before), after=status_label(release.status)
        )

    # The card goes to the chat (the creator's own /normcheck) or to the creator: the community's language.
    with inv.public():
        moved = moved_text()
        card = (
            nudge_card(release, failures)
            if failures
            else Card(
                _("{ref} meets every automatic norm").format(ref=release_ref(release)),
                _("Checked against {pack}.").format(pack=pack_label(inv.pack)) + moved,
                status=release.status,
            )
        )
        if failures and moved:
            card = Card(card.title, card.body + "\n" + moved.strip(), card.fields, card.status, card.footer)
        refreshed = await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing)
    if release.creator_id in await inv.person_accounts():
        return [Reply(card, ephemeral=False), *refreshed]
    # Someone else's release (a moderator's /normcheck or edit): the creator gets what to fix, the actor a
    # private summary, so nobody is told "your release" about a release that is not theirs.
    told = await notify_creator(inv.tx, release, card) if failures or moved else []
    moved = moved_text()
    names = ", ".join(f"{r.norm_id} ({r.severity})" for r, _fix in failures)
    summary = (
        ngettext("{n} norm not met: {names}.", "{n} norms not met: {names}.", len(failures)).format(
            n=len(failures), names=names
        )
        if failures
        else ""
    )
    summary += moved + " " + _("Checked against {pack}.").format(pack=pack_label(inv.pack))
    if told:
        summary += " " + (_("The creator has been sent what to fix.") if failures else _("The creator has been told."))
    title = (
        _("Norm check of {ref} ({title})").format(ref=release_ref(release), title=title_of(release))
        if failures
        else _("{ref} meets every automatic norm").format(ref=release_ref(release))
    )
    return [
        Reply(Card(title, summary.strip(), status=release.status), ephemeral=True),
        *told,
        *refreshed,
    ]


@command("normcheck", N_("Check a release again against the current norms"), RELEASE_OPT, privilege=Privilege.MODERATOR)
async def normcheck(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Moderators re-run the check (for example after the norms changed)."""
    target = await inv.target_release(release)
    return await _recheck(inv, target, trigger="normcheck")


@command(
    "status",
    N_("Set a release's state (moderators)"),
    RELEASE_REQ,
    Param("state", N_("The new state"), OneOf(*STATES)),
    Param("note", N_("Why"), Text(500), required=False),
    privilege=Privilege.MODERATOR,
)
async def status(inv: Invocation, *, release: ReleaseRef, state: str, note: str | None) -> list[Action]:
    """Any move the lifecycle table allows."""
    row = await inv.target_release(release)
    target = state
    if "withdrawn" in (target, row.status) and target != row.status:
        # Withdrawing is a detection correction: it stores a labelled example and closes the prompt.
        command = (
            f"/notrelease {release_ref(row)}"
            if target == "withdrawn"
            else _("/markrelease (reply to its announcement)")
        )
        raise BadArgument(
            _("{ref}: use {command} instead.").format(ref=release_ref(row), command=command),
            hint=_("It records the correction as a labelled example for the detector."),
        )
    if not can_move(row.status, target):
        raise BadArgument(
            _("{ref} can't go from {before} to {after}.").format(
                ref=release_ref(row), before=status_label(row.status), after=status_label(target)
            )
        )
    before = row.status
    if not await inv.tx.releases.move(row, before, target, inv.now):
        raise AlreadyDone(
            _("{ref} changed meanwhile (now {status}); nothing was changed.").format(
                ref=release_ref(row), status=status_label(row.status)
            )
        )
    await inv.audit(
        "release.status",
        release_ref(row),
        {"from": before, "to": target, "note": personal(clip(note, 200))},
    )
    note = clip(note, 300)
    ref = release_ref(row)
    with inv.public():  # the creator and the chat read what follows
        told = await notify_creator(
            inv.tx,
            row,
            Card(
                _("Your release {ref} ({title}) is now {status}").format(
                    ref=ref, title=title_of(row), status=status_label(target)
                ),
                "\n".join(
                    (
                        _("A moderator moved it from {before} to {after}.").format(
                            before=status_label(before), after=status_label(target)
                        ),
                        _("Moderator's reason: {reason}").format(reason=note or _("none given")),
                        _("What you can do: {step}").format(step=translate(NEXT_STEPS[target]).format(ref=ref)),
                        _("Disagree? Appeal with {command}; a moderator decides.").format(
                            command=f"/appeal {ref} <why>"
                        )
                        if target in ("removed", "changes_requested")
                        else _("Questions? Ask a moderator in the community's chat."),
                    )
                ),
                status=target,
                footer=_("Details: /release show {ref}").format(ref=ref),
            ),
            actor_ids=frozenset(await inv.person_accounts()),
        )
        body = note + ("\n" if note else "") + (_("The creator has been told.") if told else "")
        return [
            Reply(Card(_("{ref} is now {status}").format(ref=ref, status=status_label(target)), body.strip())),
            *told,
            *await refresh_prompts(inv.tx, row, inv.pack, phrasing=inv.services.phrasing),
        ]


@command("queue", N_("What waits on the moderators"), privilege=Privilege.MODERATOR)
async def queue(inv: Invocation) -> list[Action]:
    """Open appeals first, then open flags, then flagged releases and releases waiting for changes."""
    appeals = await inv.tx.appeals.open(inv.community_id, limit=10)
    lines = [f"📨 {appeal_line(a)} — /grant A{a.id} or /deny A{a.id}" for a in appeals]
    flags = await inv.tx.flags.open(inv.community_id, limit=20)
    lines += [f"R{f.release_id} " + flag_line(f) for f in flags]
    for state in ("flagged", "changes_requested", "in_review"):
        rows = await inv.tx.releases.page(inv.community_id, status=state, limit=10)
        lines += [f"{release_ref(r)} {title_of(r)} — {status_label(state)}" for r in rows]
    return [
        Reply(
            Card(_("Moderation queue"), "\n".join(lines) or _("Nothing waits on you. 🎉")),
            ephemeral=True,
            private=True,
        )
    ]
