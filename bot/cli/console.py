"""`normbot console` (interactive or `--script`) and `normbot demo` (the bundled community script)."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.table import Table

from bot.cli._async import fail, run
from bot.cli.app import app
from bot.cli.failures import norm_file_failure
from bot.cli.stores import DbOption, open_store, store_url
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.kernel.clock import ManualClock, utcnow
from moderation.kernel.community import ChatBinding, CommunityConfig
from norms import NormError, resolve_pack
from storage import Store, default_url, normalise_url, redact_url

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "console" / "demo.txt"
DEMO_SLUG = "pixel-forge"
DEMO_ORIGIN = "demo"  # communities.origin of the community the demo made (the only one it deletes unasked)
DEMO_PATH = Path("data") / "demo.db"
DEMO_URL = f"sqlite+aiosqlite:///{DEMO_PATH}"


def console_community(
    norms: str, moderators: list[str], reviewers: list[str], slug: str = DEMO_SLUG
) -> CommunityConfig:
    """The console's community: one releases chat, one moderators' chat, people named on the command line."""
    return CommunityConfig(
        slug=slug,
        name="Pixel Forge" if slug == DEMO_SLUG else slug,
        norms=norms,
        moderators=frozenset(f"console:{m.lower()}" for m in moderators),
        reviewers=frozenset(f"console:{r.lower()}" for r in reviewers),
        chats=(ChatBinding("console", "releases", "releases"), ChatBinding("console", "mods", "mod")),
    )


async def _session(
    store: Store, community: CommunityConfig, clock: ManualClock, rules_only: bool, base_dir: Path
) -> ConsoleSession:
    core = await build_core(store, [community], clock=clock, rules_only=rules_only, base_dir=base_dir, migrate=False)
    return ConsoleSession(core, clock, base_dir=base_dir)


def _check_norms(norms: str, base_dir: Path) -> None:
    """Load the pack before anything opens: a broken file is reported as `norms lint` does, exit 2."""
    try:
        resolve_pack(norms, base_dir)
    except NormError as exc:
        raise norm_file_failure(exc) from None


async def _run_lines(session: ConsoleSession, lines: list[str]) -> None:
    for line in lines:
        await session.feed(line)


async def _summary(store: Store, slug: str) -> Table:
    table = Table(title="Pixel Forge after the demo", show_lines=False)
    for col in ("release", "model", "creator", "status", "endorsements", "flags (open/upheld/dismissed)"):
        table.add_column(col)
    async with store.transaction() as tx:
        community = await tx.communities.by_slug(slug)
        assert community is not None
        for r in reversed(await tx.releases.page(community.id, limit=50)):
            creator = await tx.accounts.get(r.creator_id)
            flags = await tx.flags.of_release(r.id)
            counts = "/".join(str(sum(f.status == s for f in flags)) for s in ("open", "upheld", "dismissed"))
            table.add_row(
                f"R{r.id}",
                f"{r.model_name} {r.version or ''}".strip(),
                creator.display_name if creator else "?",
                r.status,
                str(await tx.endorsements.count(r.id)),
                counts,
            )
    return table


RulesOnly = Annotated[bool, typer.Option("--rules-only", help="Detect releases with rules only (no transformer model)")]


@app.command("console")
def console(
    script: Annotated[Path | None, typer.Option("--script", help="Replay a script of '@name: text' lines")] = None,
    db: DbOption = None,
    norms: Annotated[
        str, typer.Option("--norms", help="The community's norm pack: a file or a built-in name")
    ] = "baseline",
    moderator: Annotated[list[str] | None, typer.Option("--moderator", help="A moderator's name (repeatable)")] = None,
    reviewer: Annotated[list[str] | None, typer.Option("--reviewer", help="A reviewer's name (repeatable)")] = None,
    rules_only: RulesOnly = False,
) -> None:
    """Talk to normbot in the terminal as several people (`/as <name>` switches; `@clock: +25h` moves time)."""
    community = console_community(norms, moderator or ["mia"], reviewer or [])
    if script is not None and not script.exists():
        raise fail(f"{script}: file not found")
    _check_norms(norms, Path.cwd())
    url = store_url(db)

    async def go() -> None:
        clock = ManualClock() if script else ManualClock(utcnow().replace(second=0, microsecond=0))
        async with open_store(url, write=True) as store:
            session = await _session(store, community, clock, rules_only, Path.cwd())
            if script is not None:
                await _run_lines(session, script.read_text(encoding="utf-8", errors="replace").splitlines())
                return
            await _interactive(session)

    run(go())


async def _interactive(session: ConsoleSession) -> None:
    name = "ada"
    typer.echo(
        "normbot console — type messages or /commands. '/as <name>' switches person, '@clock: +1h' moves "
        "time, Ctrl-D quits."
    )
    while True:
        try:
            line = await asyncio.to_thread(input, f"{name}> ")
        except EOFError:
            return
        if line.startswith("/as "):
            name = line[4:].strip() or name
            continue
        await session.feed(line if line.startswith("@") else f"@{name}: {line}")


@dataclass(frozen=True)
class _Found:
    """A community with the demo's slug already in the store, and whether the demo made it."""

    by_demo: bool
    releases: int


async def _find_demo_community(store: Store) -> _Found | None:
    async with store.transaction() as tx:
        row = await tx.communities.by_slug(DEMO_SLUG)
        if row is None:
            return None
        return _Found(row.origin == DEMO_ORIGIN, len(await tx.releases.all(row.id)))


def _may_delete(found: _Found | None, url: str, *, reset: bool, yes: bool) -> None:
    """The demo deletes what it created; anything else only with --reset and a yes (issue 20, item 11)."""
    if found is None or found.by_demo:
        return
    where = f"the store at {redact_url(url)} has a community {DEMO_SLUG!r} ({found.releases} releases)"
    if not reset:
        raise fail(
            f"{where} that the demo did not create, and the demo deletes only what it created. Leave out --db "
            f"to use the demo's own store ({DEMO_PATH}), or pass --reset to delete that community first "
            "(it asks; --yes for scripts)"
        )
    if yes:
        return
    try:
        agreed = typer.confirm(f"{where} that the demo did not create. Delete it and everything in it?")
    except (click.exceptions.Abort, typer.Abort):  # end of input (or Ctrl-C): no answer is no
        agreed = False
    if not agreed:
        raise fail(f"nothing deleted; {DEMO_SLUG!r} is untouched")


@app.command("demo")
def demo(
    db: Annotated[
        str | None,
        typer.Option("--db", help=f"Database URL (default: the demo's own store, {DEMO_PATH}; never the bot's)"),
    ] = None,
    rules_only: RulesOnly = False,
    reset: Annotated[
        bool,
        typer.Option("--reset", help=f"Delete a {DEMO_SLUG!r} community the demo did not create (asks first)"),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Answer yes to --reset's question (scripts)")] = False,
) -> None:
    """Replay a small creator community (releases, endorsements, a nudge and fix, flags, a reminder).

    It runs in its own store unless --db names another, and deletes only the community it created itself:
    a second run starts afresh, and someone else's data is never touched without --reset and a yes."""
    url = normalise_url(db) if db else DEMO_URL
    community = console_community("baseline", ["mia"], [])

    async def inspect() -> _Found | None:
        async with open_store(url, write=True) as store:
            return await _find_demo_community(store)

    found = run(inspect())
    _may_delete(found, url, reset=reset, yes=yes)
    agreed_foreign = found is not None and not found.by_demo  # only reached with --reset and a yes

    async def go() -> Table:
        async with open_store(url, write=True) as store:
            async with store.transaction() as tx:
                row = await tx.communities.by_slug(DEMO_SLUG)
                if row is not None and (row.origin == DEMO_ORIGIN or agreed_foreign):
                    await tx.communities.delete(DEMO_SLUG)
                elif row is not None:  # appeared since the question: not ours, not agreed
                    raise fail(f"a {DEMO_SLUG!r} community appeared in the store meanwhile; nothing deleted")
            session = await _session(store, community, ManualClock(), rules_only, DEMO_SCRIPT.parent)
            async with store.transaction() as tx:
                row = await tx.communities.by_slug(DEMO_SLUG)
                assert row is not None  # build_core registered it
                await tx.communities.mark_origin(row.id, DEMO_ORIGIN)
            await _run_lines(session, DEMO_SCRIPT.read_text(encoding="utf-8").splitlines())
            return await _summary(store, community.slug)

    table = run(go())
    Console(file=sys.stdout, width=110).print(table)
    db_arg = "" if url == normalise_url(default_url()) else f" --db {redact_url(url)}"
    typer.echo(f"Browse it: normbot web{db_arg} (then open http://127.0.0.1:8080/c/{DEMO_SLUG})")
