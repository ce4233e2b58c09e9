"""The JSON API under `/api/v1`: the same public data as the pages, documented by `/openapi.json`.

Every response is built by `bot.web.views`, the same functions the pages render, so the API shows exactly
what the pages show and nothing more (no reporters, no open flags, no audit log).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from bot.web.context import registry_of
from bot.web.errors import NotFound
from bot.web.params import PER_PAGE, ListingQuery, listing_query
from bot.web.views import community_json, pack_json, release_page_json

__all__ = ["parse_release_ref", "router"]

router = APIRouter(prefix="/api/v1", tags=["registry"])


def parse_release_ref(ref: str) -> int:
    """`12` or `R12` -> 12; anything else is a 404 (a release address, not a query parameter)."""
    digits = ref[1:] if ref[:1] in ("R", "r") else ref
    if not digits.isdigit() or len(digits) > 18:
        raise NotFound(f"There is no release “{ref[:40]}”.")
    return int(digits)


@router.get("/communities", summary="Communities with their release counts")
async def communities(request: Request) -> dict[str, Any]:
    """Every community in the registry."""
    async with registry_of(request).read() as tx:
        return {"communities": [community_json(c) for c in await tx.registry.community_summaries()]}


@router.get("/communities/{slug}/releases", summary="A community's releases, filtered and paginated")
async def releases(
    request: Request, slug: str, query: Annotated[ListingQuery, Depends(listing_query)]
) -> dict[str, Any]:
    """Releases newest first, 25 a page; filters combine with AND."""
    registry = registry_of(request)
    async with registry.read() as tx:
        community = await registry.community(tx, slug)
        page = await tx.registry.list_releases(community.id, query.filter, limit=PER_PAGE, offset=query.offset)
        model_types, base_models = await tx.registry.filter_choices(community.id)
    out = release_page_json(page, number=query.page, per_page=PER_PAGE)
    out["community"] = {"slug": community.slug, "name": community.name}
    out["filters"] = {**query.as_params(), "choices": {"model_type": model_types, "base_model": base_models}}
    return out


@router.get("/releases/{release_id}", summary="One release in full")
async def release(request: Request, release_id: str) -> dict[str, Any]:
    """Fields, announcements, the latest norm check, endorsements, reviews, resolved flags, lineage, claims."""
    return await registry_of(request).release_json(parse_release_ref(release_id))


@router.get("/communities/{slug}/norms", summary="The norm pack in force in a community")
async def norms(request: Request, slug: str) -> dict[str, Any]:
    """The latest pack adopted in chat, else the configured pack (or `baseline`)."""
    registry = registry_of(request)
    async with registry.read() as tx:
        community = await registry.community(tx, slug)
        pack, origin, revision = await registry.pack(tx, community)
    return {
        "community": {"slug": community.slug, "name": community.name},
        "pack": pack_json(pack, origin=origin, revision=revision),
    }
