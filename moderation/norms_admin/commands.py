"""The community's norm pack from chat: /norms show, and for moderators /norms set (attach the YAML; its
answer offers to re-check the open releases), /norms simulate (attach a draft: what would change),
/norms history and /norms rollback."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.buttons import ButtonPayload
from moderation.kernel.commands import Param, button, command
from moderation.kernel.errors import AlreadyDone, BadArgument, NotFound
from moderation.kernel.i18n import N_, _, localized
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import Attachment, AttachmentConverter, Int, NormId, ReleaseRef
from moderation.kernel.permissions import Privilege
from moderation.norms_admin import recheck
from moderation.norms_admin.simulate import simulate_releases
from moderation.releases.cards import (
    clip,
    setting_text,
    severity_label,
)
from moderation.releases.lifecycle import CLOSED
from moderation.releases.reviewing import (
    context_for,
    pack_label,
)
from norms import NormFileError, NormPack, load_pack_text

__all__: list[str] = []

MAX_PACK_BYTES = 256 * 1024


async def _load(inv: Invocation, source: str, name: str) -> NormPack:
    """Parse and lint a pack from chat; a broken one is a `BadArgument` listing its problems."""
    try:
        # Off the event loop: compiling and costing a pack of up to 200 norms takes a while (norms/cost.py).
        pack = await asyncio.to_thread(load_pack_text, source, name, inv.services.packs.base_dir)
    except NormFileError as exc:
        # The same positioned, coded form as `normbot norms lint` (file:line:col code: message), the file
        # being the upload or an extended pack; the message names the limit when one was exceeded.
        lines = [
            f"{clip(p.file, 60)}:{p.line}:{p.column}: {p.code}: {clip(p.message, 150)}"
            + (f" ({clip(p.hint, 80)})" if p.hint else "")
            for p in exc.problems[:15]
        ]
        more = len(exc.problems) - len(lines)
        if more > 0:
            lines.append(_("... and {n} more; `normbot norms lint` lists every one").format(n=more))
        raise BadArgument(
            _("{name} has {n} problem(s); nothing was changed.").format(name=name, n=len(exc.problems)),
            hint="\n".join(lines),
        ) from None
    return pack


_YAML = AttachmentConverter(
    MAX_PACK_BYTES,
    what="norm file (YAML)",
    missing=N_("Attach the norm file (YAML) to the command."),
    hint=N_("Check it first with: normbot norms lint"),
)
NORM_FILE = Param("file", N_("The norm file (YAML, at most 256 KB)"), _YAML)
DRAFT_FILE = Param("file", N_("The draft norm file (YAML, at most 256 KB)"), _YAML)
"""The norm files of `/norms set` and `/norms simulate`: file parameters, which adapters render and download
(never more than `MAX_PACK_BYTES`) without naming either command; presence and size are checked by binding."""


def _named(file: Attachment) -> tuple[str, str]:
    """(name, text) of the attached norm file, the name clipped for messages."""
    return clip(file.name, 60) or "norms.yaml", file.text


async def _adopt(inv: Invocation, source: str, name: str, action: str) -> list[Action]:
    pack = await _load(inv, source, name)
    revision = await inv.tx.pack_revisions.add(
        inv.community_id,
        digest=pack.digest,
        pack_id=pack.id,
        version=pack.version,
        source=source,
        author=inv.actor_ref,
        at=inv.now,
    )
    inv.services.packs.remember(pack)
    await inv.audit(action, f"pack:{revision.number}", {"digest": pack.digest, "id": pack.id, "version": pack.version})
    count = await recheck.open_count(inv.tx, inv.community_id)
    with inv.public():  # the answer stays in the chat, with the button for any moderator there
        offer = (
            _(
                "Press the button to re-check the {n} open release(s) against it: their prompts are updated and "
                "creators whose result changes are told."
            ).format(n=count)
            if count
            else _("No release is open, so there is nothing to re-check.")
        )
        return [
            Reply(
                Card(
                    _("Norms updated to {pack} (revision {number})").format(
                        pack=f"{pack.id} {pack.version}", number=revision.number
                    ),
                    _("{n} norms, digest {digest}. New checks use it.").format(
                        n=len(pack.norms), digest=pack.digest[:12]
                    )
                    + " "
                    + offer,
                ),
                buttons=(recheck.offer_button(revision.number, count),) if count else (),
            )
        ]


@command("norms set", N_("Adopt a new norm file (attach the YAML)"), NORM_FILE, privilege=Privilege.MODERATOR)
async def norms_set(inv: Invocation, *, file: Attachment) -> list[Action]:
    """Lint problems are answered in chat; nothing is applied unless the whole file is valid."""
    name, source = _named(file)
    return await _adopt(inv, source, name, "norms.adopted")


@button("recheck")
async def recheck_pressed(inv: Invocation, payload: ButtonPayload) -> list[Action]:
    """Queue the re-check of the open releases against the revision the button was offered for. Moderators
    only (checked here, not by hiding the button). One run per revision: a second press says where the
    first one is."""
    inv.require(Privilege.MODERATOR, _("re-check the releases"))
    number = payload.release_id  # a revision number (see ButtonPayload)
    revision = await inv.tx.pack_revisions.get(inv.community_id, number)
    current = await inv.tx.pack_revisions.current(inv.community_id)
    if revision is None or current is None:
        raise NotFound(
            _("There is no revision #{number} any more.").format(number=number), hint=_("See /norms history.")
        )
    if current.id != revision.id:
        raise BadArgument(
            _("The norms changed again since revision #{number} (revision #{current} is in force).").format(
                number=number, current=current.number
            ),
            hint=_("Use the button under the answer to the newest /norms set, or /normcheck for one release."),
        )
    count = await recheck.open_count(inv.tx, inv.community_id)
    started = await inv.tx.rechecks.start(
        inv.community_id,
        revision.id,
        total=count,
        report=(inv.chat.platform, inv.chat.chat_id, inv.chat.thread_id),
        at=inv.now,
    )
    if started is None:
        run = await inv.tx.rechecks.of_revision(revision.id)
        where = (
            _("done: {checked} checked, {changed} changed, {failing} now failing").format(
                checked=run.checked, changed=run.changed, failing=run.failing
            )
            if run is not None and run.state == "done"
            else _("under way: {checked} of about {total} checked so far").format(
                checked=run.checked if run else 0, total=run.total if run else count
            )
        )
        raise AlreadyDone(
            _("The re-check for revision #{number} was asked for already; it is {where}.").format(
                number=number, where=where
            )
        )
    await inv.tx.jobs.schedule(recheck.JOB_KIND, str(started), inv.now, inv.now, inv.community_id)
    await inv.audit("norms.recheck_requested", f"pack:{number}", {"open": count})
    with inv.public():
        return [
            Reply(
                Card(
                    _("Re-checking {n} open release(s) against revision #{number}").format(n=count, number=number),
                    _(
                        "It runs in the background: each review prompt is updated in place, and creators whose "
                        "result changes are told what changed and how to fix it. A summary follows here and in "
                        "the moderators' chat when it is done."
                    ),
                )
            )
        ]


MAX_SIMULATED = 500
"""Open releases `/norms simulate` evaluates in the command's own unit of work (the newest first would hide
the old ones; the oldest are taken, and the answer says when there were more: `normbot simulate` covers all)."""


@command(
    "norms simulate",
    N_("What a draft norm file would change (attach the YAML; nothing is adopted)"),
    DRAFT_FILE,
    privilege=Privilege.MODERATOR,
)
async def norms_simulate(inv: Invocation, *, file: Attachment) -> list[Action]:
    """The chat twin of `normbot simulate`: the draft is linted like `/norms set` (file:line:col problems),
    then evaluated against the open releases and compared with their latest check. Nothing is written."""
    name, source = _named(file)
    draft = await _load(inv, source, name)
    total = await recheck.open_count(inv.tx, inv.community_id)
    releases = await inv.tx.releases.after(inv.community_id, 0, exclude_statuses=sorted(CLOSED), limit=MAX_SIMULATED)
    changes = await simulate_releases(inv.tx, draft, releases, context=lambda r: context_for(inv.services, inv.tx, r))
    severity = {n.id: n.severity for n in draft.norms}
    # As the re-check counts: a norm added that a release meets (or dropped that it met) changes nothing for it.
    changed = {c.release for c in changes if not {c.before, c.after} <= {None, "pass"}}
    failing = {
        c.release for c in changes if c.after == "fail" and c.before != "fail" and severity.get(c.norm_id) != "info"
    }
    grouped: Counter[tuple[str, str, str]] = Counter((c.norm_id, c.before or "—", c.after or "—") for c in changes)
    examples: dict[tuple[str, str, str], list[str]] = {}
    for c in changes:
        examples.setdefault((c.norm_id, c.before or "—", c.after or "—"), []).append(c.release)
    lines = [
        _("{norm}: {before} → {after} on {n} ({releases})").format(
            norm=norm_id,
            before=before,
            after=after,
            n=n,
            releases=", ".join(examples[(norm_id, before, after)][:5]) + (", …" if n > 5 else ""),
        )
        for (norm_id, before, after), n in grouped.most_common(12)
    ]
    if len(grouped) > 12:
        lines.append(_("... and {n} more norm changes").format(n=len(grouped) - 12))
    seen = (
        _("{seen} of {total}").format(seen=len(releases), total=total) if total > len(releases) else str(len(releases))
    )
    title = _("{pack} would change {changed} of {seen} open release(s); {failing} would newly miss a norm").format(
        pack=f"{draft.id} {draft.version}", changed=len(changed), seen=seen, failing=len(failing)
    )
    footer = _("Nothing was adopted; /norms set with this file adopts it (now in force: {pack}).").format(
        pack=pack_label(inv.pack)
    )
    if total > len(releases):
        footer += " " + _("`normbot simulate` covers every release.")
    return [Reply(Card(title, "\n".join(lines) or _("No result would change."), footer=footer), ephemeral=True)]


@command("norms history", N_("Norm pack revisions adopted in chat"), privilege=Privilege.MODERATOR)
async def norms_history(inv: Invocation) -> list[Action]:
    """Newest first, with author and time."""
    revisions = await inv.tx.pack_revisions.all(inv.community_id)
    if not revisions:
        return [
            Reply(
                Card(
                    _("No revisions"),
                    _("The configured pack ({pack}) is in force.").format(pack=inv.community.norms),
                ),
                ephemeral=True,
            )
        ]
    lines = [
        _("#{number} {pack} by {author} at {at} ({digest})").format(
            number=r.number,
            pack=f"{r.pack_id} {r.pack_version}",
            author=r.author,
            at=f"{r.created_at:%Y-%m-%d %H:%M}",
            digest=r.digest[:12],
        )
        for r in revisions[:20]
    ]
    return [Reply(Card(_("Norm pack history"), "\n".join(lines)), ephemeral=True)]


@command(
    "norms rollback",
    N_("Adopt an earlier revision again"),
    Param("revision", N_("The revision number from /norms history"), Int(example="3")),
    privilege=Privilege.MODERATOR,
)
async def norms_rollback(inv: Invocation, *, revision: int) -> list[Action]:
    """A rollback is a new revision with old content, so history never loses anything."""
    number = revision
    match = [r for r in await inv.tx.pack_revisions.all(inv.community_id) if r.number == number]
    if not match:
        raise NotFound(_("There is no revision #{number}.").format(number=number), hint=_("See /norms history."))
    return await _adopt(inv, match[0].source, f"revision-{number}.yaml", "norms.rolled_back")


RELEASE_OPT = Param(
    "release", N_("The release id, like R12 (or reply to its announcement)"), ReleaseRef, required=False
)


@command(
    "norms show",
    N_("The community's norms, or one norm in detail"),
    Param("norm", N_("A norm id"), NormId, required=False),
)
async def norms_show(inv: Invocation, *, norm: NormId | None) -> list[Action]:
    """Everyone may read the norms they are held to."""
    pack = inv.pack
    if norm:
        found = pack.norm(norm)
        if found is None:
            raise NotFound(
                _("There is no norm {norm}.").format(norm=repr(clip(norm, 40))), hint=_("Send /norms for the list.")
            )
        fields = [(_("Need"), found.need), (_("Severity"), severity_label(found.severity))]
        if found.question:
            fields.append((_("Reviewers are asked"), clip(localized(found.question), 200)))
        if found.fix:
            fields.append((_("How to meet it"), clip(localized(found.fix), 300)))
        details = [clip(line, 300) for line in check_details(found.config)]
        body = clip(localized(found.description) or "", 600)
        if details:
            body += ("\n\n" if body else "") + _("What it checks:") + "\n" + "\n".join(details)
        return [
            Reply(
                Card(f"{found.id}: {clip(localized(found.title), 80)}", body, tuple(fields)),
                ephemeral=True,
            )
        ]
    lines = [f"{n.id} [{n.need}, {severity_label(n.severity)}] {clip(localized(n.title), 60)}" for n in pack.norms]
    return [
        Reply(
            Card(
                _("Norms of {community} ({pack})").format(community=inv.community.name, pack=pack_label(pack)),
                "\n".join(lines),
                footer=_("Digest {digest}. What a norm checks, patterns included: /norms show <id>").format(
                    digest=pack.digest[:12]
                ),
            ),
            ephemeral=True,
        )
    ]


_NOT_CHECKS = frozenset({"id", "need", "title", "severity", "description", "fix", "question", "answers"})


def check_details(config: Any) -> list[str]:
    """The technical side of a norm, one line per check, for the details view (`/norms show <id>`): what
    `when` it applies and each check kind with its settings, patterns as written. Never Python reprs."""
    lines = []
    for key, value in config.items():
        if key in _NOT_CHECKS:
            continue
        lines.append(f"{key}: {setting_text(value)}")
    return lines
