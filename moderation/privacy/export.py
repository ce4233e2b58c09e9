"""A read-only view of the store for people and tools: a community's releases as rows (`normbot export`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from storage import Release, Store, Tx

__all__ = ["export_rows"]


async def _release_row(tx: Tx, release: Release, slug: str) -> dict[str, Any]:
    creator = await tx.accounts.get(release.creator_id)
    latest = await tx.norm_checks.latest(release.id)
    flags = []
    for flag in await tx.flags.of_release(release.id):
        reporter = await tx.accounts.get(flag.account_id)
        flags.append(
            {
                "id": f"F{flag.id}",
                "norm": flag.norm_id,
                "reporter": reporter.display_name if reporter else None,
                "status": flag.status,
                "reason": flag.reason,
                "resolution": flag.resolution_note,
            }
        )
    reviews = [
        {"reviewer": account.display_name, "answers": {a.norm_id: a.answer for a in answers}}
        for _, account, answers in await tx.reviews.of_release(release.id)
    ]
    return {
        "id": f"R{release.id}",
        "community": slug,
        "model_name": release.model_name,
        "version": release.version,
        "creator": creator.display_name if creator else None,
        "creator_account": f"{creator.platform}:{creator.user_id}" if creator else None,
        "status": release.status,
        "fields": release.fields_json,
        "norm_pack": latest[0].pack_digest if latest else None,
        "norm_results": {r.norm_id: r.outcome for r in latest[1]} if latest else {},
        "endorsements": [a.display_name for _, a in await tx.endorsements.of_release(release.id)],
        "flags": flags,
        "reviews": reviews,
        "announcements": [
            {"platform": a.platform, "chat": a.chat_id, "message": a.message_id, "url": a.url}
            for a in await tx.announcements.of_release(release.id)
        ],
        "previous": f"R{release.previous_id}" if release.previous_id else None,
        "created_at": release.created_at.isoformat(),
    }


async def export_rows(store: Store, community: str | None = None) -> AsyncIterator[dict[str, Any]]:
    """One dict per release (oldest first), optionally of one community; raises KeyError for an unknown one."""
    async with store.transaction() as tx:
        communities = await tx.communities.all()
        if community is not None:
            communities = [c for c in communities if c.slug == community]
            if not communities:
                raise KeyError(community)
        for c in communities:
            for release in await tx.releases.all(c.id):
                yield await _release_row(tx, release, c.slug)
