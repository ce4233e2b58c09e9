"""The community's norm pack from chat: /norms show, and for moderators /norms set (attach the YAML),
/norms history and /norms rollback."""

from __future__ import annotations

import asyncio
from typing import Any

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import BadArgument, NotFound
from moderation.kernel.invocation import Invocation
from moderation.kernel.permissions import Privilege
from moderation.releases.cards import (
    clip,
    setting_text,
)
from moderation.releases.reviewing import (
    pack_label,
)
from norms import NormFileError, load_pack_text

__all__: list[str] = []

MAX_PACK_BYTES = 256 * 1024


async def _adopt(inv: Invocation, source: str, name: str, action: str) -> list[Action]:
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
            lines.append(f"... and {more} more; `normbot norms lint` lists every one")
        raise BadArgument(
            f"{name} has {len(exc.problems)} problem(s); nothing was changed.", hint="\n".join(lines)
        ) from None
    revision = await inv.tx.add_pack_revision(
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
    return [
        Reply(
            Card(
                f"Norms updated to {pack.id} {pack.version} (revision {revision.number})",
                f"{len(pack.norms)} norms, digest {pack.digest[:12]}. New checks use it; /normcheck re-checks "
                "a release.",
            )
        )
    ]


@command("norms set", "Adopt a new norm file (attach the YAML)", privilege=Privilege.MODERATOR)
async def norms_set(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Lint problems are answered in chat; nothing is applied unless the whole file is valid."""
    if not inv.attachment_texts:
        raise BadArgument("Attach the norm file (YAML) to the command.", hint="Check it first with: normbot norms lint")
    name, source = next(iter(inv.attachment_texts.items()))
    if len(source.encode("utf-8", "replace")) > MAX_PACK_BYTES:
        raise BadArgument(f"{clip(name, 60)} is larger than {MAX_PACK_BYTES // 1024} KB.")
    return await _adopt(inv, source, clip(name, 60) or "norms.yaml", "norms.adopted")


@command("norms history", "Norm pack revisions adopted in chat", privilege=Privilege.MODERATOR)
async def norms_history(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Newest first, with author and time."""
    revisions = await inv.tx.pack_revisions(inv.community_id)
    if not revisions:
        return [
            Reply(Card("No revisions", f"The configured pack ({inv.community.norms}) is in force."), ephemeral=True)
        ]
    lines = [
        f"#{r.number} {r.pack_id} {r.pack_version} by {r.author} at {r.created_at:%Y-%m-%d %H:%M} ({r.digest[:12]})"
        for r in revisions[:20]
    ]
    return [Reply(Card("Norm pack history", "\n".join(lines)), ephemeral=True)]


@command(
    "norms rollback",
    "Adopt an earlier revision again",
    Param("revision", "The revision number from /norms history", "int"),
    privilege=Privilege.MODERATOR,
)
async def norms_rollback(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """A rollback is a new revision with old content, so history never loses anything."""
    number = int(args["revision"].lstrip("#Rr"))
    match = [r for r in await inv.tx.pack_revisions(inv.community_id) if r.number == number]
    if not match:
        raise NotFound(f"There is no revision #{number}.", hint="See /norms history.")
    return await _adopt(inv, match[0].source, f"revision-{number}.yaml", "norms.rolled_back")


RELEASE_OPT = Param("release", "The release id, like R12 (or reply to its announcement)", "release", required=False)


@command(
    "norms show", "The community's norms, or one norm in detail", Param("norm", "A norm id", "norm", required=False)
)
async def norms_show(inv: Invocation, args: dict[str, Any]) -> list[Action]:
    """Everyone may read the norms they are held to."""
    pack = inv.pack
    norm_id = args.get("norm")
    if norm_id:
        norm = pack.norm(norm_id.lower())
        if norm is None:
            raise NotFound(f"There is no norm {clip(norm_id, 40)!r}.", hint="Send /norms for the list.")
        fields = [("Need", norm.need), ("Severity", norm.severity)]
        if norm.question:
            fields.append(("Reviewers are asked", clip(norm.question, 200)))
        if norm.fix:
            fields.append(("How to meet it", clip(norm.fix, 300)))
        details = [clip(line, 300) for line in check_details(norm.config)]
        body = clip(norm.description or "", 600)
        if details:
            body += ("\n\n" if body else "") + "What it checks:\n" + "\n".join(details)
        return [
            Reply(
                Card(f"{norm.id}: {clip(norm.title, 80)}", body, tuple(fields)),
                ephemeral=True,
            )
        ]
    lines = [f"{n.id} [{n.need}, {n.severity}] {clip(n.title, 60)}" for n in pack.norms]
    return [
        Reply(
            Card(
                f"Norms of {inv.community.name} ({pack_label(pack)})",
                "\n".join(lines),
                footer=f"Digest {pack.digest[:12]}. What a norm checks, patterns included: /norms show <id>",
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
