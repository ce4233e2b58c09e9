"""Resident memory of one bot process: `python -m bench.memory [N] [--rules-only] [--concurrency K]` builds the
core as `normbot run` does, with 200 communities on a SQLite store, handles a stream of messages (1,000 by default)
(the model runs on every candidate), K at a time (1 by default; with more, the detector's batches grow towards
their bound of 32, and so do the forward pass's activations), and prints as JSON its peak RSS (VmHWM), its RSS
right after the model loaded and its RSS at the end. `measure()` runs it in fresh processes, so none inherits
another's memory: with the model, with the model and 32 messages in flight, and rules-only (the baseline)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["measure", "rss_mb"]

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> dict[str, float]:
    """VmHWM (peak) and VmRSS (now) of this process, in MB, from /proc."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out["peak_rss_mb" if key == "VmHWM" else "rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    return out


async def _process(rules_only: bool, messages: int, concurrency: int = 1) -> dict[str, Any]:
    from bench.databases import sqlite_database
    from bench.scenario import new_core
    from bench.stream import Stream
    from moderation.kernel.clock import ManualClock
    from storage import Store

    async with sqlite_database() as url:
        store = Store.from_url(url)
        try:
            await store.upgrade()
            core = await new_core(store, 200, rules_only=rules_only, clock=ManualClock())
            detector: Any = core.detector  # the staged Detector, beyond the core's protocol
            status = detector.model_status
            loaded = rss_mb()["rss_mb"]
            stream = Stream(list(core.communities), share=0.05, seed=21)
            events = [next(stream).event for _ in range(messages)]

            async def worker(offset: int) -> None:
                for event in events[offset::concurrency]:
                    await core.handle(event)

            await asyncio.gather(*(worker(k) for k in range(concurrency)))
        finally:
            await store.close()
    return {"model_status": status, "concurrency": concurrency, "rss_after_load_mb": loaded, **rss_mb()}


async def measure(messages: int = 1_000) -> dict[str, Any]:
    """The three processes, one after the other, each handling `messages` stream messages."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out: dict[str, Any] = {}
    variants: tuple[tuple[str, list[str]], ...] = (
        ("model", []),
        ("model_32_in_flight", ["--concurrency", "32"]),
        ("rules_only", ["--rules-only"]),
    )
    for label, extra in variants:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.memory", str(messages), *extra, cwd=str(ROOT), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await proc.communicate()
        if proc.returncode != 0:
            out[label] = {"error": stderr.decode()[-500:]}
            continue
        out[label] = json.loads(stdout.decode().strip().splitlines()[-1])
    return out


def main() -> int:
    """Print this process's figures as one JSON line."""
    import logging

    logging.basicConfig(level=logging.ERROR)
    args = sys.argv[1:]
    messages = int(args[0]) if args and args[0].isdigit() else 1_000
    concurrency = int(args[args.index("--concurrency") + 1]) if "--concurrency" in args else 1
    print(json.dumps(asyncio.run(_process("--rules-only" in args, messages, max(1, concurrency)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
