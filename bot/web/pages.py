"""The public HTML pages: communities, a community's releases, one release, a community's norms.

Server-rendered, no JavaScript: filters are a GET form, pagination is links. Every value reaches the page
through Jinja2 with autoescape on; the data comes from the same `bot.web.views` functions as the JSON API.

A community's pages (its releases, one of its releases, its norms) are in the community's language, as its
chats are; the list of communities in the browser's (`Accept-Language`). The JSON API stays English.
"""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bot.web.api import parse_release_ref
from bot.web.context import page_language, registry_of
from bot.web.params import PER_PAGE, STATUSES, ListingQuery, listing_query
from bot.web.views import community_json, pack_json, release_page_json
from moderation.kernel.i18n import using
from norms import NEEDS

__all__ = ["router"]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/")
async def index(request: Request) -> Response:
    """The communities in the registry."""
    registry = registry_of(request)
    async with registry.read() as tx:
        communities = [community_json(c) for c in await tx.registry.community_summaries()]
    with using(page_language(request)):
        return registry.templates.TemplateResponse(request, "index.html", {"communities": communities})


@router.get("/c/{slug}")
async def community(request: Request, slug: str, query: Annotated[ListingQuery, Depends(listing_query)]) -> Response:
    """A community's releases with filters, search and pagination."""
    registry = registry_of(request)
    async with registry.read() as tx:
        row = await registry.community(tx, slug)
        page = await tx.registry.list_releases(row.id, query.filter, limit=PER_PAGE, offset=query.offset)
        model_types, base_models = await tx.registry.filter_choices(row.id)
        language = await registry.language(tx, row)
    with using(language):
        listing = release_page_json(page, number=query.page, per_page=PER_PAGE)
    path = f"/c/{row.slug}"
    context = {
        "community": {"slug": row.slug, "name": row.name},
        "listing": listing,
        "filters": query.as_params(),
        "choices": {"status": STATUSES, "need": NEEDS, "model_type": model_types, "base_model": base_models},
        "prev_url": query.url(path, query.page - 1) if query.page > 1 else None,
        "next_url": query.url(path, query.page + 1) if query.page < listing["pages"] else None,
    }
    with using(language):
        return registry.templates.TemplateResponse(request, "community.html", context)


@router.get("/r/{release_id}")
async def release(request: Request, release_id: str) -> Response:
    """One release in full."""
    registry = registry_of(request)
    number = parse_release_ref(release_id)
    async with registry.read() as tx:
        row = await tx.releases.get_any(number)
        owner = await tx.communities.get(row.community_id) if row is not None else None
        language = await registry.language(tx, owner) if owner is not None else page_language(request)
    with using(language):
        data = await registry.release_json(number)
        context = {"community": data["community"], "r": data}
        return registry.templates.TemplateResponse(request, "release.html", context)


@router.get("/c/{slug}/norms")
async def norms(request: Request, slug: str) -> Response:
    """The community's norm pack, readable: grouped by need, with what each norm checks."""
    registry = registry_of(request)
    async with registry.read() as tx:
        row = await registry.community(tx, slug)
        pack, origin, revision = await registry.pack(tx, row)
        language = await registry.language(tx, row)
    data = pack_json(pack, origin=origin, revision=revision)
    order = {need: i for i, need in enumerate(NEEDS)}
    ordered = sorted(data["norms"], key=lambda n: order.get(n["need"], len(order)))
    groups = [(need, list(items)) for need, items in groupby(ordered, key=lambda n: n["need"])]
    context = {"community": {"slug": row.slug, "name": row.name}, "pack": data, "groups": groups}
    with using(language):
        return registry.templates.TemplateResponse(request, "norms.html", context)
