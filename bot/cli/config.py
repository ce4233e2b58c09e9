"""`normbot config show`: the configuration the bot runs with, and where each value came from.

Since `/setup` moderators change settings from chat, `normbot.toml` alone no longer says what is in force:
a review chat may come from the file, from the store (who set it, when) or be unset, and the quorum from the
norm pack or the store. This prints the merged result with the same function the core merges with
(`moderation.setup.settings.explain`), so what it says is what the bot does.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import app
from bot.cli.failures import fail, norm_file_failure
from bot.cli.stores import DB_HELP, open_store
from bot.config import ConfigError, Settings, load_settings
from moderation.setup.settings import Stored, explain
from norms import NormError, NormPack, load_pack_text, resolve_pack
from storage import default_url, normalise_url, redact_url, sqlite_file

config_app = typer.Typer(help="The configuration in force: the file, the store's /setup changes, the defaults.")
app.add_typer(config_app, name="config")

ConfigOption = Annotated[Path | None, typer.Option("--config", help="The config file (default: ./normbot.toml)")]


def _store_line(db: str | None, settings: Settings) -> tuple[str, str]:
    if db:
        return normalise_url(db), "--db"
    if os.environ.get("NORMBOT_DATABASE_URL"):
        return normalise_url(os.environ["NORMBOT_DATABASE_URL"]), "NORMBOT_DATABASE_URL"
    if settings.store.url:
        return normalise_url(settings.store.url), "file"
    return normalise_url(default_url()), "default"


async def _stored(url: str) -> tuple[dict[str, list[Stored]], dict[str, tuple[int, str]], bool]:
    """Stored settings and adopted pack revisions by community slug; False when there is no store yet."""
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        return {}, {}, False
    settings: dict[str, list[Stored]] = {}
    revisions: dict[str, tuple[int, str]] = {}
    async with open_store(url) as store, store.transaction() as tx:
        for r in await tx.settings.all():
            settings.setdefault(r.community_slug, []).append(
                Stored(r.key, r.platform, r.value, r.updated_by, r.updated_at)
            )
        for community in await tx.communities.all():
            revision = await tx.pack_revisions.current(community.id)
            if revision is not None:
                revisions[community.slug] = (revision.number, revision.source)
    return settings, revisions, True


@config_app.command("show")
def show(
    config: ConfigOption = None,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    community: Annotated[str | None, typer.Option("--community", help="Only this community (its slug)")] = None,
) -> None:
    """Print the merged configuration, each value with its source: file, store (who, when), norm pack or
    default."""
    try:
        settings = load_settings(config, required=config is not None)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    url, url_source = _store_line(db, settings)
    stored, revisions, has_store = asyncio.run(_stored(url))
    lines = [
        f"config file: {settings.source}",
        f"store: {redact_url(url)} ← {url_source}"
        + ("" if has_store else " (not created yet: file and defaults only)"),
    ]
    chosen = [c for c in settings.communities if community is None or c.slug == community]
    if community is not None and not chosen:
        known = ", ".join(c.slug for c in settings.communities) or "none"
        raise fail(f"no community named {community!r} in {settings.source} (communities: {known})")
    if not settings.communities:
        lines.append("no communities configured (write some with `normbot init`)")
    configs = {c.slug: c for c in settings.core_communities()}
    for raw in chosen:
        base = configs[raw.slug]
        try:
            pack = _pack(base.norms, revisions.get(raw.slug))
        except NormError as exc:
            raise norm_file_failure(exc) from None
        lines.append("")
        lines.append(f"community {raw.slug} ({raw.name})")
        adopted = revisions.get(raw.slug)
        lines.append(
            f"  norms: {pack.id} {pack.version} ← "
            + (f"store (adopted in chat, revision {adopted[0]})" if adopted else f"file ({base.norms})")
        )
        file_keys = frozenset(k for k in ("language", "reviewer_roles", "enforcement") if k in raw.model_fields_set)
        for item in explain(
            base,
            stored.get(raw.slug, []),
            pack_quorum=pack.review.quorum,
            pack_window=pack.review.window,
            pack_name=f"{pack.id} {pack.version}",
            file_keys=file_keys,
        ):
            lines.append(f"  {item.line()}")
    typer.echo("\n".join(lines))


def _pack(norms: str, adopted: tuple[int, str] | None) -> NormPack:
    if adopted is not None:
        return load_pack_text(adopted[1], f"revision-{adopted[0]}.yaml", None)
    return resolve_pack(norms)
