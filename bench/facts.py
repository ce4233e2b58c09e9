"""Machine facts recorded with every run: figures from a shared, busy machine mean little without them."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["git_commit", "load_average", "machine_facts", "pg_version"]

ROOT = Path(__file__).resolve().parents[1]


def git_commit() -> dict[str, Any]:
    """HEAD and whether the working tree has uncommitted changes (other engineers work in it too)."""

    def run(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=20
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    status = run("status", "--porcelain", "--untracked-files=no")
    return {"commit": run("rev-parse", "HEAD") or "unknown", "dirty_files": len(status.splitlines())}


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


async def pg_version(dsn: str) -> str:
    """`SHOW server_version`, or why it could not be read."""
    try:
        import asyncpg

        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_mb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def machine_facts() -> dict[str, Any]:
    """Cores, CPU, memory, load at start, Python and SQLite versions, the commit, the time."""
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_mb": _mem_total_mb(),
        "load_average_at_start": load_average(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        **git_commit(),
    }
