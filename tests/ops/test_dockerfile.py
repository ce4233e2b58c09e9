"""The Dockerfile is checked by reading it, since no Docker engine runs here."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO_ROOT


def _instructions() -> list[tuple[str, str]]:
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, rest = line.partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def test_base_image_is_slim_python_311() -> None:
    """A slim official Python 3.11 base."""
    (base,) = [rest for op, rest in _instructions() if op == "FROM"]
    assert base.startswith("python:3.11") and "slim" in base


def test_runs_as_non_root() -> None:
    """The last USER is not root, and it is created in the image."""
    users = [rest for op, rest in _instructions() if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(op == "RUN" and "useradd" in rest and users[-1] in rest for op, rest in _instructions())


def test_entry_point_is_normbot_run() -> None:
    """`normbot run` is what the container does."""
    ops = dict(_instructions())
    assert json.loads(ops["ENTRYPOINT"]) == ["normbot"]
    assert json.loads(ops["CMD"])[0] == "run"


def test_data_lives_on_a_volume() -> None:
    """The store and keys are under the declared volume."""
    ops = _instructions()
    volume = json.loads(dict(ops)["VOLUME"])
    assert volume == ["/data"]
    env = " ".join(rest for op, rest in ops if op == "ENV")
    assert "NORMBOT_DATABASE_URL=sqlite+aiosqlite:////data/" in env


def test_healthcheck_hits_healthz() -> None:
    """HEALTHCHECK asks /healthz on the port the app listens on."""
    ops = _instructions()
    health = dict(ops)["HEALTHCHECK"]
    assert "/healthz" in health
    env = " ".join(rest for op, rest in ops if op == "ENV")
    port = env.split("NORMBOT_HEALTH_LISTEN=")[1].split()[0].rpartition(":")[2]
    assert f":{port}/healthz" in health
    assert ("EXPOSE", port) in ops


def test_copies_only_the_package() -> None:
    """Sources are copied explicitly (no tests, no local data in the image)."""
    copied = {rest.split()[0] for op, rest in _instructions() if op == "COPY"}
    assert {"bot", "norms", "moderation", "storage"} <= copied
    assert "tests" not in copied and "." not in copied
    assert Path(REPO_ROOT / "pyproject.toml").exists()
