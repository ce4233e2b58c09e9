"""Issue 20 (operators), items 11, 12 and 14, where an operator meets them: the `normbot` command line.

- 11: the demo runs in its own store and deletes only the community it created; anything else needs
  `--reset` and a yes.
- 12: a broken norm file given to `console --norms`, named in the config of `run` or `web`, or passed to
  `norms simulate|test|show`, is reported as `norms lint` reports it, exit 2, no traceback.
- 14: one message and one exit code per kind of failure (README's table is `bot.cli.failures.EXIT_TABLE`),
  reading commands never create a database, `--version` and `-h`, one default for `--db`.

The commands run on SQLite and PostgreSQL (`backend`), in process through Typer's runner, or as a real
process where the command configures logging or serves.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import _load_areas
from bot.cli.app import app
from bot.cli.failures import EXIT_TABLE, Failure
from moderation.kernel.clock import utcnow
from storage import Store
from tests.conftest import REPO_ROOT, _pg_admin, _pg_dsn, _truncate

runner = CliRunner()
_load_areas()

BROKEN_NORMS = "schema_version: 1\nid: broken\nversion: 1.0.0\nnorms:\n  - id: bad\n    nope: 1\n"
SCRIPT = "@ada: New LoRA: Neon v1 for SDXL 1.0, license openrail++ https://huggingface.co/ada/neon\n"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/none"

# Every command that only reads the store; each must fail the same way on the same store.
READERS: list[list[str]] = [
    ["web"],
    ["audit", "verify"],
    ["export"],
    ["norms", "simulate", "baseline"],
    ["claim", "receipt", "ab" * 32],
    ["detect", "export-labels"],
]


@pytest.fixture(autouse=True)
def _no_ambient_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts in an empty folder with no store or config from the environment."""
    monkeypatch.delenv("NORMBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("NORMBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def url(backend: str, db_url: str) -> str:
    """A migrated, empty store on `backend` (sync tests: the CLI runs its own event loop)."""

    async def fresh() -> None:
        store = Store.from_url(db_url)
        try:
            if backend == "sqlite":
                await store.upgrade()
            else:
                await _truncate(store)
        finally:
            await store.close()

    asyncio.run(fresh())
    return db_url


@pytest.fixture
def empty_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database normbot never migrated: a SQLite file with someone else's table, or a new PostgreSQL one."""
    if backend == "sqlite":
        path = tmp_path / "other.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
        yield f"sqlite:///{path}"
        return
    request.getfixturevalue("pg_database")  # skips or fails as the suite does when PostgreSQL is away
    name = f"normbot_t_empty_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_dsn(name)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _releases(url: str, slug: str = "pixel-forge") -> int | None:
    """How many releases the community has (None: no such community)."""

    async def count() -> int | None:
        store = Store.from_url(url)
        try:
            async with store.transaction() as tx:
                row = await tx.communities.by_slug(slug)
                return None if row is None else len(await tx.releases.all(row.id))
        finally:
            await store.close()

    return asyncio.run(count())


def _someone_elses_pixel_forge(url: str, tmp_path: Path) -> None:
    """A `pixel-forge` community with one release, made by `normbot console` (not by the demo)."""
    script = tmp_path / "mine.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    result = runner.invoke(app, ["console", "--script", str(script), "--db", url, "--rules-only"])
    assert result.exit_code == 0, result.output
    assert _releases(url) == 1


def _assert_clean(result: Result, code: int) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# -- item 11: the demo ---------------------------------------------------------------------------------


def test_demo_uses_its_own_store_not_the_configured_one(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With NORMBOT_DATABASE_URL pointing at a store that has a `pixel-forge`, `normbot demo` leaves it alone
    and fills ./data/demo.db instead (the old demo wiped the community in whatever store it opened)."""
    _someone_elses_pixel_forge(url, tmp_path)
    monkeypatch.setenv("NORMBOT_DATABASE_URL", url)
    result = runner.invoke(app, ["demo", "--rules-only"])
    assert result.exit_code == 0, result.output
    assert _releases(url) == 1
    demo_store = tmp_path / "data" / "demo.db"
    assert demo_store.is_file() and _releases(f"sqlite:///{demo_store}") == 3
    assert "normbot web --db sqlite+aiosqlite:///data/demo.db" in result.stdout


def test_demo_refuses_to_delete_what_it_did_not_create(url: str, tmp_path: Path) -> None:
    """`--db` at a store with someone else's `pixel-forge`: exit 2, nothing deleted; `--reset` asks and a no
    keeps it; `--reset --yes` replaces it; afterwards the demo's own community is renewed without asking."""
    _someone_elses_pixel_forge(url, tmp_path)

    refused = runner.invoke(app, ["demo", "--rules-only", "--db", url])
    _assert_clean(refused, 2)
    assert "did not create" in refused.stderr and "--reset" in refused.stderr
    assert _releases(url) == 1

    declined = runner.invoke(app, ["demo", "--rules-only", "--db", url, "--reset"], input="n\n")
    _assert_clean(declined, 2)
    assert "Delete it" in declined.stdout and "nothing deleted" in declined.stderr
    assert _releases(url) == 1

    no_answer = runner.invoke(app, ["demo", "--rules-only", "--db", url, "--reset"], input="")
    _assert_clean(no_answer, 2)
    assert _releases(url) == 1

    replaced = runner.invoke(app, ["demo", "--rules-only", "--db", url, "--reset", "--yes"])
    assert replaced.exit_code == 0, replaced.output
    assert _releases(url) == 3

    again = runner.invoke(app, ["demo", "--rules-only", "--db", url])
    assert again.exit_code == 0, again.output
    assert _releases(url) == 3


def test_demo_in_another_store_leaves_other_communities_and_marks_its_own(url: str) -> None:
    """A store with another community and no `pixel-forge`: the demo needs no --reset, the other community
    keeps its row, and the community the demo made is marked as the demo's (`communities.origin`)."""

    async def other_community() -> None:
        store = Store.from_url(url)
        try:
            async with store.transaction() as tx:
                await tx.communities.ensure("lora-guild", "LoRA Guild", utcnow())
        finally:
            await store.close()

    async def origins() -> dict[str, str | None]:
        store = Store.from_url(url)
        try:
            async with store.transaction() as tx:
                return {c.slug: c.origin for c in await tx.communities.all()}
        finally:
            await store.close()

    asyncio.run(other_community())
    result = runner.invoke(app, ["demo", "--rules-only", "--db", url])
    assert result.exit_code == 0, result.output
    assert asyncio.run(origins()) == {"lora-guild": None, "pixel-forge": "demo"}


# -- item 12: broken norm files ------------------------------------------------------------------------


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_NORMS, encoding="utf-8")
    return path


def test_console_with_a_broken_norm_file_reports_it_like_lint(tmp_path: Path) -> None:
    """`console --norms broken.yaml`: the problems as file:line:col, exit 2, no traceback, no store made."""
    broken = _broken(tmp_path)
    script = tmp_path / "s.txt"
    script.write_text("@ada: hi\n", encoding="utf-8")
    result = runner.invoke(app, ["console", "--script", str(script), "--norms", str(broken), "--rules-only"])
    _assert_clean(result, 2)
    assert f"{broken}:5:5: error missing-key: missing required key 'need'" in result.stderr
    assert f"{broken}:6:5: error unknown-key: unknown key 'nope'" in result.stderr
    assert not (tmp_path / "data" / "normbot.db").exists()


def test_norm_commands_report_a_broken_file_as_lint_does(tmp_path: Path) -> None:
    """`norms simulate|show` on a broken file: lint's lines on stderr, exit 2 (bad input, not findings)."""
    broken = _broken(tmp_path)
    lint = runner.invoke(app, ["norms", "lint", str(broken)])
    assert lint.exit_code == 1
    for command in (["norms", "simulate", str(broken)], ["norms", "show", str(broken)]):
        result = runner.invoke(app, command)
        _assert_clean(result, 2)
        assert set(lint.stdout.strip().splitlines()) <= set(result.stderr.splitlines())


def _process(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISCORD_TOKEN", "TELEGRAM_TOKEN", "NORMBOT_DATABASE_URL", "NORMBOT_CONFIG")
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(REPO_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_with_a_broken_norm_file_in_the_config(tmp_path: Path) -> None:
    """`normbot run` whose normbot.toml names a broken norm file: lint's lines, exit 2, nothing started (the
    old run logged "normbot stopped cleanly" and then a 60-line traceback)."""
    _broken(tmp_path)
    (tmp_path / "normbot.toml").write_text(
        '[[communities]]\nslug = "forge"\nname = "Forge"\nnorms = "broken.yaml"\n', encoding="utf-8"
    )
    result = _process(["run", "--rules-only"], tmp_path, DISCORD_TOKEN="not-a-real-token")
    assert result.returncode == 2, result.stderr
    assert "broken.yaml:5:5: error missing-key" in result.stderr
    assert "Traceback" not in result.stderr and "stopped cleanly" not in result.stderr
    assert not (tmp_path / "data" / "normbot.db").exists()


def test_run_on_an_unreachable_store_is_exit_3(tmp_path: Path) -> None:
    """`normbot run` whose store nobody listens on: the same line as every other command, exit 3, before any
    platform starts (it used to print a traceback after the shutdown log)."""
    (tmp_path / "normbot.toml").write_text(
        '[[communities]]\nslug = "forge"\nname = "Forge"\nnorms = "baseline"\n', encoding="utf-8"
    )
    result = _process(
        ["run", "--rules-only"], tmp_path, DISCORD_TOKEN="not-a-real-token", NORMBOT_DATABASE_URL=UNREACHABLE
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: cannot open the store at postgresql+asyncpg://postgres@127.0.0.1:1/none")
    assert "Traceback" not in result.stderr


def test_web_with_a_broken_norm_file_in_the_config(tmp_path: Path) -> None:
    """`normbot web --config` naming a broken norm file refuses to start with lint's lines (was a 503 later)."""
    _broken(tmp_path)
    (tmp_path / "normbot.toml").write_text(
        '[[communities]]\nslug = "forge"\nname = "Forge"\nnorms = "broken.yaml"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["web", "--config", "normbot.toml"])
    _assert_clean(result, 2)
    assert "broken.yaml:6:5: error unknown-key" in result.stderr


# -- item 14: one message and one exit code per kind of failure ------------------------------------------


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c[:2]))
def test_reading_commands_never_create_a_database(command: list[str], tmp_path: Path) -> None:
    """A SQLite URL naming no file: exit 3 and one message, and no file or folder is left behind (`norms
    simulate` "writes nothing" used to create an empty database)."""
    target = tmp_path / "nowhere" / "normbot.db"
    result = runner.invoke(app, [*command, "--db", f"sqlite:///{target}"])
    _assert_clean(result, 3)
    assert f"no store at {target}" in result.stderr and "normbot db upgrade" in result.stderr
    assert not target.parent.exists()


def test_unreachable_store_is_one_message_and_exit_3_everywhere() -> None:
    """`web`, `audit verify`, `export`, ... on a database nobody listens on: the same line, exit 3."""
    results = [runner.invoke(app, [*command, "--db", UNREACHABLE]) for command in READERS]
    for result in results:
        _assert_clean(result, 3)
    assert len({r.stderr for r in results}) == 1, [r.stderr for r in results]
    assert results[0].stderr.startswith("error: cannot open the store at postgresql+asyncpg://postgres@127.0.0.1:1")
    for command in (["db", "upgrade"], ["console", "--rules-only"], ["demo", "--rules-only"]):
        _assert_clean(runner.invoke(app, [*command, "--db", UNREACHABLE], input=""), 3)


def test_unmigrated_store_is_one_message_and_exit_3_everywhere(empty_db: str) -> None:
    """A database normbot never migrated: the same "not migrated, run db upgrade" line from every reading
    command; after `normbot db upgrade` they work."""
    results = [runner.invoke(app, [*command, "--db", empty_db]) for command in READERS]
    for result in results:
        _assert_clean(result, 3)
    assert len({r.stderr for r in results}) == 1, [r.stderr for r in results]
    assert "is not migrated (schema none" in results[0].stderr
    assert "run `normbot db upgrade --db" in results[0].stderr
    assert runner.invoke(app, ["db", "upgrade", "--db", empty_db]).exit_code == 0
    assert runner.invoke(app, ["audit", "verify", "--db", empty_db]).exit_code == 0


def test_store_migrated_by_a_newer_normbot_is_refused(tmp_path: Path) -> None:
    """A schema revision these migrations do not know: exit 3 naming it, and `db upgrade` does not touch it."""
    db = tmp_path / "newer.db"
    assert runner.invoke(app, ["db", "upgrade", "--db", f"sqlite:///{db}"]).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    for command in (["audit", "verify"], ["db", "upgrade"]):
        result = runner.invoke(app, [*command, "--db", f"sqlite:///{db}"])
        _assert_clean(result, 3)
        assert "has schema 9999_from_the_future, newer than this normbot" in result.stderr


def test_unknown_community_is_exit_2_for_every_command(url: str) -> None:
    """`--community nope` is bad input for `export`, `norms simulate` (which used to exit 0) and `detect
    export-labels`, with one message."""
    results = [
        runner.invoke(app, [*command, "--db", url, "--community", "nope"])
        for command in (["export"], ["norms", "simulate", "baseline"], ["detect", "export-labels"])
    ]
    for result in results:
        _assert_clean(result, 2)
    assert len({r.stderr for r in results}) == 1
    assert "no community named 'nope' in the store" in results[0].stderr


def test_port_in_use_is_exit_4_before_announcing_the_url(url: str) -> None:
    """`normbot web` on a taken port: exit 4 (documented), one line, and no "serving on" URL printed first
    (uvicorn used to print the URL, log the clash and exit 3)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["web", "--db", url, "--port", str(port)])
    _assert_clean(result, 4)
    assert result.stdout == ""
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_one_default_store_for_every_command(url: str, tmp_path: Path) -> None:
    """Without --db, `export` reads the store `normbot run` would use: `[store] url` in ./normbot.toml
    (it used to ignore the config and create an empty ./data/normbot.db)."""
    _someone_elses_pixel_forge(url, tmp_path)
    (tmp_path / "normbot.toml").write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    result = runner.invoke(app, ["export", "--community", "pixel-forge"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1
    assert not (tmp_path / "data").exists()


def test_version_and_short_help() -> None:
    """`normbot --version` prints the version; `-h` is `--help` at the top and on subcommands."""
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"normbot {version('normbot')}"
    for args in (["-h"], ["norms", "-h"], ["export", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage:" in result.stdout, args


def test_exit_codes_are_documented_in_the_readme() -> None:
    """README's exit-code table lists every code of `bot.cli.failures` with its meaning."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = {line for line in readme.splitlines() if line.startswith("| ")}
    for code, meaning in EXIT_TABLE:
        assert f"| {int(code)} | {meaning} |" in rows, code
    assert {int(c) for c, _ in EXIT_TABLE} == {int(f) for f in Failure}
