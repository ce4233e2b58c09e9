"""`normbot console` (interactive or `--script`) and `normbot demo` (the bundled community script)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli._async import fail, run_on_store
from bot.cli.app import app
from bot.console import ConsoleSession
from bot.wiring import build_core
from moderation.clock import ManualClock, utcnow
from moderation.community import ChatBinding, CommunityConfig
from storage import Store

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "console" / "demo.txt"
DEMO_SLUG = "pixel-forge"


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
    db: str | None, community: CommunityConfig, clock: ManualClock, rules_only: bool, base_dir: Path, fresh: bool
) -> tuple[Store, ConsoleSession]:
    store = Store.from_url(db)
    await store.upgrade()
    if fresh:
        async with store.transaction() as tx:
            await tx.delete_community(community.slug)
    core = await build_core(store, [community], clock=clock, rules_only=rules_only, base_dir=base_dir, migrate=False)
    return store, ConsoleSession(core, clock, base_dir=base_dir)


async def _run_lines(session: ConsoleSession, lines: list[str]) -> None:
    for line in lines:
        await session.feed(line)


async def _summary(store: Store, slug: str) -> Table:
    table = Table(title="Pixel Forge after the demo", show_lines=False)
    for col in ("release", "model", "creator", "status", "endorsements", "flags (open/upheld/dismissed)"):
        table.add_column(col)
    async with store.transaction() as tx:
        community = await tx.community_by_slug(slug)
        assert community is not None
        for r in reversed(await tx.releases(community.id, limit=50)):
            creator = await tx.account(r.creator_id)
            flags = await tx.flags_of(r.id)
            counts = "/".join(str(sum(f.status == s for f in flags)) for s in ("open", "upheld", "dismissed"))
            table.add_row(
                f"R{r.id}",
                f"{r.model_name} {r.version or ''}".strip(),
                creator.display_name if creator else "?",
                r.status,
                str(await tx.count_endorsements(r.id)),
                counts,
            )
    return table


Db = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: NORMBOT_DATABASE_URL or ./data/normbot.db)")
]
RulesOnly = Annotated[bool, typer.Option("--rules-only", help="Detect releases with rules only (no transformer model)")]


@app.command("console")
def console(
    script: Annotated[Path | None, typer.Option("--script", help="Replay a script of '@name: text' lines")] = None,
    db: Db = None,
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

    async def go() -> None:
        clock = ManualClock() if script else ManualClock(utcnow().replace(second=0, microsecond=0))
        store, session = await _session(db, community, clock, rules_only, Path.cwd(), fresh=False)
        try:
            if script is not None:
                await _run_lines(session, script.read_text(encoding="utf-8", errors="replace").splitlines())
                return
            await _interactive(session)
        finally:
            await store.close()

    run_on_store(go())


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


@app.command("demo")
def demo(db: Db = None, rules_only: RulesOnly = False) -> None:
    """Replay a small creator community (releases, endorsements, a nudge and fix, flags, a reminder)."""
    community = console_community("baseline", ["mia"], [])

    async def go() -> Table:
        store, session = await _session(db, community, ManualClock(), rules_only, DEMO_SCRIPT.parent, fresh=True)
        try:
            await _run_lines(session, DEMO_SCRIPT.read_text(encoding="utf-8").splitlines())
            return await _summary(store, community.slug)
        finally:
            await store.close()

    table = run_on_store(go())
    Console(file=sys.stdout, width=110).print(table)
    typer.echo("Browse it: normbot web (then open http://127.0.0.1:8080/c/pixel-forge)")
