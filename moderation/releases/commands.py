"""Commands about one release: /release show|list|edit, /normcheck, /status, /queue."""

from __future__ import annotations

from typing import Any

from moderation.announcements.content import change_card, change_content
from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import AlreadyDone, BadArgument, NotPermitted
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
from moderation.releases.lifecycle import CLOSED, STATES, can_move, flag_severity, quorum_reached, standing
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

RELEASE_OPT = Param("release", "The release id, like R12 (or reply to its announcement)", ReleaseRef, required=False)
RELEASE_REQ = Param("release", "The release id, like R12", ReleaseRef)
EDITABLE = ("license", "base_model", "model_type", "trigger_words", "nsfw", "parents", "links", "hashes", "model_name")


@command("release show", "Everything about one release", RELEASE_OPT, button="show")
async def release_show(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Fields, check results, endorsements, resolved flags (open ones only for moderators and the creator)."""
    target = await inv.target_release(release)
    tx = inv.tx
    creator = await tx.account(target.creator_id)
    fields = ReleaseFields.from_json(target.fields_json)
    _, count, quorum = await quorum_reached(tx, target, inv.pack)
    all_flags = await tx.flags_of(target.id)
    upheld = [flag_severity(inv.pack, f.norm_id) for f in all_flags if f.status == "upheld"]
    rows: list[tuple[str, str]] = [
        ("Creator", clip(creator.display_name if creator else "?", 40)),
        ("Status", standing(target.status, upheld).label),
        ("Endorsements", endorsement_text(count, quorum, target.status)),
    ]
    for name in ("model_type", "base_model", "license"):
        value = getattr(fields, name)
        if value:
            rows.append((name.replace("_", " ").capitalize(), clip(str(value), 60)))
    if fields.links:
        rows.append(("Links", clip(" ".join(link.url for link in fields.links[:4]), 300)))
    if target.previous_id:
        rows.append(("Previous version", f"R{target.previous_id}"))
    latest = await tx.latest_norm_check(target.id)
    body = "\n".join(results_lines(latest[1], include_pass=True)) if latest else "Not checked yet."
    mine = target.creator_id in await inv.person_accounts()
    flags = [f for f in all_flags if f.status != "open" or mine or inv.privilege >= Privilege.MODERATOR]
    if flags:
        body += "\nFlags:\n" + "\n".join(
            flag_line(f, show_reason=f.status != "open" or mine or inv.privilege >= Privilege.MODERATOR)
            for f in flags[:10]
        )
    announcements = await tx.announcements(target.id)
    footer = (
        f"Announced {len(announcements)}×" + (f" · {announcements[0].url}" if announcements[0].url else "")
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
    "Recent releases, optionally in one state",
    Param("status", "Only releases in this state", OneOf(*STATES), required=False),
)
async def release_list(inv: Invocation, *, status: str | None) -> list[Action]:
    """The 15 newest releases."""
    releases = await inv.tx.releases(inv.community_id, status=status, limit=15)
    if not releases:
        return [Reply(Card("No releases", "Nothing here yet."), ephemeral=True)]
    lines = [f"{release_ref(r)} {title_of(r)} — {r.status.replace('_', ' ')}" for r in releases]
    return [Reply(Card(f"Releases in {inv.community.name}", "\n".join(lines)), ephemeral=True)]


def _edited(fields: ReleaseFields, name: str, value: str) -> ReleaseFields:
    data = fields.to_json()
    items = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    if name in ("license", "base_model", "model_type", "model_name"):
        data[name] = value.strip()[:200]
    elif name == "nsfw":
        if value.lower() not in ("yes", "no", "true", "false"):
            raise BadArgument("nsfw takes yes or no.")
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
                raise BadArgument(f"{clip(i, 20)!r} is not a SHA-256 (64 hex) or AutoV2 (10 hex) hash.")
        data[name] = hashes
    return ReleaseFields.from_json(data)


@command(
    "release edit",
    "Fix a field of your release; the norm check runs again",
    RELEASE_REQ,
    Param("field", "Which field", OneOf(*EDITABLE)),
    Param("value", "The new value", Text(500)),
    examples=("/release edit R12 license openrail++",),
)
async def release_edit(inv: Invocation, *, release: ReleaseRef, field: str, value: str) -> list[Action]:
    """Creators fix their own releases (moderators may too); the version is not editable: announce anew.

    The edit goes through the one content-change path (`moderation.announcements.content`): the check runs again, new
    hashes and links meet provenance (claims, re-upload alerts), and a change to what was endorsed resets
    the endorsements and reviews given to the old content and tells their authors."""
    target = await inv.target_release(release)
    if target.creator_id not in await inv.person_accounts() and inv.privilege < Privilege.MODERATOR:
        raise NotPermitted("Only the creator or a moderator can edit a release.")
    if target.status in CLOSED:
        raise BadArgument(f"{release_ref(target)} is {target.status}: its review is closed, so it can't be edited.")
    name = field
    fields = _edited(ReleaseFields.from_json(target.fields_json), name, value)
    change = await change_content(
        inv.core,
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
    if change is None:
        raise AlreadyDone(f"{release_ref(target)} already says that; nothing changed.")
    return [Reply(change_card(change), ephemeral=False), *change.actions]


async def _recheck(inv: Invocation, release: Any, *, trigger: str) -> list[Action]:
    results, fixes = await check_release(
        inv.core, inv.tx, release, inv.pack, trigger=trigger, actor_id=inv.account.id, now=inv.now
    )
    before = release.status
    await settle_after_check(inv.tx, release, inv.pack, results, inv.now)
    await inv.audit(
        "release.checked",
        release_ref(release),
        {"pack": inv.pack.digest, "status": release.status, "trigger": trigger, "from": before},
    )
    failures = [(r, fixes.get(r.norm_id)) for r in results if r.outcome == "fail" and r.severity != "info"]
    moved = (
        f" Status: {before.replace('_', ' ')} → {release.status.replace('_', ' ')}." if before != release.status else ""
    )
    card = (
        nudge_card(release, failures)
        if failures
        else Card(
            f"{release_ref(release)} meets every automatic norm",
            f"Checked against {pack_label(inv.pack)}.{moved}",
            status=release.status,
        )
    )
    if failures and moved:
        card = Card(card.title, card.body + "\n" + moved.strip(), card.fields, card.status, card.footer)
    refreshed = await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.core.phrasing)
    if release.creator_id in await inv.person_accounts():
        return [Reply(card, ephemeral=False), *refreshed]
    # Someone else's release (a moderator's /normcheck or edit): the creator gets what to fix, the actor a
    # private summary, so nobody is told "your release" about a release that is not theirs.
    told = await notify_creator(inv.tx, release, card) if failures or moved else []
    names = ", ".join(f"{r.norm_id} ({r.severity})" for r, _ in failures)
    summary = f"{len(failures)} norm{'s' if len(failures) != 1 else ''} not met: {names}." if failures else ""
    summary += f"{moved} Checked against {pack_label(inv.pack)}."
    if told:
        summary += " The creator has been sent what to fix." if failures else " The creator has been told."
    title = (
        f"Norm check of {release_ref(release)} ({title_of(release)})"
        if failures
        else f"{release_ref(release)} meets every automatic norm"
    )
    return [
        Reply(Card(title, summary.strip(), status=release.status), ephemeral=True),
        *told,
        *refreshed,
    ]


@command("normcheck", "Check a release again against the current norms", RELEASE_OPT, privilege=Privilege.MODERATOR)
async def normcheck(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Moderators re-run the check (for example after the norms changed)."""
    target = await inv.target_release(release)
    return await _recheck(inv, target, trigger="normcheck")


@command(
    "status",
    "Set a release's state (moderators)",
    RELEASE_REQ,
    Param("state", "The new state", OneOf(*STATES)),
    Param("note", "Why", Text(500), required=False),
    privilege=Privilege.MODERATOR,
)
async def status(inv: Invocation, *, release: ReleaseRef, state: str, note: str | None) -> list[Action]:
    """Any move the lifecycle table allows."""
    row = await inv.target_release(release)
    target = state
    if "withdrawn" in (target, row.status) and target != row.status:
        # Withdrawing is a detection correction: it stores a labelled example and closes the prompt.
        command = (
            f"/notrelease {release_ref(row)}" if target == "withdrawn" else "/markrelease (reply to its announcement)"
        )
        raise BadArgument(
            f"{release_ref(row)}: use {command} instead.",
            hint="It records the correction as a labelled example for the detector.",
        )
    if not can_move(row.status, target):
        raise BadArgument(f"{release_ref(row)} can't go from {row.status} to {target}.")
    before = row.status
    if not await inv.tx.move_release(row, before, target, inv.now):
        raise AlreadyDone(f"{release_ref(row)} changed meanwhile (now {row.status}); nothing was changed.")
    await inv.audit(
        "release.status",
        release_ref(row),
        {"from": before, "to": target, "note": personal(clip(note, 200))},
    )
    note = clip(note, 300)
    ref = release_ref(row)
    told = await notify_creator(
        inv.tx,
        row,
        Card(
            f"Your release {ref} ({title_of(row)}) is now {target.replace('_', ' ')}",
            "\n".join(
                (
                    f"A moderator moved it from {before.replace('_', ' ')} to {target.replace('_', ' ')}.",
                    f"Moderator's reason: {note or 'none given'}",
                    "What you can do: " + NEXT_STEPS[target].format(ref=ref),
                    "Disagree? There is no appeal command yet: ask a moderator in the community's chat.",
                )
            ),
            status=target,
            footer=f"Details: /release show {ref}",
        ),
        actor_ids=frozenset(await inv.person_accounts()),
    )
    body = note + ("\n" if note else "") + ("The creator has been told." if told else "")
    return [
        Reply(Card(f"{ref} is now {target.replace('_', ' ')}", body.strip())),
        *told,
        *await refresh_prompts(inv.tx, row, inv.pack, phrasing=inv.core.phrasing),
    ]


@command("queue", "What waits on the moderators", privilege=Privilege.MODERATOR)
async def queue(inv: Invocation) -> list[Action]:
    """Open flags first, then flagged releases and releases waiting for changes."""
    flags = await inv.tx.open_flags(inv.community_id, limit=20)
    lines = [f"R{f.release_id} " + flag_line(f) for f in flags]
    for state in ("flagged", "changes_requested", "in_review"):
        rows = await inv.tx.releases(inv.community_id, status=state, limit=10)
        lines += [f"{release_ref(r)} {title_of(r)} — {state.replace('_', ' ')}" for r in rows]
    return [
        Reply(Card("Moderation queue", "\n".join(lines) or "Nothing waits on you. 🎉"), ephemeral=True, private=True)
    ]
