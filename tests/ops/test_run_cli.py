"""`normbot run` refuses clearly when there is nothing to run or a setting is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "TELEGRAM_TOKEN")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(REPO_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_without_tokens_refuses_clearly(tmp_path: Path) -> None:
    """No DISCORD_TOKEN or TELEGRAM_TOKEN: exit 2 naming both variables, no traceback."""
    result = _run(["run"], tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and "TELEGRAM_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_communities_names_the_file(tmp_path: Path) -> None:
    """A token but no communities: the message names the config file."""
    (tmp_path / "normbot.toml").write_text("[log]\nlevel = 'INFO'\n")
    result = _run(["run", "--config", "normbot.toml"], tmp_path, TELEGRAM_TOKEN="123:abc")
    assert result.returncode == 2
    assert "normbot.toml" in result.stderr and "communities" in result.stderr
    assert "123:abc" not in result.stderr


def test_run_with_a_wrong_setting_names_it(tmp_path: Path) -> None:
    """A wrong value names the setting and the file."""
    (tmp_path / "normbot.toml").write_text("[telegram]\nmode = 'carrier-pigeon'\n")
    result = _run(["run", "--config", "normbot.toml"], tmp_path, TELEGRAM_TOKEN="123:abc")
    assert result.returncode == 2
    assert "normbot.toml: telegram.mode" in result.stderr
