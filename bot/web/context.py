"""The registry's shared state: the store, the configured communities, the pack provider and the templates.

Why an object on `app.state` rather than module globals: tests build several apps on different stores in one
process, and `normbot web` builds exactly one from its settings (style.md: one composition root).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from bot.web.errors import NotFound, Unavailable
from bot.web.lockout import Lockout
from bot.web.views import STATUS_LABELS, release_detail_json
from moderation.core import Core
from moderation.kernel.clock import Clock, utcnow
from moderation.kernel.community import CommunityConfig
from moderation.kernel.i18n import DEFAULT_LANGUAGE, N_, _, current_locale, language_of, ngettext, translate
from moderation.kernel.visible import visible
from moderation.norms_admin.packs import PackProvider
from moderation.releases.cards import setting_text
from moderation.releases.lifecycle import STATUS_LABELS as RELEASE_STATUS_LABELS
from moderation.setup.form import stored_of
from moderation.setup.settings import merged
from norms import NormError, NormPack
from storage import Community, Store, Tx

__all__ = ["TEMPLATES_DIR", "Registry", "http_url", "page_language", "registry_of", "shown"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
log = logging.getLogger("normbot.web")


def http_url(value: object) -> str | None:
    """The URL if it is http(s), else None: user-supplied links never become `javascript:` hrefs."""
    if isinstance(value, str) and value.lower().startswith(("http://", "https://")) and len(value) <= 2000:
        return value
    return None


def shown(value: object) -> object:
    """Every `{{ value }}` on a page goes through here before escaping: member text with invisible control
    characters (a bidi override, NUL) shows them as `[U+202E]` (see `moderation.kernel.visible`). Markup is ours
    (macros, `tojson`, which escapes to ASCII) and passes unchanged."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


_STATUS_WORDS = {**RELEASE_STATUS_LABELS, "withdrawn": N_("withdrawn (not a release)")}
"""`bot.web.views.STATUS_LABELS` (the JSON API's English labels), marked for the catalogs: the core's labels
(`moderation.releases.lifecycle`), with the registry's longer word for a withdrawn release. Pages show them in
the page's language."""


class _StatusLabels(Mapping[str, str]):
    """A release state as the page's reader reads it (looked up when the template asks, in the language of
    the request being rendered)."""

    def __getitem__(self, status: str) -> str:
        return translate(_STATUS_WORDS[status])

    def __iter__(self) -> Iterator[str]:
        return iter(_STATUS_WORDS)

    def __len__(self) -> int:
        return len(_STATUS_WORDS)


def status_word(label: str, status: str) -> str:
    """A standing badge's label in the page's language: the plain state's label is translated here; a
    standing with upheld flags was worded by `standing` in the request's language already."""
    if label == STATUS_LABELS.get(status) and status in _STATUS_WORDS:
        return translate(_STATUS_WORDS[status])
    return label


def markup_format(message: str, **values: object) -> Markup:
    """A translated sentence with HTML inside it (a link, a `<code>` norm id): the sentence is escaped, member
    text in `values` is shown (`shown`) and escaped, our markup (macros, `{% set %}` blocks) passes. Why: the
    translation decides where the link goes, so the sentence cannot be cut around it."""
    return escape(message).format(**{k: shown(v) for k, v in values.items()})


def page_language(request: Request) -> str:
    """The language of a page no community decides (the list of communities, errors, the moderators' pages):
    the browser's first `Accept-Language` we speak, else English."""
    for part in request.headers.get("accept-language", "").split(","):
        found = language_of(part.split(";", 1)[0].strip())
        if found:
            return found
    return DEFAULT_LANGUAGE


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=shown,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The same catalogs and the same current language as the core's text (moderation.kernel.i18n): a page is
    # rendered inside `using(<the community's language>)`. Old-style callables: `_("… {n}").format(n=…)` as in
    # the Python code, so the catalogs' `{placeholders}` and their check are the same for both.
    env.install_gettext_callables(_, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals["current_locale"] = current_locale
    env.globals["status_labels"] = _StatusLabels()
    env.globals["markup_format"] = markup_format
    env.filters["status_word"] = status_word
    env.filters["http_url"] = http_url
    env.filters["words"] = setting_text  # norm settings as people read them, never Python reprs
    return env


class _NoDetector:
    """The registry's core never reads chat messages, so it needs no detector."""

    async def adetect_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> Sequence[Any]:
        return []


class Registry:
    """What every request handler needs. Pages only read the store; the moderators' forms act through a core
    (`core()`), exactly as the chat commands do."""

    def __init__(
        self,
        store: Store,
        communities: Sequence[CommunityConfig] = (),
        base_dir: Path | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.clock = clock
        self.lockout = Lockout(clock=clock)
        self.configs = {c.slug: c for c in communities}
        self.packs = PackProvider(base_dir)
        self.templates = Jinja2Templates(env=_environment())
        self._core: Core | None = None

    def core(self) -> Core:
        """The core the moderators' forms run commands through (built on first use; no chat adapters, so what
        a decision sends to chats waits in the outbox for a bot process: `Core.handle_remote`)."""
        if self._core is None:
            self._core = Core(self.store, list(self.configs.values()), detector=_NoDetector(), clock=self.clock)
        return self._core

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A transaction for reading (the registry never writes, so commit is a no-op)."""
        async with self.store.transaction() as tx:
            yield tx

    async def community(self, tx: Tx, slug: str) -> Community:
        """The community with this slug, or a 404."""
        row = await tx.communities.by_slug(slug) if len(slug) <= 64 else None
        if row is None:
            raise NotFound(f"There is no community called “{slug[:64]}”.")
        return row

    async def language(self, tx: Tx, community: Community) -> str:
        """The community's language: its file's, or the one a moderator chose with `/setup language`."""
        config = merged(self.config_for(community), stored_of(await tx.settings.all(community.id)))
        return language_of(config.language) or DEFAULT_LANGUAGE

    def config_for(self, community: Community) -> CommunityConfig:
        """The configured settings, or defaults (baseline pack, no moderator token) for unconfigured ones."""
        return self.configs.get(community.slug) or CommunityConfig(slug=community.slug, name=community.name)

    async def release_json(self, release_id: int) -> dict[str, Any]:
        """A release of any community in full (the public shape), or a 404.

        Norm results get their titles from the pack in force; a pack that cannot be loaded only costs the
        titles, not the page.
        """
        async with self.read() as tx:
            row = await tx.releases.get_any(release_id)
            detail = await tx.registry.release_detail(row.community_id, release_id) if row is not None else None
            community = await tx.communities.get(row.community_id) if row is not None else None
            titles: dict[str, str] = {}
            if community is not None:
                try:
                    pack, _, _ = await self.pack(tx, community)
                    titles = {n.id: n.title for n in pack.norms}
                except Unavailable:
                    pass
        if detail is None or community is None:
            raise NotFound(f"There is no release R{release_id}.")
        out = release_detail_json(detail, titles)
        out["community"] = {"slug": community.slug, "name": community.name}
        return out

    async def pack(self, tx: Tx, community: Community) -> tuple[NormPack, str, int | None]:
        """The pack in force with where it comes from: (pack, origin, revision number or None)."""
        config = self.config_for(community)
        revision = await tx.pack_revisions.current(community.id)
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
