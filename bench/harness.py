"""`python -m bench [--quick] [--only a,b]`: run every benchmark, write bench/results/latest.json and the
generated tables of docs/performance.md. Sections: detection, load (SQLite and PostgreSQL), replicas, scale,
memory, profile. A section that fails is recorded as an error and the others still run."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import report
from bench.databases import PG_ADMIN_DSN, pg_reachable
from bench.facts import load_average, machine_facts, pg_version

__all__ = ["SECTIONS", "main", "run_all"]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
DOCS = ROOT / "docs" / "performance.md"
SECTIONS = ("detection", "load", "replicas", "scale", "memory", "profile")
log = logging.getLogger("bench")


async def _detection(quick: bool) -> dict[str, Any]:
    try:
        from bench import detection
    except ImportError as exc:
        return {"error": f"bench/detection.py not available ({exc})"}
    return dict(await asyncio.to_thread(detection.run, quick))


async def _per_backend(fn: Callable[[str], Awaitable[dict[str, Any]]], pg_problem: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and pg_problem:
            out[backend] = {"error": f"PostgreSQL unreachable at {PG_ADMIN_DSN}: {pg_problem}"}
            continue
        out[backend] = await _guard(f"{fn.__name__ if hasattr(fn, '__name__') else 'section'} {backend}", fn(backend))
    return out


async def _guard(name: str, work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    log.info("▶ %s", name)
    try:
        result = await work
    except Exception as exc:
        log.exception("✗ %s failed", name)
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}
    log.info("✓ %s (%.0f s)", name, time.perf_counter() - start)
    return result


async def run_all(quick: bool, only: set[str]) -> dict[str, Any]:
    """Every selected section, in an order that keeps the heavy ones apart; returns the results."""
    from bench.memory import measure
    from bench.profiling import profile_hot_paths
    from bench.replicas import run_replicas
    from bench.scale import run_scale
    from bench.scenario import run_backend

    facts = machine_facts()
    facts["postgresql"] = await pg_version(PG_ADMIN_DSN)
    pg_problem = await pg_reachable()
    results: dict[str, Any] = {"facts": facts, "quick": quick, "sections": {}}
    sections: dict[str, Any] = results["sections"]
    start = time.perf_counter()

    async def load(backend: str) -> dict[str, Any]:
        return await run_backend(backend, quick=quick)

    async def scale(backend: str) -> dict[str, Any]:
        return await run_scale(backend, quick=quick, runs=20 if quick else 40)

    if "detection" in only:
        sections["detection"] = await _guard("detection", _detection(quick))
    if "load" in only:
        sections["load"] = await _per_backend(load, pg_problem)
    if "replicas" in only:
        sections["replicas"] = (
            {"error": f"PostgreSQL unreachable: {pg_problem}"}
            if pg_problem
            else await _guard(
                "replicas",
                run_replicas(
                    messages=300 if quick else 3_000,
                    members=200 if quick else 500,
                    flaggers=50,
                    rates=(200.0, 500.0) if quick else (200.0, 400.0, 600.0, 800.0, 1_000.0, 1_300.0, 1_600.0),
                    seconds=3.0 if quick else 8.0,
                ),
            )
        )
    if "scale" in only:
        sections["scale"] = await _per_backend(scale, pg_problem)
    if "memory" in only:
        sections["memory"] = await _guard("memory", measure(300 if quick else 1_000))
    if "profile" in only:
        sections["profile"] = await _guard("profile", profile_hot_paths(500 if quick else 3_000))
    results["seconds"] = round(time.perf_counter() - start, 1)
    results["load_average_at_end"] = load_average()
    return results


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run, write the results; exit 1 if a section failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run normbot's benchmarks.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter steps (< 5 minutes)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {', '.join(SECTIONS)}")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--docs", type=Path, default=DOCS, help="the Markdown file whose generated block to update")
    parser.add_argument("--no-docs", action="store_true", help="do not touch the Markdown file")
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))} (choose from {', '.join(SECTIONS)})")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("normbot", "moderation", "sqlalchemy", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    results = asyncio.run(run_all(args.quick, only))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    if not args.no_docs:
        report.write_into(args.docs, results)
    failed = [k for k, v in _flatten_errors(results["sections"])]
    print(f"results: {args.results}" + ("" if args.no_docs else f"; tables: {args.docs}"))
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _flatten_errors(sections: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in sections.items():
        if isinstance(value, dict):
            if "error" in value:
                out.append((prefix + key, str(value["error"])))
            elif key in ("load", "scale"):
                out += _flatten_errors(value, prefix + key + ".")
    return out
