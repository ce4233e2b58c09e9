"""Load norm files: read, validate, resolve `extends`/`overrides`, compile, or report every problem.

Why all-or-nothing: a half-valid pack would evaluate releases against norms the moderators did not write.
So `load_pack*` either returns a complete `NormPack` or raises `NormFileError` with every problem in every
file involved; `lint_*` return the same problems as a list.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from norms._schema import did_you_mean, schema_problems
from norms._yaml import MAX_BYTES, Document, path_str, read_yaml
from norms.checks import KINDS, CheckConfigError, build_check
from norms.checks.question import DEFAULT_ANSWERS
from norms.durations import format_duration, parse_duration
from norms.errors import NormFileError
from norms.model import Check, Example, Norm, NormPack, ParentFacts, ReviewSettings
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
_MAX_EXTENDS_DEPTH = 8


def builtin_pack_names() -> list[str]:
    """Names of the packs shipped in `norms/packs/` (`baseline`, `starter`)."""
    folder = resources.files("norms").joinpath("packs")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _builtin_source(name: str) -> tuple[bytes, str, Path | None]:
    res = resources.files("norms").joinpath("packs", f"{name}.yaml")
    label = f"<builtin>/{name}.yaml"
    return res.read_bytes(), label, None


@dataclass
class _Loaded:
    """One file's contribution after its own extends are resolved."""

    name: str
    data: dict[str, Any]
    doc: Document
    norms: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)  # id -> (config, source)
    review: dict[str, Any] = field(default_factory=dict)
    switched_off: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    norms_ok: bool = True
    """False when some norm, override or extends had a problem (then example ids are not checked)."""
    ok: bool = True


def _compile(config: dict[str, Any]) -> tuple[list[Check], list[tuple[str, CheckConfigError]]]:
    checks: list[Check] = []
    errors: list[tuple[str, CheckConfigError]] = []
    for kind in KINDS:
        if kind in config:
            try:
                check = build_check(kind, config[kind])
            except CheckConfigError as exc:
                errors.append((kind, exc))
                continue
            if check is not None:
                checks.append(check)
    return checks, errors


def _bad_under(problems: list[Problem], prefix: str) -> bool:
    return any(p.path == prefix or p.path.startswith(prefix + ".") or p.path.startswith(prefix + "[") for p in problems)


class _Resolver:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(
        self,
        doc: Document,
        name: str,
        path: tuple[str | int, ...],
        code: str,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
    ) -> None:
        line, col = doc.mark(path, key=key)
        self.problems.append(Problem(name, line, col, code, "error", message, hint, path_str(path)))

    def load(self, raw: bytes | str, name: str, base_dir: Path | None, stack: tuple[str, ...]) -> _Loaded | None:
        doc, problems = read_yaml(raw, name)
        self.problems.extend(problems)
        if doc is None or (problems and doc.data is None):
            return None
        if not isinstance(doc.data, dict):
            if not problems:
                self.problem(
                    doc,
                    name,
                    (),
                    "not-a-mapping",
                    "a norm file is a YAML mapping with schema_version, id, version and norms",
                )
            return None
        yaml_paths = {p.path for p in problems}
        shape = [p for p in schema_problems(doc, name) if p.path not in yaml_paths]
        self.problems.extend(shape)
        data: dict[str, Any] = doc.data
        loaded = _Loaded(name, data, doc, sources=[name])
        ok = not problems and not shape
        # extends
        if not _bad_under(shape, "extends"):
            for i, ref in enumerate(data.get("extends", [])):
                parent = self.extend(doc, name, i, ref, base_dir, stack)
                if parent is None or not parent.ok:
                    ok = False
                    loaded.norms_ok = False
                    continue
                for nid, entry in parent.norms.items():
                    loaded.norms.pop(nid, None)
                    loaded.norms[nid] = entry
                loaded.review.update(parent.review)
                loaded.switched_off += [s for s in parent.switched_off if s not in loaded.switched_off]
                loaded.sources += [s for s in parent.sources if s not in loaded.sources]
        norms_ok = loaded.norms_ok
        loaded.ok = self.own(loaded, shape) and ok
        loaded.norms_ok = loaded.norms_ok and norms_ok
        return loaded

    def extend(
        self, doc: Document, name: str, i: int, ref: str, base_dir: Path | None, stack: tuple[str, ...]
    ) -> _Loaded | None:
        where = ("extends", i)
        if not ref.startswith("."):
            known = builtin_pack_names()
            if ref not in known:
                self.problem(
                    doc,
                    name,
                    where,
                    "unknown-extends",
                    f"no built-in pack named {ref!r}",
                    did_you_mean(ref, known) or f"built-in packs: {', '.join(known)}",
                )
                return None
            raw, label, parent_dir = _builtin_source(ref)
            key = label
        else:
            if base_dir is None:
                self.problem(
                    doc,
                    name,
                    where,
                    "unknown-extends",
                    f"cannot resolve {ref!r} here",
                    "packs given as text may extend built-in packs only",
                )
                return None
            target = (base_dir / ref).resolve()
            if not target.is_file():
                self.problem(doc, name, where, "unknown-extends", f"{ref!r} does not exist (looked for {target})")
                return None
            key = str(target)
            label, parent_dir = str(target), target.parent
            raw = b""
        if key in stack:
            chain = " -> ".join([*stack[stack.index(key) :], key])
            self.problem(doc, name, where, "extends-cycle", f"extends cycle: {chain}")
            return None
        if len(stack) >= _MAX_EXTENDS_DEPTH:
            self.problem(doc, name, where, "extends-too-deep", f"extends chains are limited to {_MAX_EXTENDS_DEPTH}")
            return None
        if parent_dir is not None:
            size = Path(label).stat().st_size
            if size > MAX_BYTES:
                self.problem(doc, name, where, "too-large", f"{ref!r} is {size} bytes; the limit is {MAX_BYTES}")
                return None
            raw = Path(label).read_bytes()
        parent = self.load(raw, label, parent_dir, (*stack, key))
        if parent is None or not parent.ok:
            self.problem(doc, name, where, "bad-extends", f"{ref!r} has problems (listed for that file)")
        return parent

    def own(self, loaded: _Loaded, shape: list[Problem]) -> bool:
        """Apply this file's overrides and norms on top of what it inherited; False on any problem.

        Parts with schema problems are skipped, but their siblings are still checked, so one run reports
        a bad pattern even when the same norm also has a bad `need`.
        """
        before = len(self.problems)
        doc, name, data = loaded.doc, loaded.name, loaded.data
        if isinstance(data.get("review"), dict):
            review = data["review"]
            loaded.review.update(review)
            for sub, value in _durations(review):
                if _bad_under(shape, path_str(("review", *sub))):
                    continue
                try:
                    parse_duration(value)
                except ValueError as exc:
                    self.problem(doc, name, ("review", *sub), "bad-duration", str(exc))
        overrides = data.get("overrides", {})
        for nid, ov in overrides.items() if isinstance(overrides, dict) else ():
            if _bad_under(shape, path_str(("overrides", nid))):
                continue
            if nid not in loaded.norms:
                hint = did_you_mean(nid, loaded.norms) or "overrides change inherited norms only"
                self.problem(
                    doc,
                    name,
                    ("overrides", nid),
                    "unknown-norm",
                    f"overrides {nid!r}, which no extended pack defines",
                    hint,
                    key=True,
                )
                continue
            if ov == "off":
                del loaded.norms[nid]
                loaded.switched_off.append(nid)
                continue
            if self.check_norm(doc, name, ("overrides", nid), ov):
                loaded.norms[nid] = ({**loaded.norms[nid][0], **ov}, name)
        norms = data.get("norms", [])
        own_ids: dict[str, int] = {}
        for i, config in enumerate(norms if isinstance(norms, list) else []):
            if not isinstance(config, dict):
                continue
            where = path_str(("norms", i))
            good = {k: v for k, v in config.items() if not _bad_under(shape, f"{where}.{k}")}
            if not self.check_norm(doc, name, ("norms", i), good) or _bad_under(shape, where):
                continue
            nid = config["id"]
            if nid in own_ids:
                self.problem(
                    doc,
                    name,
                    ("norms", i, "id"),
                    "duplicate-norm-id",
                    f"norm id {nid!r} is already used by norms[{own_ids[nid]}]",
                )
                continue
            own_ids[nid] = i
            if nid in loaded.norms:
                self.problem(
                    doc,
                    name,
                    ("norms", i, "id"),
                    "duplicate-norm-id",
                    f"norm id {nid!r} is inherited from {loaded.norms[nid][1]}",
                    "change an inherited norm under `overrides:` instead",
                )
                continue
            if not any(k in config for k in (*KINDS, "question")):
                self.problem(
                    doc,
                    name,
                    ("norms", i),
                    "no-check",
                    f"norm {nid!r} checks nothing",
                    f"add one of: {', '.join((*KINDS, 'question'))}",
                )
                continue
            loaded.norms[nid] = (config, name)
        loaded.norms_ok = (
            len(self.problems) == before
            and not _bad_under(shape, "norms")
            and not _bad_under(shape, "overrides")
            and not _bad_under(shape, "extends")
        )
        return len(self.problems) == before

    def check_norm(self, doc: Document, name: str, path: tuple[str | int, ...], config: dict[str, Any]) -> bool:
        ok = True
        for kind, exc in _compile(config)[1]:
            self.problem(doc, name, (*path, kind, *exc.subpath), exc.code, exc.message)
            ok = False
        if "answers" in config and "question" not in config:
            self.problem(doc, name, (*path, "answers"), "answers-without-question", "answers given but no question")
            ok = False
        return ok


def _durations(review: dict[str, Any]) -> list[tuple[tuple[str | int, ...], Any]]:
    out: list[tuple[tuple[str | int, ...], Any]] = [
        ((k,), review[k]) for k in ("window", "escalate_after") if k in review
    ]
    out += [(("reminders", j), r) for j, r in enumerate(review.get("reminders", []))]
    if "flag_rate_limit" in review:
        out.append((("flag_rate_limit", "per"), review["flag_rate_limit"]["per"]))
    return out


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


def _norm(config: dict[str, Any], source: str) -> Norm:
    checks, errors = _compile(config)
    if errors:  # pragma: no cover - every config was compiled at its own location first
        raise AssertionError(errors)
    return Norm(
        id=config["id"],
        title=config.get("title", config["id"]),
        need=config["need"],
        severity=config["severity"],
        description=config.get("description"),
        fix=config.get("fix"),
        question=config.get("question"),
        answers=tuple(config.get("answers", DEFAULT_ANSWERS)) if config.get("question") else (),
        when=build_when(config["when"]) if "when" in config else None,
        checks=tuple(checks),
        config=config,
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


def _check_example_ids(res: _Resolver, loaded: _Loaded) -> None:
    """Report examples that expect outcomes of norms the resolved pack does not have."""
    examples = loaded.data.get("examples", [])
    if not loaded.norms_ok or not isinstance(examples, list):
        return
    norm_ids = set(loaded.norms)
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


def _examples(loaded: _Loaded) -> list[Example]:
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
    raw: bytes | str, name: str, base_dir: Path | None, key: str | None = None
) -> tuple[NormPack | None, list[Problem]]:
    """`key` identifies the file for cycle detection (its resolved path); defaults to `name`."""
    res = _Resolver()
    loaded = res.load(raw, name, base_dir, (key or name,))
    if loaded is not None:
        _check_example_ids(res, loaded)
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


def _read_path(path: Path) -> tuple[bytes | None, list[Problem]]:
    name = str(path)
    try:
        if not path.is_file():
            return None, [Problem(name, 1, 1, "not-found", "error", "no such file")]
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [
                Problem(
                    name,
                    1,
                    1,
                    "too-large",
                    "error",
                    f"file is {size} bytes; norm files are limited to {MAX_BYTES} bytes",
                )
            ]
        return path.read_bytes(), []
    except OSError as exc:
        return None, [Problem(name, 1, 1, "unreadable", "error", f"cannot read file: {exc.strerror or exc}")]


def lint_path(path: str | Path) -> list[Problem]:
    """Every problem in the norm file at `path` and the files it extends (empty: it loads)."""
    p = Path(path)
    raw, problems = _read_path(p)
    if raw is None:
        return problems
    return _build(raw, str(p), p.resolve().parent, str(p.resolve()))[1]


def lint_text(text: str, name: str = "<text>", base_dir: Path | None = None) -> list[Problem]:
    """Every problem in norm-file `text` (e.g. uploaded in chat)."""
    return _build(text, name, base_dir)[1]


def load_pack(path: str | Path) -> NormPack:
    """Load and resolve the norm file at `path`; raises NormFileError listing every problem."""
    p = Path(path)
    raw, problems = _read_path(p)
    if raw is None:
        raise NormFileError(problems)
    pack, problems = _build(raw, str(p), p.resolve().parent, str(p.resolve()))
    if pack is None:
        raise NormFileError(problems)
    return pack


def load_pack_text(text: str, name: str = "<text>", base_dir: Path | None = None) -> NormPack:
    """Load norm-file text (a pack uploaded in chat); relative `extends` need `base_dir`."""
    pack, problems = _build(text, name, base_dir)
    if pack is None:
        raise NormFileError(problems)
    return pack


def load_builtin(name: str) -> NormPack:
    """A shipped pack by name (`baseline`); raises UnknownPackError for other names."""
    from norms.errors import UnknownPackError

    known = builtin_pack_names()
    if name not in known:
        raise UnknownPackError(name, known)
    raw, label, _ = _builtin_source(name)
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
