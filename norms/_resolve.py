"""Resolve one norm file and what it extends into merged raw norms (private to the loader).

Why a separate step: `extends`/`overrides` are where norm files go wrong in subtle ways (an override of
a norm nobody defines, a cycle, a shadowed id). This module reads each file, validates its shape, follows
`extends`, applies `overrides` and appends own norms, recording a Problem for each mistake; `loader.py`
turns the merged result into a `NormPack` only when there were none.

Why each file is resolved once: `extends` may form a diamond (a and b both extend c). Following every
path re-reads and re-validates the shared files once per path, which is exponential in the depth (8 small
files took 60 s). The Resolver keeps each finished file by its normalised path and reuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from norms._schema import did_you_mean, schema_problems
from norms._yaml import MAX_BYTES, Document, path_str, read_yaml
from norms.checks import KINDS, CheckConfigError, build_check
from norms.durations import parse_duration
from norms.model import Check
from norms.problems import Problem

__all__ = ["Loaded", "Resolver", "builtin_pack_names", "builtin_source", "compile_checks", "read_path"]

_MAX_EXTENDS_DEPTH = 8


def builtin_pack_names() -> list[str]:
    """Names of the packs shipped in `norms/packs/` (`baseline`, `starter`)."""
    folder = resources.files("norms").joinpath("packs")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_source(name: str) -> tuple[bytes, str, Path | None]:
    res = resources.files("norms").joinpath("packs", f"{name}.yaml")
    label = f"<builtin>/{name}.yaml"
    return res.read_bytes(), label, None


@dataclass
class Loaded:
    """One file's contribution after its own extends are resolved."""

    name: str
    data: dict[str, Any]
    doc: Document
    norms: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)  # id -> (config, source)
    review: dict[str, Any] = field(default_factory=dict)
    switched_off: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    norms_ok: bool = True
    """False when some norm, override or extends had a problem."""
    parents_ok: bool = True
    """False when an extended file did not load: its norm ids are unknown, so ids are not judged missing."""
    declared: set[str] = field(default_factory=set)
    """Ids this file's own norms declare, including norms that have other problems (for example checks)."""
    height: int = 0
    """Length of the longest `extends` chain below this file (0: extends nothing)."""
    ok: bool = True


@dataclass(frozen=True, slots=True)
class _Source:
    """Where an `extends` entry points (`Resolver.locate`)."""

    key: str
    """What `Resolver.done` and the extends stack know the file by: its normalised path, or a built-in label."""
    label: str
    parent_dir: Path | None
    """The folder its own relative `extends` resolve against (None for a built-in pack)."""
    raw: bytes | None
    """A built-in pack's bytes; None for a file, read only once it is known not to be a cycle or done."""


def read_path(path: Path) -> bytes | Problem:
    """The file's bytes, or why not (not-found, too-large, unreadable) as a Problem at 1:1."""
    name = str(path)
    try:
        if not path.is_file():
            return Problem(name, 1, 1, "not-found", "error", "no such file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            message = f"file is {size} bytes; norm files are limited to {MAX_BYTES} bytes"
            return Problem(name, 1, 1, "too-large", "error", message)
        return path.read_bytes()
    except OSError as exc:
        return Problem(name, 1, 1, "unreadable", "error", f"cannot read file: {exc.strerror or exc}")


def compile_checks(config: dict[str, Any]) -> tuple[list[Check], list[tuple[str, CheckConfigError]]]:
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


class Resolver:
    """Loads a file and its `extends`, collecting problems from every file involved.

    `confine_to`: when set, relative `extends` may not leave this directory. Packs uploaded in chat are
    loaded this way, so an upload cannot make the bot read (and echo parts of) other files on the server.
    """

    def __init__(self, confine_to: Path | None = None) -> None:
        self.problems: list[Problem] = []
        self.confine_to = confine_to.resolve() if confine_to is not None else None
        self.done: dict[str, Loaded | None] = {}
        """Finished files by key (normalised path or built-in label): a diamond reads each file once."""

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

    def load(self, raw: bytes | str, name: str, base_dir: Path | None, stack: tuple[str, ...]) -> Loaded | None:
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
        loaded = Loaded(name, data, doc, sources=[name])
        ok = not problems and not shape
        # extends
        if not _bad_under(shape, "extends"):
            for i, ref in enumerate(data.get("extends", [])):
                parent = self.extend(doc, name, i, ref, base_dir, stack)
                if parent is not None:
                    loaded.height = max(loaded.height, parent.height + 1)
                if parent is None or not parent.ok:
                    ok = False
                    loaded.norms_ok = False
                    loaded.parents_ok = False
                    continue
                for nid, entry in parent.norms.items():
                    loaded.norms.pop(nid, None)
                    loaded.norms[nid] = entry
                loaded.review.update(parent.review)
                loaded.switched_off += [s for s in parent.switched_off if s not in loaded.switched_off]
                loaded.sources += [s for s in parent.sources if s not in loaded.sources]
        loaded.ok = self.own(loaded, shape) and ok
        return loaded

    def extend(
        self, doc: Document, name: str, i: int, ref: str, base_dir: Path | None, stack: tuple[str, ...]
    ) -> Loaded | None:
        where = ("extends", i)
        source = self.locate(doc, name, where, ref, base_dir)
        if source is None:
            return None
        if source.key in stack:
            chain = " -> ".join([*stack[stack.index(source.key) :], source.key])
            self.problem(doc, name, where, "extends-cycle", f"extends cycle: {chain}")
            return None
        if len(stack) >= _MAX_EXTENDS_DEPTH:
            self.problem(doc, name, where, "extends-too-deep", f"extends chains are limited to {_MAX_EXTENDS_DEPTH}")
            return None
        if source.key in self.done:
            return self.reuse(doc, name, where, ref, self.done[source.key], len(stack))
        raw = source.raw
        if raw is None:
            read = read_path(Path(source.label))
            if isinstance(read, Problem):
                code = "unknown-extends" if read.code == "not-found" else read.code
                self.problem(doc, name, where, code, f"{ref!r}: {read.message} ({source.label})")
                return None
            raw = read
        parent = self.load(raw, source.label, source.parent_dir, (*stack, source.key))
        self.done[source.key] = parent
        if parent is None or not parent.ok:
            self.problem(doc, name, where, "bad-extends", f"{ref!r} has problems (listed for that file)")
        return parent

    def locate(
        self, doc: Document, name: str, where: tuple[str | int, ...], ref: str, base_dir: Path | None
    ) -> _Source | None:
        """Where an `extends` entry points: a built-in pack by name, or a file relative to the extending one
        (only when that one has a folder, and inside `confine_to`); None, with a problem, when it cannot."""
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
            raw, label, parent_dir = builtin_source(ref)
            return _Source(label, label, parent_dir, raw)
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
        if self.confine_to is not None and not target.is_relative_to(self.confine_to):
            self.problem(
                doc,
                name,
                where,
                "unknown-extends",
                f"{ref!r} is outside the packs folder",
                "uploaded packs may extend files in the packs folder only",
            )
            return None
        return _Source(str(target), str(target), target.parent, None)

    def reuse(
        self, doc: Document, name: str, where: tuple[str | int, ...], ref: str, parent: Loaded | None, depth: int
    ) -> Loaded | None:
        """A file already resolved (a diamond): reused as it is, unless the chain through it is now too deep."""
        if parent is not None and depth + parent.height >= _MAX_EXTENDS_DEPTH:
            self.problem(doc, name, where, "extends-too-deep", f"extends chains are limited to {_MAX_EXTENDS_DEPTH}")
            return None
        if parent is None or not parent.ok:
            self.problem(doc, name, where, "bad-extends", f"{ref!r} has problems (listed for that file)")
        return parent

    def own(self, loaded: Loaded, shape: list[Problem]) -> bool:
        """Apply this file's overrides and norms on top of what it inherited; False on any problem.

        Parts with schema problems are skipped, but their siblings are still checked, so one run reports
        a bad pattern even when the same norm also has a bad `need`, and resolution problems (an override of
        a norm nobody defines, a duplicate id, a norm that checks nothing) are reported next to the schema
        problems of the same entry rather than only after those are fixed.
        """
        before = len(self.problems)
        inherited_ok = loaded.norms_ok
        if isinstance(loaded.data.get("review"), dict):
            self.own_review(loaded, shape)
        self.own_overrides(loaded, shape, inherited_ok)
        norms = loaded.data.get("norms", [])
        own_ids: dict[str, int] = {}
        for i, config in enumerate(norms if isinstance(norms, list) else []):
            if isinstance(config, dict):
                self.own_norm(loaded, shape, i, config, own_ids)
        loaded.norms_ok = (
            inherited_ok
            and len(self.problems) == before
            and not any(_bad_under(shape, part) for part in ("norms", "overrides", "extends"))
        )
        return len(self.problems) == before

    def own_review(self, loaded: Loaded, shape: list[Problem]) -> None:
        """The file's `review:` settings on top of the inherited ones, each duration checked."""
        review = loaded.data["review"]
        loaded.review.update(review)
        for sub, value in durations(review):
            if _bad_under(shape, path_str(("review", *sub))):
                continue
            try:
                parse_duration(value)
            except ValueError as exc:
                self.problem(loaded.doc, loaded.name, ("review", *sub), "bad-duration", str(exc))

    def own_overrides(self, loaded: Loaded, shape: list[Problem], inherited_ok: bool) -> None:
        """The file's `overrides:`: switch an inherited norm off or change its settings."""
        doc, name = loaded.doc, loaded.name
        overrides = loaded.data.get("overrides", {})
        for nid, ov in overrides.items() if isinstance(overrides, dict) else ():
            at = path_str(("overrides", nid))
            if any(p.path == at and p.code == "bad-key" for p in shape):
                continue  # not a valid id at all: that is the problem to fix
            if nid not in loaded.norms:
                if not inherited_ok:
                    continue  # a parent failed to load: its norms are unknown, not missing
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
            if _bad_under(shape, at):
                continue
            if ov == "off":
                del loaded.norms[nid]
                loaded.switched_off.append(nid)
                continue
            if self.check_norm(doc, name, ("overrides", nid), ov):
                loaded.norms[nid] = ({**loaded.norms[nid][0], **ov}, name)

    def own_norm(
        self, loaded: Loaded, shape: list[Problem], i: int, config: dict[str, Any], own_ids: dict[str, int]
    ) -> None:
        """`norms[i]`: checked even when parts of it have schema problems, added only when it has none."""
        doc, name = loaded.doc, loaded.name
        where = path_str(("norms", i))
        good = {k: v for k, v in config.items() if not _bad_under(shape, f"{where}.{k}")}
        compiled = self.check_norm(doc, name, ("norms", i), good)
        nid = config.get("id")
        if not isinstance(nid, str) or _bad_under(shape, f"{where}.id"):
            return
        loaded.declared.add(nid)
        if not self.unique_id(loaded, i, nid, own_ids):
            return
        typo = any(p.code == "unknown-key" and p.path.startswith(f"{where}.") for p in shape)
        if not any(k in config for k in (*KINDS, "question")) and not typo:  # a typo'd key is the problem
            self.problem(
                doc,
                name,
                ("norms", i),
                "no-check",
                f"norm {nid!r} checks nothing",
                f"add one of: {', '.join((*KINDS, 'question'))}",
            )
            return
        if not compiled or typo or _bad_under(shape, where):
            return
        loaded.norms[nid] = (config, name)

    def unique_id(self, loaded: Loaded, i: int, nid: str, own_ids: dict[str, int]) -> bool:
        """Whether `norms[i]`'s id is new: not used earlier in the file (recorded in `own_ids`), nor inherited
        (an inherited norm is changed under `overrides:`)."""
        if nid in own_ids:
            self.problem(
                loaded.doc,
                loaded.name,
                ("norms", i, "id"),
                "duplicate-norm-id",
                f"norm id {nid!r} is already used by norms[{own_ids[nid]}]",
            )
            return False
        own_ids[nid] = i
        if nid in loaded.norms:
            self.problem(
                loaded.doc,
                loaded.name,
                ("norms", i, "id"),
                "duplicate-norm-id",
                f"norm id {nid!r} is inherited from {loaded.norms[nid][1]}",
                "change an inherited norm under `overrides:` instead",
            )
            return False
        return True

    def check_norm(self, doc: Document, name: str, path: tuple[str | int, ...], config: dict[str, Any]) -> bool:
        ok = True
        for kind, exc in compile_checks(config)[1]:
            self.problem(doc, name, (*path, kind, *exc.subpath), exc.code, exc.message)
            ok = False
        if "answers" in config and "question" not in config:
            self.problem(doc, name, (*path, "answers"), "answers-without-question", "answers given but no question")
            ok = False
        return ok


def durations(review: dict[str, Any]) -> list[tuple[tuple[str | int, ...], Any]]:
    out: list[tuple[tuple[str | int, ...], Any]] = [
        ((k,), review[k]) for k in ("window", "escalate_after") if k in review
    ]
    out += [(("reminders", j), r) for j, r in enumerate(review.get("reminders", []))]
    if "flag_rate_limit" in review:
        out.append((("flag_rate_limit", "per"), review["flag_rate_limit"]["per"]))
    return out
