"""The norm-change dry run: what a draft pack would change on a community's releases (`normbot simulate` over
every stored release, `/norms simulate` in chat over the open ones)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from norms import NormPack, ReleaseContext, evaluate
from norms.fields import ReleaseFields
from storage import Release, Store, Tx

__all__ = ["ResultChange", "simulate", "simulate_releases"]


@dataclass(frozen=True, slots=True)
class ResultChange:
    """A norm whose result would change under the draft pack."""

    release: str
    model: str
    norm_id: str
    before: str | None
    after: str | None


async def simulate_releases(
    tx: Tx,
    draft: NormPack,
    releases: Sequence[Release],
    *,
    context: Callable[[Release], Awaitable[ReleaseContext]] | None = None,
) -> list[ResultChange]:
    """Evaluate `releases` against `draft` and compare with their latest stored check; writes nothing (the
    caller's unit of work: a command's own, which must not open a second one on SQLite). `context` builds a
    release's evaluation context as a real check does (the core's, with provenance's parents); without it,
    fields and text only."""
    changes: list[ResultChange] = []
    for release in releases:
        latest = await tx.norm_checks.latest(release.id)
        before = {r.norm_id: r.outcome for r in latest[1]} if latest else {}
        ctx = (
            await context(release)
            if context is not None
            else ReleaseContext(fields=ReleaseFields.from_json(release.fields_json), text=release.text)
        )
        after = {r.norm_id: r.outcome for r in await asyncio.to_thread(evaluate, draft, ctx)}
        for norm_id in sorted(set(before) | set(after)):
            if before.get(norm_id) != after.get(norm_id):
                changes.append(
                    ResultChange(f"R{release.id}", release.model_name, norm_id, before.get(norm_id), after.get(norm_id))
                )
    return changes


async def simulate(store: Store, draft: NormPack, community: str | None = None) -> tuple[int, list[ResultChange]]:
    """Re-evaluate stored releases against `draft` without writing anything: (releases seen, changes)."""
    changes: list[ResultChange] = []
    seen = 0
    async with store.transaction() as tx:
        for c in await tx.communities.all():
            if community is not None and c.slug != community:
                continue
            releases = await tx.releases.all(c.id)
            seen += len(releases)
            changes += await simulate_releases(tx, draft, releases)
        await tx.discard()
    return seen, changes
