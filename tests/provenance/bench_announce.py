"""What provenance costs per announcement, beside a baseline measured in the same run.

Run: `.venv/bin/python -m tests.provenance.bench_announce [N]`. Announces N distinct releases (each with a
SHA-256 and a Hugging Face link) through the real core on a fresh SQLite store, once with `NoHooks` (baseline)
and once with `Provenance` (claims, signatures, re-upload comparison with up to 200 earlier announcements,
lineage), and prints mean and p95 milliseconds per announcement. Also times receipt signing and verification.
Not a test: no wall-clock assertions anywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.wiring import build_core
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import Actor, ChatRef, MessagePosted
from moderation.kernel.services import CoreHooks, NoHooks
from moderation.provenance import KeyStore, Provenance, canonical, verify_receipt
from moderation.provenance.receipts import sign_receipt
from storage import Store
from tests.core.harness import community

WORDS = [
    "neon",
    "ink",
    "brush",
    "city",
    "glow",
    "velvet",
    "copper",
    "azure",
    "moth",
    "lantern",
    "fern",
    "drift",
    "spark",
    "echo",
    "night",
    "dawn",
]


def _text(i: int) -> str:
    a, b, c = WORDS[i % 16], WORDS[(i // 16) % 16], WORDS[(i // 256) % 16]
    sha = hashlib.sha256(str(i).encode()).hexdigest()
    return (
        f"Releasing {a.title()} {b.title()} {c.title()} {i}, a LoRA for SDXL 1.0 with a {a} and {b} look. "
        f"Trigger: {a}{b}{i}. License: openrail++. NSFW: no. https://huggingface.co/u{i}/m{i} SHA256: {sha}"
    )


async def _run(hooks: CoreHooks, n: int, root: Path, label: str) -> list[float]:
    store = Store.from_url(f"sqlite+aiosqlite:///{root / (label + '.db')}")
    await store.upgrade()
    clock = ManualClock()
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False, hooks=hooks)
    times = []
    for i in range(n):
        ev = MessagePosted(
            f"e{i}", ChatRef("console", "releases"), f"m{i}", Actor("console", f"u{i}", f"u{i}"), _text(i)
        )
        t0 = time.perf_counter()
        await core.handle(ev)
        times.append((time.perf_counter() - t0) * 1000)
    await store.close()
    return times


def _show(label: str, times: list[float]) -> None:
    p95 = statistics.quantiles(times, n=20)[18]
    print(f"{label:<12} mean {statistics.mean(times):7.2f} ms   p95 {p95:7.2f} ms   (n={len(times)})")


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        base = await _run(NoHooks(), n, root, "baseline")
        prov = await _run(Provenance(keys=KeyStore(root / "keys")), n, root, "provenance")
        print(f"announcements through the core (rules-only detector, SQLite), {n} each:")
        _show("NoHooks", base)
        _show("Provenance", prov)
        keys = KeyStore(root / "keys")
        body = {
            "claim": {"kind": "sha256", "value": "ab" * 32},
            "claimed_at": "x",
            "community": {},
            "creator": {},
            "audit": {},
        }
        t0 = time.perf_counter()
        receipts = [canonical(sign_receipt({**body, "n": i}, keys)) for i in range(1000)]
        t_sign = time.perf_counter() - t0
        t0 = time.perf_counter()
        ok = sum(verify_receipt(r, [keys.public_key()]).valid for r in receipts)
        t_verify = time.perf_counter() - t0
        t0 = time.perf_counter()
        _ = [canonical({**body, "n": i}) for i in range(1000)]
        t_json = time.perf_counter() - t0
        print(
            f"1000 receipts: canonical JSON only {t_json * 1000:.1f} ms (baseline), sign {t_sign * 1000:.1f} ms, "
            f"verify {t_verify * 1000:.1f} ms ({ok} valid)"
        )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
