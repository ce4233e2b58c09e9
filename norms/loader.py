"""Load norm files: read, validate, resolve `extends`/`overrides`, compile, or report every problem.

Why all-or-nothing: a half-valid pack would evaluate releases against norms the moderators did not write.
So `load_pack*` either returns a complete `NormPack` or raises `NormFileError` with every problem in every
file involved; `lint_*` return the same problems as a list.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from norms._resolve import Loaded, Resolver, builtin_pack_names, builtin_source, compile_checks, read_path
from norms._schema import did_you_mean
from norms.checks.question import DEFAULT_ANSWERS
from norms.cost import MAX_NORMS, MAX_PACK_PROGRAM, check_cost
from norms.durations import format_duration, parse_duration
from norms.errors import NormFileError, UnknownPackError
from norms.model import Example, Norm, NormPack, ParentFacts, ReviewSettings, Text
from norms.problems import Problem
from norms.when import build_when

__all__ = [
    "builtin_pack_names",
    "lint_path",
    "lint_text",
    "load_builtin",
    "load_pack",
    "load_pack_text",
    "resolve_pack",
]

_REVIEW_DEFAULTS: dict[str, Any] = {
    "window": "72h",
    "quorum": 2,
    "reviewers": ["members"],
    "reminders": ["24h", "60h"],
    "flag_threshold": 3,
    "flag_rate_limit": {"count": 5, "per": "1h"},
    "escalate_after": "48h",
    "digest": "weekly",
}


def _review(raw: dict[str, Any]) -> ReviewSettings:
    merged = {**_REVIEW_DEFAULTS, **raw}
    rate = merged["flag_rate_limit"]
    return ReviewSettings(
        window=parse_duration(merged["window"]),
        quorum=int(merged["quorum"]),
        reviewers=tuple(merged["reviewers"]),
        reminders=tuple(parse_duration(r) for r in merged["reminders"]),
        flag_threshold=int(merged["flag_threshold"]),
        flag_rate_count=int(rate["count"]),
        flag_rate_per=parse_duration(rate["per"]),
        escalate_after=parse_duration(merged["escalate_after"]),
        digest=str(merged["digest"]),
    )


def _text(value: object) -> str | None:
    """A text key's value (a string, or one per language), None when absent."""
    return None if value is None else Text.of(value)


def _norm(config: dict[str, Any], source: str) -> Norm:
    checks, errors = compile_checks(config)
    if errors:  # pragma: no cover - every config was compiled at its own location first
        raise AssertionError(errors)
    return Norm(
        id=config["id"],
        title=Text.of(config.get("title", config["id"])),
        need=config["need"],
        severity=config["severity"],
        description=_text(config.get("description")),
        fix=_text(config.get("fix")),
        question=_text(config.get("question")),
        answers=tuple(config.get("answers", DEFAULT_ANSWERS)) if config.get("question") else (),
        when=build_when(config["when"]) if "when" in config else None,
        checks=tuple(checks),
        config=MappingProxyType(config),  # built-in packs are cached and shared: keep them read-only
        source=source,
    )


def _digest(data: dict[str, Any], review: ReviewSettings, norms: list[Norm]) -> str:
    canonical = {
        "schema_version": 1,
        "id": data["id"],
        "version": data["version"],
        "title": data.get("title", data["id"]),
        "review": {
            "window": format_duration(review.window),
            "quorum": review.quorum,
            "reviewers": list(review.reviewers),
            "reminders": [format_duration(r) for r in review.reminders],
            "flag_threshold": review.flag_threshold,
            "flag_rate_limit": {"count": review.flag_rate_count, "per": format_duration(review.flag_rate_per)},
            "escalate_after": format_duration(review.escalate_after),
            "digest": review.digest,
        },
        "norms": [dict(n.config) for n in norms],
    }
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _check_example_ids(res: Resolver, loaded: Loaded) -> None:
    """Report examples that expect outcomes of norms the resolved pack does not have.

    Checked even when norms have other problems (a norm with a bad `need` still declares its id), so one
    lint run shows the example mistakes too; skipped only when an extended file did not load, since its
    norm ids are then unknown.
    """
    examples = loaded.data.get("examples", [])
    if not loaded.parents_ok or not isinstance(examples, list) or not isinstance(loaded.data.get("norms", []), list):
        return
    norm_ids = set(loaded.norms) | loaded.declared
    for i, ex in enumerate(examples):
        expect = ex.get("expect") if isinstance(ex, dict) else None
        for nid in expect if isinstance(expect, dict) else ():
            if nid not in norm_ids:
                res.problem(
                    loaded.doc,
                    loaded.name,
                    ("examples", i, "expect", nid),
                    "unknown-norm",
                    f"example expects an outcome for {nid!r}, which is not in the resolved pack",
                    did_you_mean(nid, norm_ids),
                    key=True,
                )


def _check_cost(res: Resolver, loaded: Loaded) -> None:
    """Report a resolved pack over MAX_NORMS norms or MAX_PACK_PROGRAM total pattern program size.

    Counted over the resolved pack (inherited norms included: that is what runs on every announcement) and
    reported once each, at the first norm over the limit when this file defines or overrides it, else at
    `extends` (the inherited norms are what pushed it over).
    """
    if any(p.code == "too-many" and p.path == "norms" for p in res.problems):
        return  # this file's own list is already over the limit; one problem says so
    total = 0
    counted = False
    for n, (nid, (config, source)) in enumerate(loaded.norms.items()):
        if n == MAX_NORMS:
            res.problem(
                loaded.doc,
                loaded.name,
                _where(loaded, nid, source),
                "too-many-norms",
                f"the resolved pack has {len(loaded.norms)} norms (inherited ones included); the limit is {MAX_NORMS}",
                "switch inherited norms off under `overrides:` or drop some",
            )
        if counted:
            continue
        checks, _ = compile_checks(config)
        total += sum(check_cost(c) for c in checks)
        if total > MAX_PACK_PROGRAM:
            counted = True
            res.problem(
                loaded.doc,
                loaded.name,
                _where(loaded, nid, source),
                "pack-too-costly",
                f"the pack's patterns compile to more than {MAX_PACK_PROGRAM} RE2 instructions in total "
                f"({total} up to norm {nid!r}); the limit bounds the work of checking one announcement",
                "simplify counted repetitions such as .{500}, or split the pack",
            )


def _where(loaded: Loaded, nid: str, source: str) -> tuple[str | int, ...]:
    """Where a resolved norm is written in the top file: its own norm, its override, or `extends`."""
    if source == loaded.name:
        own = loaded.data.get("norms", [])
        for i, config in enumerate(own if isinstance(own, list) else []):
            if isinstance(config, dict) and config.get("id") == nid:
                return ("norms", i)
        if isinstance(loaded.data.get("overrides"), dict) and nid in loaded.data["overrides"]:
            return ("overrides", nid)
    return ("extends",) if "extends" in loaded.data else ()


def _examples(loaded: Loaded) -> list[Example]:
    out = []
    for i, ex in enumerate(loaded.data.get("examples", [])):
        parents = tuple(
            ParentFacts(
                p["name"],
                p.get("license"),
                p.get("allow_derivatives"),
                p.get("require_credit"),
                bool(p.get("credited", False)),
            )
            for p in ex.get("parents", ())
        )
        out.append(
            Example(
                text=ex.get("text", ""),
                expect=dict(ex["expect"]),
                fields=dict(ex.get("fields", {})),
                attachments=tuple(ex.get("attachments", ())),
                parents=parents,
                channel_nsfw=ex.get("channel_nsfw"),
                name=ex.get("name", ""),
                source=loaded.name,
                line=loaded.doc.mark(("examples", i))[0],
            )
        )
    return out


def _build(
    raw: bytes | str, name: str, base_dir: Path | None, key: str | None = None, *, confine: bool = False
) -> tuple[NormPack | None, list[Problem]]:
    """`key` identifies the file for cycle detection (its resolved path); defaults to `name`.

    `confine`: relative extends must stay inside `base_dir` (text from chat, see Resolver).
    """
    res = Resolver(base_dir if confine else None)
    loaded = res.load(raw, name, base_dir, (key or name,))
    if loaded is not None:
        _check_example_ids(res, loaded)
        _check_cost(res, loaded)
    if loaded is None or res.problems or not loaded.ok:
        # Every failure path records a problem; the fallback keeps "no pack, no reason" impossible.
        return None, sorted(set(res.problems)) or [Problem(name, 1, 1, "invalid", "error", "not a valid norm file")]
    norms = [_norm(config, source) for config, source in loaded.norms.values()]
    review = _review(loaded.review)
    examples = _examples(loaded)
    data = loaded.data
    pack = NormPack(
        id=data["id"],
        version=data["version"],
        title=data.get("title", data["id"]),
        digest=_digest(data, review, norms),
        review=review,
        norms=tuple(norms),
        examples=tuple(examples),
        source_files=tuple(loaded.sources),
        extends=tuple(data.get("extends", ())),
        switched_off=tuple(loaded.switched_off),
    )
    return pack, []


def lint_path(path: str | Path) -> list[Problem]:
    """Every problem in the norm file at `path` and the files it extends (empty: it loads)."""
    p = Path(path)
    raw = read_path(p)
    if isinstance(raw, Problem):
        return [raw]
    return _build(raw, str(p), p.resolve().parent, str(p.resolve()))[1]


def lint_text(text: str, name: str = "<text>", base_dir: Path | None = None) -> list[Problem]:
    """Every problem in norm-file `text` (e.g. uploaded in chat); extends may not leave `base_dir`."""
    return _build(text, name, base_dir, confine=True)[1]


def load_pack(path: str | Path) -> NormPack:
    """Load and resolve the norm file at `path`; raises NormFileError listing every problem."""
    p = Path(path)
    raw = read_path(p)
    if isinstance(raw, Problem):
        raise NormFileError([raw])
    pack, problems = _build(raw, str(p), p.resolve().parent, str(p.resolve()))
    if pack is None:
        raise NormFileError(problems)
    return pack


def load_pack_text(text: str, name: str = "<text>", base_dir: Path | None = None) -> NormPack:
    """Load norm-file text (a pack uploaded in chat); relative `extends` need `base_dir`."""
    pack, problems = _build(text, name, base_dir, confine=True)
    if pack is None:
        raise NormFileError(problems)
    return pack


def load_builtin(name: str) -> NormPack:
    """A shipped pack by name (`baseline`); raises UnknownPackError for other names."""
    known = builtin_pack_names()
    if name not in known:
        raise UnknownPackError(name, known)
    return _builtin(name)


@cache
def _builtin(name: str) -> NormPack:
    """Built-in packs are immutable package data: load each once per process."""
    raw, label, _ = builtin_source(name)
    pack, problems = _build(raw, label, None, label)
    if pack is None:
        raise NormFileError(problems)
    return pack


def resolve_pack(ref: str, base_dir: Path | None = None) -> NormPack:
    """A built-in pack name (no slash, no .yaml) or a path (relative to `base_dir` if given)."""
    if ref in builtin_pack_names():
        return load_builtin(ref)
    path = Path(ref)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    return load_pack(path)
