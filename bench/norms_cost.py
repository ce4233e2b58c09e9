"""`python -m bench.norms_cost [--quick]`: what a norm pack can cost one announcement, before and after the
bound (issue 21, item 5). Prints JSON; the figures are quoted in docs/performance.md and docs/norm-files.md.

Measured on one 4 KB adversarial announcement (the shape that makes RE2 leave its DFA: a run of `a` then
`b`, and a random a/b mix):
- `attack_unbounded`: the reported pack, 500 x `(?s)a.{990}c`, compiled with RE2 directly since the loader
  now refuses it (pattern over MAX_PROGRAM, list over MAX_NORMS); time for all 500 searches.
- `worst_within_bound`: the costliest packs the loader accepts, MAX_PACK_PROGRAM spent on counted
  repetitions of several shapes; the slowest shape is the figure.
- `baseline`: the shipped pack on the same texts.
- `lint_lattice`: `lint_path` on a 6-way lattice of extends (6 wide, 3 deep: 216 paths to the bottom).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import re2

from norms import ReleaseContext, evaluate, lint_path, load_builtin, load_pack_text
from norms.cost import MAX_NORMS, MAX_PACK_PROGRAM, MAX_PROGRAM, MAX_SUBJECT
from norms.fields import ReleaseFields

__all__ = ["main", "run"]

_SHAPES = ("(?s)a.{140}c", "(?s)a.{60}c", "(?s)(?:a.{20}){7}c", "(?s)a.{20}b.{20}c.{20}d.{20}e")


def _texts() -> dict[str, str]:
    rng = random.Random(7)
    return {
        "a-run-then-b": "a" * 2000 + "b" * 2000,
        "random-ab": "".join(rng.choice("ab") for _ in range(4000)),
    }


def _search_all(compiled: list[Any], text: str) -> list[object]:
    return [rx.search(text) for rx in compiled]


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


def _pack_text(patterns: list[str]) -> str:
    rows = "".join(
        f"  - {{id: n{i}, need: harms, severity: info, forbid: {{text: '{p}'}}}}\n" for i, p in enumerate(patterns)
    )
    return f"schema_version: 1\nid: heavy\nversion: 1.0.0\nnorms:\n{rows}"


def _fill(shape: str) -> list[str]:
    """As many copies of `shape` (made distinct) as the pack budget allows."""
    options = re2.Options()
    options.log_errors = False
    size = re2.compile(shape, options).programsize
    return [f"{shape}|x{i}z" for i in range(MAX_PACK_PROGRAM // (size + 8))]


def run(quick: bool = False) -> dict[str, Any]:
    """Every figure of the module docstring."""
    runs = 3 if quick else 7
    texts = _texts()
    out: dict[str, Any] = {
        "limits": {
            "max_norms": MAX_NORMS,
            "max_program": MAX_PROGRAM,
            "max_pack_program": MAX_PACK_PROGRAM,
            "max_subject": MAX_SUBJECT,
        }
    }
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    n_attack = 50 if quick else 500
    attack = [re2.compile(f"(?s)a.{{990}}c|q{i}", options) for i in range(n_attack)]
    out["attack_unbounded"] = {
        name: round(_median_ms(partial(_search_all, attack, text), 1) * 500 / n_attack, 1)
        for name, text in texts.items()
    }
    worst: dict[str, Any] = {}
    for shape in _SHAPES:
        per_text: dict[str, Any] = {}
        for name, text in texts.items():
            # RE2 keeps a DFA cache per compiled pattern: the first search on a fresh pack is the cold case.
            pack = load_pack_text(_pack_text(_fill(shape)), "heavy.yaml")
            ctx = ReleaseContext(ReleaseFields(), text)
            cold = _median_ms(partial(evaluate, pack, ctx), 1)
            per_text[name] = {"cold": cold, "warm": _median_ms(partial(evaluate, pack, ctx), runs)}
        worst[shape] = {"norms": len(_fill(shape)), **per_text}
    out["worst_within_bound"] = worst
    out["worst_within_bound_ms"] = max(t["cold"] for w in worst.values() for k, t in w.items() if isinstance(t, dict))
    baseline = load_builtin("baseline")
    out["baseline"] = {
        name: _median_ms(partial(evaluate, baseline, ReleaseContext(ReleaseFields(), text)), runs)
        for name, text in texts.items()
    }
    with tempfile.TemporaryDirectory() as folder:
        top = _lattice(Path(folder), width=6, depth=3)
        out["lint_lattice"] = {"files": 1 + 6 * 3, "paths": 6**3, "ms": _median_ms(lambda: lint_path(top), runs)}
    return out


def _lattice(folder: Path, *, width: int, depth: int) -> Path:
    for level in range(depth, 0, -1):
        for k in range(width):
            below = [f"./l{level + 1}-{j}.yaml" for j in range(width)] if level < depth else ["baseline"]
            (folder / f"l{level}-{k}.yaml").write_text(
                f"schema_version: 1\nid: l{level}-{k}\nversion: 1.0.0\nextends: [{', '.join(below)}]\n"
            )
    top = folder / "top.yaml"
    top.write_text(
        "schema_version: 1\nid: top\nversion: 1.0.0\nextends: ["
        + ", ".join(f"./l1-{j}.yaml" for j in range(width))
        + "]\n"
    )
    return top


def main(argv: list[str] | None = None) -> int:
    """Run and print the JSON figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.norms_cost", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50 attack patterns (scaled to 500), 3 runs")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
