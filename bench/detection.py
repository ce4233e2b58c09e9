"""Detection throughput and latency: `python -m bench.detection [--quick]`.

Figures, all from one run on this machine (baselines measured beside the thing they are compared with):

- pre-filter alone, and a regex-union baseline over the same keywords (stdlib `re`, IGNORECASE);
- the full detector on a realistic stream (2% announcements; the rest chat, of which 90% casual and 10%
  on-topic hard negatives from the labelled set: questions, bug reports, others' releases, software and
  dataset news), called as a bot would, in chunks of 256 messages; and again on a harsher stream where
  25% of the chat is on-topic hard negatives;
- the same two streams with the exact bound off (the encoder on every candidate the rule gate passes, as
  before the bound), alternated with the shipped detector: msg/s of each, the ratio, the share of messages
  that still reach the encoder, and whether every verdict is the same;
- a baseline that runs the model (embedding + head) on every message;
- p50/p99 latency that detection adds to one announcement (a single `detect()` call), alternately with the
  shipped torch thread count (`default_threads()`) and the previous `min(4, cpus)`;
- concurrent callers, as the bot makes them (one `adetect_many` call per chat message with one item): the
  pre-filter candidates of the stream fed by 1, 8 and 64 concurrent callers through the old path (pre-filter
  inline, then one `asyncio.to_thread(detect_many, [item])` hop per candidate) and through the coalescing
  `Detector.adetect_many`, alternated in the same run on the same detector; candidates/s, p50/p99 latency
  per call, and the new/old ratios;
- the stream again with every core for torch instead of the shipped count (one core left free), and which
  bf16 and int8 units the CPU has (AMX, AVX512-BF16, AVX512-VNNI): the encoder's speed, and so the stream's,
  depends on both;
- the stream and the lone announcement's latency with w8a8 passes as shipped (up to 16 texts, no filler texts)
  against session 13's passes (4 texts, short ones filled with empty texts), alternated: msg/s of each, the
  ratio, p50/p99 of each;
- the stream with freed memory returned to the system at most once a second (shipped) against after every
  encoder call (session 13), alternated;
- the stream again with the encoder in bf16 (session 11's precision, same adapter) instead of the shipped
  w8a8, alternated: msg/s of each and the ratio (the verdicts may differ slightly, since the head was fitted
  on w8a8 vectors; this A/B measures speed only);
- peak RSS of the process.

`run(quick)` returns the figures as a dict for a harness (the concurrent-callers comparison flattened into
rows); `main()` prints them; `--concurrent-only` runs just that comparison and prints its full detail.
"""

from __future__ import annotations

import argparse
import asyncio
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


def _alternate(
    det: Any, items: list[tuple[str, tuple[str, ...]]], attr: str, shipped: bool, repeat: int
) -> tuple[dict[bool, float], dict[bool, list[bool]], int]:
    """Run `items` through `det` with `det.<attr>` set to `shipped` and to its opposite, alternating the order
    `repeat` times; returns the best time of each setting, each setting's verdicts, and how many candidates the
    shipped setting sent to the encoder. Leaves `det.<attr>` at `shipped`."""
    best = {True: float("inf"), False: float("inf")}
    verdicts: dict[bool, list[bool]] = {}
    encoded = 0
    for r in range(repeat):
        for value in (shipped, not shipped) if r % 2 == 0 else (not shipped, shipped):
            setattr(det, attr, value)
            before = det.bound_stats["encoded"]
            t0 = time.perf_counter()
            decided = [d for i in range(0, len(items), 256) for d in det.detect_many(items[i : i + 256])]
            best[value] = min(best[value], time.perf_counter() - t0)
            verdicts[value] = [d.is_release for d in decided]
            if value == shipped:
                encoded = det.bound_stats["encoded"] - before
    setattr(det, attr, shipped)
    return best, verdicts, encoded


def _bound_ab(det: Any, streams: dict[str, list[tuple[str, tuple[str, ...]]]], repeat: int) -> dict[str, Any]:
    """The detector as shipped (the exact bound settles candidates without the encoder) against the same
    detector with the bound off (the encoder on every candidate the gates pass), alternated `repeat` times per
    stream, best round each; plus the share of messages that reach the encoder with the bound and whether both
    gave every message the same verdict."""
    out: dict[str, Any] = {}
    for name, items in streams.items():
        best, verdicts, encoded = _alternate(det, items, "bound", True, repeat)
        out[f"{name}_msgs_per_s"] = round(len(items) / best[True])
        out[f"{name}_msgs_per_s_without_bound"] = round(len(items) / best[False])
        out[f"{name}_bound_speedup"] = round(best[False] / best[True], 2)
        out[f"{name}_reach_encoder_rate"] = round(encoded / len(items), 4)
        out[f"{name}_bound_same_verdicts"] = verdicts[True] == verdicts[False]
    return out


def _gate_ab(det: Any, streams: dict[str, list[tuple[str, tuple[str, ...]]]], repeat: int) -> dict[str, Any]:
    """The shipped detector (no hand-written shape gate in front of the model: the pre-filter, the learned gate
    and the exact bound decide what reaches the encoder) against the same detector with the shape gate on, as
    before the real corpus, alternated `repeat` times per stream, best round each: msg/s of both, the ratio,
    and how many verdicts differ (what the shape gate would drop that the head keeps)."""
    out: dict[str, Any] = {}
    for name, items in streams.items():
        best, verdicts, _ = _alternate(det, items, "rule_gate", False, repeat)
        out[f"{name}_msgs_per_s_with_rule_gate"] = round(len(items) / best[True])
        out[f"{name}_rule_gate_speedup"] = round(best[False] / best[True], 2)
        changed = sum(a != b for a, b in zip(verdicts[True], verdicts[False], strict=True))
        out[f"{name}_rule_gate_changed_verdicts"] = changed
    return out


def _stream_best_times(
    det: Any, items: list[tuple[str, tuple[str, ...]]], owner: Any, attr: str, values: dict[str, Any], repeat: int
) -> dict[str, float]:
    """The stream through `det` with `owner.<attr>` set to each of `values` (the first is the shipped one),
    their order reversed every other round so all see the same machine load; the best time of each over
    `repeat` rounds. Leaves the shipped value in place."""
    best = dict.fromkeys(values, float("inf"))
    names = list(values)
    for r in range(repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            setattr(owner, attr, values[name])
            t0 = time.perf_counter()
            for i in range(0, len(items), 256):
                det.detect_many(items[i : i + 256])
            best[name] = min(best[name], time.perf_counter() - t0)
    setattr(owner, attr, values[names[0]])
    return best


def _threads_ab(det: Any, items: list[tuple[str, tuple[str, ...]]], repeat: int) -> dict[str, Any]:
    """The stream with the shipped torch thread count (`default_threads()`: one core left free for the bot's
    event loop and database) against every core, alternated `repeat` times, best round each. On a 2-core
    machine this is 1 thread against 2: the figure a bulk run (`normbot detect`, `normbot eval`) gets with
    `NORMBOT_TORCH_THREADS`, and how much of the stream's speed depends on the CPU's matrix units."""
    encoder: Any = det._embedder
    shipped, every = encoder.threads, max(1, os.cpu_count() or 1)
    if every == shipped:
        return {"stream_msgs_per_s_all_cores": "same as shipped (one core)"}
    best = _stream_best_times(det, items, encoder, "threads", {"shipped": shipped, "every": every}, repeat)
    return {
        "stream_msgs_per_s_all_cores": round(len(items) / best["every"]),
        "all_cores_vs_shipped_threads": f"x{round(best['shipped'] / best['every'], 2)} ({every} vs {shipped} threads)",
    }


def _precision_ab(det: Any, items: list[tuple[str, tuple[str, ...]]], repeat: int) -> dict[str, Any]:
    """The stream with the shipped encoder against the same adapter in bf16 (the previous precision),
    alternated `repeat` times, best round each."""
    from moderation.detection.embedder import Embedder

    shipped: Any = det._embedder
    if shipped is None or shipped.precision == "bf16":
        return {"stream_msgs_per_s_bf16_encoder": "shipped is bf16"}
    other = Embedder(precision="bf16", max_tokens=shipped.max_tokens, adapter=shipped._adapter, threads=shipped.threads)
    if not other.load() or other.precision != "bf16":
        return {"stream_msgs_per_s_bf16_encoder": f"bf16 unavailable ({other.status})"}
    other.embed(["warm-up"])  # the first pass allocates; the shipped encoder is warm already
    best = _stream_best_times(det, items, det, "_embedder", {"shipped": shipped, "bf16": other}, repeat)
    return {
        "stream_msgs_per_s_bf16_encoder": round(len(items) / best["bf16"]),
        "shipped_vs_bf16_encoder": f"x{round(best['bf16'] / best['shipped'], 2)}",
    }


def _layout_ab(
    det: Any, items: list[tuple[str, tuple[str, ...]]], announcements: Sequence[tuple[str, Any]], repeat: int
) -> dict[str, Any]:
    """w8a8 passes as shipped (up to `W8A8_ROWS` texts, no filler texts) against session 13's layout (every
    pass 4 texts, short ones filled with empty texts, as bf16 needs), alternated: the stream's msg/s, and the
    latency of one announcement alone (calls alternated between the layouts). The vectors are the same bits
    either way (`test_a_vector_is_the_same_alone_and_in_any_batch`), so only the speed can differ."""
    from moderation.detection.embedder import BF16_ROWS, PassLayout

    encoder: Any = det._embedder
    if encoder is None or encoder.precision != "w8a8":
        return {"stream_msgs_per_s_shipped_filled_passes": "shipped encoder is not w8a8"}
    filled = PassLayout(BF16_ROWS, fill=True)
    best = _stream_best_times(det, items, encoder, "layout", {"shipped": None, "filled": filled}, repeat)
    lat: dict[str, list[float]] = {"shipped": [], "filled": []}
    for k, (t, a) in enumerate(announcements):  # each announcement under both layouts, the first one alternating
        for name in ("shipped", "filled") if k % 2 == 0 else ("filled", "shipped"):
            encoder.layout = None if name == "shipped" else filled
            t0 = time.perf_counter()
            det.detect(t, a)
            lat[name].append((time.perf_counter() - t0) * 1000)
    encoder.layout = None
    for values in lat.values():
        values.sort()
    p50 = {name: round(statistics.median(values), 2) for name, values in lat.items()}
    p99 = {name: round(_p(values, 0.99), 2) for name, values in lat.items()}
    return {
        "stream_msgs_per_s_shipped_filled_passes": " / ".join(str(round(len(items) / best[n])) for n in best),
        "shipped_vs_filled_passes": f"x{round(best['filled'] / best['shipped'], 2)}",
        "p50_ms_per_announcement_shipped_filled": f"{p50['shipped']} / {p50['filled']}",
        "p99_ms_per_announcement_shipped_filled": f"{p99['shipped']} / {p99['filled']}",
    }


def _trim_ab(det: Any, items: list[tuple[str, tuple[str, ...]]], repeat: int) -> dict[str, Any]:
    """The stream with freed memory returned to the system at most once a second (shipped since session 14)
    against after every `embed` call (session 13), alternated: each trim makes the next call fault its
    activations back in."""
    from moderation.detection import embedder

    trimmer = embedder._trim_now_and_then
    values = {"shipped": trimmer.interval, "every_call": 0.0}
    best = _stream_best_times(det, items, trimmer, "interval", values, repeat)
    return {
        "stream_msgs_per_s_trim_shipped_every_call": " / ".join(str(round(len(items) / best[n])) for n in best),
        "shipped_vs_trim_every_call": f"x{round(best['every_call'] / best['shipped'], 2)}",
    }


def _cpu_matrix_units() -> str:
    """Which bfloat16 and int8 matrix units the CPU has (Linux flags): AMX tiles run the encoder's bf16 passes
    ~1.4x faster per core than AVX512-BF16 alone, and the w8a8 encoder's int8 products need VNNI or AMX-INT8 to
    be fast (docs/detection.md, "Benchmark"), so the stream's figure depends on them."""
    try:
        flags = next(
            (line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
             if line.startswith("flags")),
            [],
        )  # fmt: skip
    except OSError:
        return "unknown"
    known = (
        ("amx_bf16", "AMX-BF16"), ("amx_int8", "AMX-INT8"), ("avx512_bf16", "AVX512-BF16"),
        ("avx512_vnni", "AVX512-VNNI"), ("avx_vnni", "AVX-VNNI"),
    )  # fmt: skip
    units = [name for flag, name in known if flag in flags]
    return ", ".join(units) or "none (fp32 fallback)"


def _p(sorted_values: Sequence[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


async def _old_adetect(det: Any, item: tuple[str, Sequence[str]]) -> Any:
    """The previous `Detector.adetect_many` for one item: pre-filter inline, one thread hop per candidate."""
    from moderation.detection.detector import Detection
    from moderation.detection.prefilter import passes

    text, atts = item
    if not passes(text, tuple(atts)):
        return Detection(False, 0.0, "prefilter", None)
    return (await asyncio.to_thread(det.detect_many, [item]))[0]


async def _new_adetect(det: Any, item: tuple[str, Sequence[str]]) -> Any:
    return (await det.adetect_many([item]))[0]


async def _closed_loop(
    call: Callable[[Any, tuple[str, Sequence[str]]], Any], det: Any, items: Sequence[tuple[str, Sequence[str]]], n: int
) -> tuple[float, list[float], list[bool]]:
    """`n` callers, each taking the next item and awaiting its verdict, until all are decided."""
    latencies: list[float] = []
    verdicts: list[bool] = [False] * len(items)
    next_index = 0

    async def caller() -> None:
        nonlocal next_index
        while next_index < len(items):
            i = next_index
            next_index += 1
            t0 = time.perf_counter()
            verdicts[i] = (await call(det, items[i])).is_release
            latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(n)))
    return time.perf_counter() - t0, latencies, verdicts


async def concurrent_callers(
    det: Any, candidates: Sequence[tuple[str, Sequence[str]]], callers: Sequence[int] = (1, 8, 64), rounds: int = 3
) -> dict[str, Any]:
    """The old path against the new, same detector, same candidates, variants alternated (order reversed every
    other round) `rounds` times per caller count, so that machine load hits all alike. Variants:

    - `old`: one `asyncio.to_thread` hop per candidate, torch threads as before (`min(4, cpus)`, which was
      also what OpenMP gave the worker threads by default: the old code set the count on the loading thread);
    - `batched`: the coalescing `adetect_many`, same torch threads (the batching alone);
    - `new`: the coalescing `adetect_many` with the new default threads (`default_threads()`), as shipped.

    Per variant: candidates/s over all rounds, p50/p99 ms per call, mean candidates per batch; ratios against
    `old` (throughput > 1 and p99 < 1 are gains) and whether every variant reached the same decisions."""
    from moderation.detection.embedder import default_threads

    encoder = det._embedder  # the Embedder, whose thread count each forward pass applies in its own thread

    old_threads, new_threads = max(1, min(4, os.cpu_count() or 1)), default_threads()
    variants: dict[str, tuple[Callable[[Any, tuple[str, Sequence[str]]], Any], int]] = {
        "old": (_old_adetect, old_threads),
        "batched": (_new_adetect, old_threads),
        "new": (_new_adetect, new_threads),
    }
    out: dict[str, Any] = {"candidates": len(candidates), "torch_threads": {"old": old_threads, "new": new_threads}}
    for call, threads in variants.values():  # warm-up: threads, allocator, batch shapes
        encoder.threads = threads
        await _closed_loop(call, det, candidates[:16], 4)
    for n in callers:
        seconds = dict.fromkeys(variants, 0.0)
        lat: dict[str, list[float]] = {name: [] for name in variants}
        batches = dict.fromkeys(variants, 0)
        items = dict.fromkeys(variants, 0)
        verdicts: dict[str, list[bool]] = {}
        for r in range(rounds):
            for name in list(variants) if r % 2 == 0 else list(variants)[::-1]:
                call, threads = variants[name]
                encoder.threads = threads
                before = dict(det.batch_stats)
                took, latencies, verdicts[name] = await _closed_loop(call, det, candidates, n)
                seconds[name] += took
                lat[name] += latencies
                batches[name] += det.batch_stats["batches"] - before["batches"]
                items[name] += det.batch_stats["items"] - before["items"]
        row: dict[str, Any] = {}
        for name in variants:
            values = sorted(lat[name])
            row[name] = {
                "candidates_per_s": round(len(candidates) * rounds / seconds[name], 1),
                "p50_ms": round(statistics.median(values), 1),
                "p99_ms": round(_p(values, 0.99), 1),
            }
            if batches[name]:
                row[name]["mean_batch"] = round(items[name] / batches[name], 1)
        for name in ("batched", "new"):
            row[f"{name}_throughput_ratio"] = round(row[name]["candidates_per_s"] / row["old"]["candidates_per_s"], 2)
            row[f"{name}_p99_ratio"] = round(row[name]["p99_ms"] / row["old"]["p99_ms"], 2)
        row["same_decisions"] = verdicts["old"] == verdicts["batched"] == verdicts["new"]
        out[f"callers_{n}"] = row
    encoder.threads = new_threads
    return out


def summarise_concurrent(conc: dict[str, Any]) -> dict[str, Any]:
    """`concurrent_callers` figures as flat rows (one line per caller count and figure), for tables."""
    variants = ("old", "batched", "new")
    out: dict[str, Any] = {"concurrent_candidates": conc["candidates"]}
    for key, row in conc.items():
        if not key.startswith("callers_"):
            continue
        n = key.removeprefix("callers_")
        out[f"concurrent_{n}_cand_per_s_old_batched_new"] = " / ".join(
            str(row[v]["candidates_per_s"]) for v in variants
        )
        out[f"concurrent_{n}_p99_ms_old_batched_new"] = " / ".join(str(row[v]["p99_ms"]) for v in variants)
        out[f"concurrent_{n}_new_vs_old"] = (
            f"throughput x{row['new_throughput_ratio']}, p99 x{row['new_p99_ratio']}"
            f" (batching alone: x{row['batched_throughput_ratio']}, p99 x{row['batched_p99_ratio']});"
            f" mean batch {row['new'].get('mean_batch')}; same decisions {row['same_decisions']}"
        )
    return out


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
    figures["rule_gate_pass_rate"] = round(sum(passes(t, a) and rule_view(t, a).needs_model for t, a in items) / n, 4)

    det = Detector(use_model=True)
    t0 = time.perf_counter()
    figures["model_status"] = det.model_status
    head_cfg = Head.load()
    figures["encoder"] = f"{head_cfg.precision}, max {head_cfg.max_tokens} tokens"
    figures["model_load_s"] = round(time.perf_counter() - t0, 2)
    det.detect_many(items[:256])  # warm-up

    hard = [(t, a) for t, a, _ in build_stream(n, on_topic=0.25, seed=11)]
    figures["hard_stream_rule_gate_pass_rate"] = round(
        sum(passes(t, a) and rule_view(t, a).needs_model for t, a in hard) / n, 4
    )
    figures["cpu_matrix_units"] = _cpu_matrix_units()
    figures.update(_bound_ab(det, {"stream": items, "hard_stream": hard}, repeat=2))
    figures.update(_threads_ab(det, items, repeat=2))
    figures.update(_gate_ab(det, {"stream": items, "hard_stream": hard}, repeat=2))
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
    # Each announcement alone, alternately with the shipped torch thread count and the previous one
    # (min(4, cpus)), so that both see the same machine load.
    encoder: Any = det._embedder
    shipped_threads, old_threads = encoder.threads, max(1, min(4, os.cpu_count() or 1))
    # (Until session 14 the calls alternated over the list twice over, so with an even count each announcement
    # was timed twice with the same count: the two counts timed different announcements.)
    lat: dict[int, list[float]] = {shipped_threads: [], old_threads: []}
    for k, (t, a) in enumerate(announcements):
        for threads in (shipped_threads, old_threads) if k % 2 == 0 else (old_threads, shipped_threads):
            encoder.threads = threads
            t0 = time.perf_counter()
            det.detect(t, a)
            lat[threads].append((time.perf_counter() - t0) * 1000)
    encoder.threads = shipped_threads
    for threads, values in lat.items():
        values.sort()
        suffix = "" if threads == shipped_threads else "_old_threads"
        figures[f"p50_ms_per_announcement{suffix}"] = round(statistics.median(values), 2)
        figures[f"p99_ms_per_announcement{suffix}"] = round(_p(values, 0.99), 2)
    figures["announcements_timed"] = len(announcements)
    figures.update(_layout_ab(det, items, announcements, repeat=2))
    figures.update(_trim_ab(det, items, repeat=2))
    figures["torch_threads_shipped_old"] = f"{shipped_threads} / {old_threads}"
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    candidates = [(t, a) for t, a in items if passes(t, a)][: (96 if quick else 256)]
    figures.update(summarise_concurrent(asyncio.run(concurrent_callers(det, candidates))))
    figures["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    # The old path's to_thread pool runs forward passes in up to 6 threads, each with its own malloc arena.
    figures["peak_rss_mb_after_concurrent"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # Last: it loads a second encoder, which would raise the peak RSS figures above.
    figures.update(_precision_ab(det, items, repeat=2))
    figures["targets"] = TARGETS
    return figures


def _print(fig: dict[str, Any], out: Sequence[str] = ()) -> None:
    for key, value in fig.items():
        if key == "targets":
            continue
        if key == "concurrent":
            threads = value["torch_threads"]
            print(
                f"concurrent callers ({value['candidates']} pre-filter candidates; old = a thread hop each, torch"
                f" threads {threads['old']}; batched = coalescing, same threads; new = coalescing,"
                f" {threads['new']} threads):"
            )
            for name, row in value.items():
                if not name.startswith("callers_"):
                    continue
                cells = [
                    f"{v} {row[v]['candidates_per_s']:>6} cand/s p50 {row[v]['p50_ms']:>6} p99 {row[v]['p99_ms']:>7} ms"
                    + (f" (batch {row[v]['mean_batch']})" if "mean_batch" in row[v] else "")
                    for v in ("old", "batched", "new")
                ]
                print(f"  {name.removeprefix('callers_'):>3} callers: " + " | ".join(cells))
                print(
                    f"      vs old: batched throughput x{row['batched_throughput_ratio']},"
                    f" p99 x{row['batched_p99_ratio']};"
                    f" new throughput x{row['new_throughput_ratio']}, p99 x{row['new_p99_ratio']};"
                    f" same decisions: {row['same_decisions']}"
                )
            continue
        target = TARGETS.get(key)
        note = f"   (target {'<=' if key.startswith('p99') else '>='} {target})" if target else ""
        print(f"{key:<46}{value}{note}")


def run_concurrent(quick: bool) -> dict[str, Any]:
    """Only the concurrent-callers comparison (old path vs coalescing), on the same stream as `run`."""
    from moderation.detection import Detector
    from moderation.detection.prefilter import passes

    items = [(t, a) for t, a, _ in build_stream(5_000 if quick else 20_000)]
    det = Detector(use_model=True)
    figures: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg_1m_at_start": round(os.getloadavg()[0], 2)}
    figures["model_status"] = det.model_status
    candidates = [(t, a) for t, a in items if passes(t, a)][: (96 if quick else 256)]
    figures["concurrent"] = asyncio.run(concurrent_callers(det, candidates))
    figures["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark release detection.")
    parser.add_argument("--quick", action="store_true", help="5k-message stream instead of 20k")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--concurrent-only", action="store_true", help="only the concurrent-callers comparison")
    args = parser.parse_args(argv)
    fig = run_concurrent(args.quick) if args.concurrent_only else run(args.quick)
    if args.json:
        print(json.dumps(fig, indent=2))
    else:
        _print(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
