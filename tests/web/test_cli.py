"""`normbot web`: serves the store read from the config (token from the environment), refuses bad input clearly."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from bot.cli import _load_areas
from bot.cli.app import app
from storage import Store
from tests.conftest import REPO_ROOT
from tests.web.conftest import demo_community, replay_demo

CONFIG = """
[[communities]]
slug = "pixel-forge"
name = "Pixel Forge"
norms = "baseline"
web_token_env = "REGISTRY_TEST_TOKEN"
"""


def _env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("NORMBOT_DATABASE_URL", "NORMBOT_CONFIG")}
    return {**clean, "PYTHONPATH": str(REPO_ROOT), **extra}


runner = CliRunner()
_load_areas()


def _run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`normbot web ...` in this process through the real Typer app and argument parser (the refusals below
    happen before anything is served or logged; `test_serves_...` runs the real console script)."""
    monkeypatch.delenv("NORMBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("NORMBOT_CONFIG", raising=False)
    monkeypatch.chdir(cwd)
    result = runner.invoke(app, ["web", *args])
    # An exception escaping the command would have been a traceback in a real process.
    assert isinstance(result.exception, SystemExit), result.exception
    return result


def test_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQLite URL naming no file: the store failure (exit 3) with a hint, and no empty database left behind."""
    target = tmp_path / "nowhere" / "registry.db"
    result = _run(["--db", f"sqlite:///{target}"], tmp_path, monkeypatch)
    assert result.exit_code == 3
    assert f"no store at {target}" in result.stderr and "normbot db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
    assert not target.exists() and not target.parent.exists()


def test_missing_or_broken_config_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A named config file that is missing or invalid: exit 2 naming the file."""
    result = _run(["--config", "absent.toml"], tmp_path, monkeypatch)
    assert result.exit_code == 2 and "absent.toml: file not found" in result.stderr
    (tmp_path / "bad.toml").write_text("[[communities]]\nslug = 'Bad Slug'\nname = 'x'\n", encoding="utf-8")
    result = _run(["--config", "bad.toml"], tmp_path, monkeypatch)
    assert result.exit_code == 2 and "bad.toml: communities.0.slug" in result.stderr
    assert "Traceback" not in result.stderr


async def test_serves_the_store_with_the_configured_token(tmp_path: Path) -> None:
    """The console script serves the demo store; the token named by `web_token_env` opens the moderator queue."""
    db = tmp_path / "registry.db"
    store = Store.from_url(f"sqlite+aiosqlite:///{db}")
    try:
        await store.upgrade()
        await replay_demo(store, demo_community())
    finally:
        await store.close()
    (tmp_path / "normbot.toml").write_text(CONFIG, encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "web", "--db", f"sqlite:///{db}", "--port", str(port), "--config", "normbot.toml"),
        cwd=tmp_path,
        env=_env(REGISTRY_TEST_TOKEN="from-the-environment"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(200):
                try:
                    response = await client.get("/api/v1/communities")
                    break
                except httpx.TransportError:
                    assert proc.returncode is None, "normbot web exited early"
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("normbot web did not come up")
            assert response.json()["communities"][0]["releases"] == 3
            queue = "/c/pixel-forge/mod/queue"
            assert (await client.get(queue)).status_code == 401
            ok = await client.get(queue, headers={"Authorization": "Bearer from-the-environment"})
            assert ok.status_code == 200 and "Open flags" in ok.text
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.communicate(), timeout=20)
