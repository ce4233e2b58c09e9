"""The norm-change dry run: what a draft pack would change on a community's releases (`normbot simulate`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from norms import NormPack, ReleaseContext, evaluate
from norms.fields import ReleaseFields
from storage import Store

__all__ = ["ResultChange", "simulate"]


@dataclass(frozen=True, slots=True)
class ResultChange:
    """A norm whose result would change under the draft pack."""

    release: str
    model: str
    norm_id: str
    before: str | None
    after: str | None


async def simulate(store: Store, draft: NormPack, community: str | None = None) -> tuple[int, list[ResultChange]]:
    """Re-evaluate stored releases against `draft` without writing anything: (releases seen, changes)."""
    changes: list[ResultChange] = []
    seen = 0
    async with store.transaction() as tx:
        for c in await tx.communities.all():
            if community is not None and c.slug != community:
                continue
            for release in await tx.releases.all(c.id):
                seen += 1
                latest = await tx.norm_checks.latest(release.id)
                before = {r.norm_id: r.outcome for r in latest[1]} if latest else {}
                ctx = ReleaseContext(fields=ReleaseFields.from_json(release.fields_json), text=release.text)
                after = {r.norm_id: r.outcome for r in await asyncio.to_thread(evaluate, draft, ctx)}
                for norm_id in sorted(set(before) | set(after)):
                    if before.get(norm_id) != after.get(norm_id):
                        changes.append(
                            ResultChange(
                                f"R{release.id}", release.model_name, norm_id, before.get(norm_id), after.get(norm_id)
                            )
                        )
        await tx.discard()
    return seen, changes
