"""Detection throughput and latency: `python -m bench.detection [--quick]`.

Figures, all from one run on this machine (baselines measured beside the thing they are compared with):

- pre-filter alone, and a regex-union baseline over the same keywords (stdlib `re`, IGNORECASE);
- the full detector on a realistic stream (2% announcements; the rest chat, of which 90% casual and 10%
  on-topic hard negatives from the labelled set: questions, bug reports, others' releases, software and
  dataset news), called as a bot would, in chunks of 256 messages; and again on a harsher stream where
  25% of the chat is on-topic hard negatives;
- a baseline that runs the model (embedding + head) on every message;
- p50/p99 latency that detection adds to one announcement (a single `detect()` call);
- peak RSS of the process.

`run(quick)` returns the figures as a dict for a harness; `main()` prints them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "releases.jsonl"
TARGETS = {"prefilter_msgs_per_s": 20_000, "stream_msgs_per_s": 5_000, "p99_ms_per_announcement": 50}

_OPENERS = ["lol", "haha", "ok", "tbh", "ngl", "honestly", "wait", "yeah", "nah", "omg", "hmm", ""]
_BODIES = [
    "that render is so good",
    "my gpu is melting",
    "who's up for the weekly challenge",
    "gm",
    "gn everyone",
    "thanks for the help earlier",
    "same here",
    "that's hilarious",
    "brb",
    "coffee time",
    "the server is lagging again",
    "nice colors on that one",
    "I love the vibe",
    "this channel is chaotic today",
    "can't wait for the event",
    "did anyone watch the stream",
    "rip my sleep schedule",
    "welcome!",
    "that cat pic is perfect",
    "agree 100%",
    "what a week",
    "the hands are cursed lmao",
    "happy birthday!!",
    "is it friday yet",
    "I need a bigger monitor",
]
_TAILS = ["", "", " 😂", " 🙏", " !!", " :)", " lmao", " ❤️"]


def _casual(rng: random.Random) -> str:
    return f"{rng.choice(_OPENERS)} {rng.choice(_BODIES)}{rng.choice(_TAILS)}".strip()


def build_stream(
    n: int, *, share: float = 0.02, on_topic: float = 0.10, seed: int = 7
) -> list[tuple[str, tuple[str, ...], bool]]:
    """`n` messages: `share` announcements, `on_topic` of the rest hard negatives, the rest casual chat."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    pos = [(r["text"], tuple(r.get("attachments") or ()), True) for r in rows if r["is_release"]]
    neg = [(r["text"], tuple(r.get("attachments") or ()), False) for r in rows if not r["is_release"]]
    rng = random.Random(seed)
    out: list[tuple[str, tuple[str, ...], bool]] = []
    for _ in range(n):
        x = rng.random()
        if x < share:
            out.append(rng.choice(pos))
        elif x < share + (1 - share) * on_topic:
            out.append(rng.choice(neg))
        else:
            out.append((_casual(rng), (), False))
    return out


def _rate(fn: Callable[[], Any], count: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return count / best


def run(quick: bool) -> dict[str, Any]:
    """Measure everything; returns the figures (msg/s, ms, MB)."""
    from moderation.detection import Detector
    from moderation.detection.features import rule_view
    from moderation.detection.head import Head
    from moderation.detection.prefilter import config, passes

    n = 5_000 if quick else 20_000
    stream = build_stream(n)
    texts = [t for t, _, _ in stream]
    items = [(t, a) for t, a, _ in stream]
    figures: dict[str, Any] = {
        "stream_messages": n,
        "announcement_share": 0.02,
        "cpus": os.cpu_count(),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
    }

    figures["prefilter_msgs_per_s"] = round(_rate(lambda: [passes(t, a) for t, a in items], n))
    union = re.compile("|".join(re.escape(k) for k in config().needles), re.IGNORECASE)
    figures["regex_union_msgs_per_s"] = round(_rate(lambda: [union.search(t) is not None for t in texts], n))
    figures["prefilter_pass_rate"] = round(sum(passes(t, a) for t, a in items) / n, 4)
    figures["reach_model_rate"] = round(sum(passes(t, a) and rule_view(t, a).needs_model for t, a in items) / n, 4)

    det = Detector(use_model=True)
    t0 = time.perf_counter()
    figures["model_status"] = det.model_status
    head_cfg = Head.load()
    figures["encoder"] = f"{'int8' if head_cfg.quantized else 'fp32'}, max {head_cfg.max_tokens} tokens"
    figures["model_load_s"] = round(time.perf_counter() - t0, 2)
    det.detect_many(items[:256])  # warm-up

    def full() -> None:
        for i in range(0, n, 256):
            det.detect_many(items[i : i + 256])

    figures["stream_msgs_per_s"] = round(_rate(full, n, repeat=2))
    hard = [(t, a) for t, a, _ in build_stream(n, on_topic=0.25, seed=11)]
    figures["hard_stream_reach_model_rate"] = round(
        sum(passes(t, a) and rule_view(t, a).needs_model for t, a in hard) / n, 4
    )
    figures["hard_stream_msgs_per_s"] = round(
        _rate(lambda: [det.detect_many(hard[i : i + 256]) for i in range(0, n, 256)], n, repeat=1)
    )
    rules = Detector(use_model=False)
    figures["stream_rules_only_msgs_per_s"] = round(
        _rate(lambda: [rules.detect_many(items[i : i + 256]) for i in range(0, n, 256)], n, repeat=1)
    )

    head = Head.load()
    m = 1_000 if quick else 3_000
    sub = items[:m]

    def model_everything() -> None:
        import numpy as np

        emb = det.embed([t for t, _ in sub])
        assert emb is not None
        feats = np.stack([rule_view(t, a).vector for t, a in sub])
        head.scores(np.hstack([emb, feats]))

    figures["model_on_every_message_msgs_per_s"] = round(_rate(model_everything, m, repeat=1), 1)

    announcements = [(t, a) for t, a, is_rel in stream if is_rel][: (30 if quick else 150)]
    lat: list[float] = []
    for t, a in announcements:
        t0 = time.perf_counter()
        det.detect(t, a)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    figures["announcements_timed"] = len(lat)
    figures["p50_ms_per_announcement"] = round(statistics.median(lat), 2)
    figures["p99_ms_per_announcement"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2)
    figures["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["targets"] = TARGETS
    return figures


def _print(fig: dict[str, Any], out: Sequence[str] = ()) -> None:
    for key, value in fig.items():
        if key == "targets":
            continue
        target = TARGETS.get(key)
        note = f"   (target {'<=' if key.startswith('p99') else '>='} {target})" if target else ""
        print(f"{key:<38}{value}{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark release detection.")
    parser.add_argument("--quick", action="store_true", help="5k-message stream instead of 20k")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    fig = run(args.quick)
    if args.json:
        print(json.dumps(fig, indent=2))
    else:
        _print(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
