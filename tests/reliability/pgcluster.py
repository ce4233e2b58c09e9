"""A throwaway PostgreSQL cluster of our own, so outage tests can stop and start a server.

The machine's shared PostgreSQL (127.0.0.1:5432) serves other people's tests and is never touched: this
cluster lives in a temporary folder, listens on a free loopback port, and is removed at the end. `initdb`
refuses to run as root, so when the tests run as root every server command runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["ClusterUnavailable", "PgCluster"]


class ClusterUnavailable(RuntimeError):
    """The cluster could not be created or started (no PostgreSQL binaries, no postgres user...)."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise ClusterUnavailable("no pg_ctl found (install PostgreSQL server binaries)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """initdb + pg_ctl start/stop -m immediate/restart on a private port; `url` is the SQLAlchemy URL."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="normbot-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            tail = self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""
            raise ClusterUnavailable(f"{' '.join(args[:2])} failed: {result.stderr.strip()[-800:]} {tail}")

    def init(self) -> None:
        """Create the cluster (trust auth, loopback only, fsync off: it is thrown away)."""
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", timeout=120)

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop at once, like a crash: open connections are cut mid-transaction."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def destroy(self) -> None:
        """Stop if running and delete everything (finalizers call this; it never raises)."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        except Exception:  # best effort clean-up: the folder goes anyway
            pass
        shutil.rmtree(self.root, ignore_errors=True)
