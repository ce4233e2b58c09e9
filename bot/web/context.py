"""The registry's shared state: the store, the configured communities, the pack provider and the templates.

Why an object on `app.state` rather than module globals: tests build several apps on different stores in one
process, and `normbot web` builds exactly one from its settings (style.md: one composition root).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

from bot.web.errors import NotFound, Unavailable
from bot.web.views import STATUS_LABELS
from moderation.community import CommunityConfig
from moderation.packs import PackProvider
from norms import NormError, NormPack
from storage import Community, Store, Tx

__all__ = ["TEMPLATES_DIR", "Registry", "http_url", "registry_of"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
log = logging.getLogger("normbot.web")


def http_url(value: object) -> str | None:
    """The URL if it is http(s), else None: user-supplied links never become `javascript:` hrefs."""
    if isinstance(value, str) and value.lower().startswith(("http://", "https://")) and len(value) <= 2000:
        return value
    return None


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["status_labels"] = STATUS_LABELS
    env.filters["http_url"] = http_url
    return env


class Registry:
    """What every request handler needs; read-only over the store."""

    def __init__(self, store: Store, communities: Sequence[CommunityConfig] = (), base_dir: Path | None = None) -> None:
        self.store = store
        self.configs = {c.slug: c for c in communities}
        self.packs = PackProvider(base_dir)
        self.templates = Jinja2Templates(env=_environment())

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A transaction for reading (the registry never writes, so commit is a no-op)."""
        async with self.store.transaction() as tx:
            yield tx

    async def community(self, tx: Tx, slug: str) -> Community:
        """The community with this slug, or a 404."""
        row = await tx.community_by_slug(slug) if len(slug) <= 64 else None
        if row is None:
            raise NotFound(f"There is no community called “{slug[:64]}”.")
        return row

    def config_for(self, community: Community) -> CommunityConfig:
        """The configured settings, or defaults (baseline pack, no moderator token) for unconfigured ones."""
        return self.configs.get(community.slug) or CommunityConfig(slug=community.slug, name=community.name)

    async def pack(self, tx: Tx, community: Community) -> tuple[NormPack, str, int | None]:
        """The pack in force with where it comes from: (pack, origin, revision number or None)."""
        config = self.config_for(community)
        revision = await tx.current_pack_revision(community.id)
        try:
            pack = await self.packs.current(tx, config, community.id)
        except NormError as exc:
            log.warning("registry: norm pack of %s cannot be loaded: %s", community.slug, exc)
            raise Unavailable(f"The norm pack of {community.name} cannot be loaded right now.") from None
        if revision is not None:
            return pack, f"adopted in chat (revision {revision.number})", revision.number
        return pack, f"configured: {config.norms}", None


def registry_of(request: Request) -> Registry:
    """The registry of the app serving this request."""
    registry: Registry = request.app.state.registry
    return registry
