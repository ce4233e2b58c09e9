"""SIGKILL the bot in the middle of a scripted run, restart it with the rest of the script.

The real `normbot console --script` runs as a subprocess on SQLite (WAL) and on a throwaway PostgreSQL. The
test reads its transcript as it is written and kills it once some actions were acknowledged, while it is still
busy. Afterwards: every action the transcript acknowledged is in the store, the restarted process resumes
(a reminder falls due and is sent exactly once), and `normbot audit verify` exits 0.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Store
from storage.models import Account, Endorsement, Flag, ScheduledJob
from tests.core.harness import GOOD
from tests.reliability.pgcluster import PgCluster

# Slow (a throwaway PostgreSQL cluster and real processes killed mid-run): deselected by a developer's
# `make test`, always run by CI (see the Makefile).
pytestmark = pytest.mark.slow

MEMBERS = 240
KILL_AFTER_ACKS = 25
COMMAND = re.compile(r"^\[[^\]]+\] (\S+) \(m\d+\): (/\S+) (R\d+)")
ACK = {"Endorsed": "/endorse", "Flag recorded": "/flag"}


def _script() -> list[str]:
    """R1 is endorsed by many; R2 is left alone (its reminder must fire after the restart); R3 is flagged."""
    lines = [
        f"@ada: {GOOD}",
        "@kai: Releasing Velvet Mix v1, a merge for SD 1.5. License: creativeml-openrail-m. NSFW: no.",
        "@zed: Releasing Glass Skin v1, a LoRA for Pony. License: other. Trigger: glsskn.",
    ]
    for i in range(MEMBERS):
        if i % 3 == 2:
            lines.append(f"@m{i:03d}: /flag R3 credit-base-model flag number {i}")
        else:
            lines.append(f"@m{i:03d}: /endorse R1 endorsement number {i}")
    return lines


def _acknowledged(transcript: list[str]) -> set[tuple[str, str, str]]:
    """(member, command, release) for every command the transcript shows a success reply to."""
    acked: set[tuple[str, str, str]] = set()
    pending: tuple[str, str, str] | None = None
    for line in transcript:
        m = COMMAND.match(line)
        if m is not None:
            pending = (m.group(1), m.group(2), m.group(3))
            continue
        title = line.strip().removeprefix("│").strip()
        if pending is not None and ACK.get(title) == pending[1]:
            acked.add(pending)
            pending = None
    return acked


def _normbot(db: str, script: Path, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NORMBOT_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--script", str(script), "--db", db, "--rules-only"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(params=["sqlite", "pgcluster"])
def crash_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL the subprocess can reach: a SQLite file, or a fresh database in the private cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'normbot.db'}"
        return
    cluster: PgCluster = request.getfixturevalue("running_cluster")
    name = f"crash_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [sys.executable, "-c", _CREATE_DB, str(cluster.port), name], check=True, timeout=60, capture_output=True
    )
    yield f"postgresql://postgres@127.0.0.1:{cluster.port}/{name}"


_CREATE_DB = (
    "import asyncio, sys, asyncpg\n"
    "async def main():\n"
    "    c = await asyncpg.connect(f'postgresql://postgres@127.0.0.1:{sys.argv[1]}/postgres', timeout=10)\n"
    "    await c.execute(f'CREATE DATABASE \"{sys.argv[2]}\"')\n"
    "    await c.close()\n"
    "asyncio.run(main())\n"
)


async def _stored(db: str) -> tuple[set[tuple[str, str, str]], list[ScheduledJob]]:
    store = Store.from_url(db)
    try:
        async with store.transaction() as tx:
            rows: set[tuple[str, str, str]] = set()
            endorse = select(Account.user_id, Endorsement.release_id).join(
                Endorsement, Endorsement.account_id == Account.id
            )
            for user, release_id in (await tx.s.execute(endorse)).all():
                rows.add((user, "/endorse", f"R{release_id}"))
            flags = select(Account.user_id, Flag.release_id).join(Flag, Flag.account_id == Account.id)
            for user, release_id in (await tx.s.execute(flags)).all():
                rows.add((user, "/flag", f"R{release_id}"))
            jobs = await tx.jobs.all()
        return rows, jobs
    finally:
        await store.close()


def test_sigkill_mid_run_loses_nothing_acknowledged(crash_db: str, tmp_path: Path) -> None:
    lines = _script()
    first = tmp_path / "part1.txt"
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = _normbot(crash_db, first, tmp_path)
    transcript: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            transcript.append(line.rstrip("\n"))
            if len(_acknowledged(transcript[-400:])) >= KILL_AFTER_ACKS or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed: make the script longer"
    acked = _acknowledged(transcript)
    assert len(acked) >= KILL_AFTER_ACKS

    stored, _ = asyncio.run(_stored(crash_db))
    missing = acked - stored
    assert not missing, f"acknowledged but not stored after SIGKILL: {sorted(missing)[:5]}"

    # Restart with the rest of the script: from the first command without an acknowledgement on, then time passes.
    done_members = {who for who, _, _ in acked}
    rest = [ln for ln in lines[3:] if ln[1:5] not in done_members]
    second = tmp_path / "part2.txt"
    second.write_text("\n".join([*rest, "@clock: +25h", "@clock: +1h"]) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--script", str(second), "--db", crash_db, "--rules-only"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    stored, jobs = asyncio.run(_stored(crash_db))
    expected = {
        (f"m{i:03d}", "/flag" if i % 3 == 2 else "/endorse", "R3" if i % 3 == 2 else "R1") for i in range(MEMBERS)
    }
    assert stored == expected  # every member's action exactly once, none lost, none doubled
    reminders = [ln for ln in result.stdout.splitlines() if "Reminder: R2" in ln]
    assert len(reminders) == 1, result.stdout[-3000:]
    r2_reminders = [j for j in jobs if j.kind == "review_reminder" and j.subject == "2"]
    assert sorted(j.state for j in r2_reminders) == ["done", "pending"]  # 24h sent once; 60h still to come

    verify = subprocess.run(
        [sys.executable, "-m", "bot", "audit", "verify", "--db", crash_db],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "audit chain intact" in verify.stdout
