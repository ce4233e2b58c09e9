"""Structural validation of a norm file against the shipped JSON Schema, as `Problem`s at YAML marks.

Why the JSON Schema drives the loader: editors validate with the same file (`normfile.schema.json`), so
the editor and `normbot norms lint` cannot disagree about shape. jsonschema's errors are mapped to our
codes (`unknown-key` with "did you mean", `missing-key`, `wrong-type`, `bad-value`) and located with the
marks the YAML reader kept.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from norms._yaml import Document, Path, path_str
from norms.problems import Problem

__all__ = ["did_you_mean", "schema", "schema_problems"]

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing",
    "number": "a number",
}


@cache
def schema() -> dict[str, Any]:
    """The norm-file JSON Schema shipped in the package."""
    text = resources.files("norms").joinpath("schema/normfile.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


_SIZE_LIMITS = {
    "maxItems": ("too-many", "items", "the limit"),
    "minItems": ("too-few", "items", "the minimum"),
    "maxLength": ("too-long", "characters", "the limit"),
    "minLength": ("bad-value", "characters", "the minimum"),
    "maxProperties": ("too-many", "entries", "the limit"),
    "minProperties": ("too-few", "entries", "the minimum"),
}
"""Size keywords as (code, unit, word): jsonschema's own message quotes the whole value (`[{...}] is too
long`), which for a 500-norm list is unreadable; ours says what is counted and what the limit is."""


def did_you_mean(word: str, choices: Any) -> str | None:
    """A "did you mean 'x'?" hint, or None when nothing is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    for name, typ in (
        ("true/false", bool),
        ("an integer", int),
        ("a number", float),
        ("a string", str),
        ("a list", list),
        ("a mapping", dict),
    ):
        if isinstance(value, typ):
            return name
    return "nothing" if value is None else type(value).__name__


_JSON_TYPES = {"string": str, "object": dict, "array": list, "integer": int, "boolean": bool}


def _branch_fits(error: ValidationError, sub: ValidationError) -> bool:
    """Whether `sub` comes from a branch of `error`'s anyOf/oneOf whose declared type is the instance's."""
    if not sub.schema_path:
        return False
    branches = error.validator_value
    index = sub.schema_path[0]
    if not isinstance(index, int) or not isinstance(branches, list) or index >= len(branches):
        return False
    want = _JSON_TYPES.get(str(branches[index].get("type")))
    return (
        want is not None and isinstance(error.instance, want) and not (want is int and isinstance(error.instance, bool))
    )


def _expand(error: ValidationError) -> Iterator[tuple[Path, bool, str, str, str | None]]:
    """(path, at_key, code, message, hint) for one jsonschema error."""
    path: Path = tuple(error.absolute_path)
    v = error.validator
    if v in ("oneOf", "anyOf") and error.context:
        # Prefer the branch whose type fits (a mapping override is judged as a mapping, not as `off`).
        fitting = [e for e in error.context if e.relative_path or e.validator not in ("type", "const", "enum")]
        typed = [e for e in error.context if _branch_fits(error, e)]  # `title: {xx: …}` is judged as a mapping
        best = best_match(typed or fitting or error.context)
        yield from _expand(best)
        return
    if v == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        for key in error.instance:
            if key not in known:
                yield (*path, key), True, "unknown-key", f"unknown key {key!r}", did_you_mean(key, known)
        return
    if v == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        for key in missing:
            yield path, False, "missing-key", f"missing required key {key!r}", None
        return
    if v == "propertyNames":
        yield (
            (*path, error.instance),
            True,
            "bad-key",
            f"{error.instance!r} is not a valid id",
            "ids are kebab-case: lowercase letters, digits and hyphens",
        )
        return
    if v == "type":
        want = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = " or ".join(_TYPE_NAMES.get(str(w), str(w)) for w in want)
        hint = "quote it" if "string" in want and isinstance(error.instance, int | float) else None
        yield path, False, "wrong-type", f"expected {names}, got {_kind(error.instance)} {_short(error.instance)}", hint
        return
    if v in ("enum", "const"):
        choices = error.validator_value if v == "enum" else [error.validator_value]
        yield (
            path,
            False,
            "bad-value",
            (f"{_short(error.instance)} is not one of: {', '.join(str(c) for c in choices)}"),
            did_you_mean(error.instance, choices),
        )
        return
    if v == "pattern":
        desc = error.schema.get("description")
        yield path, False, "bad-value", f"{_short(error.instance)} is not valid here", desc
        return
    if v in _SIZE_LIMITS and isinstance(error.instance, list | str | dict):
        code, unit, word = _SIZE_LIMITS[v]
        label = f"`{path_str(path)}`" if path else "the file"
        size = len(error.instance)
        yield path, False, code, f"{label} has {size} {unit}; {word} is {error.validator_value}", None
        return
    if v == "uniqueItems":
        yield path, False, "duplicate-item", "list has duplicate items", None
        return
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    yield path, False, "bad-value", message, None


def schema_problems(doc: Document, name: str) -> list[Problem]:
    """Every schema violation in `doc`, located at its YAML mark."""
    out: list[Problem] = []
    for error in _validator().iter_errors(doc.data):
        for path, at_key, code, message, hint in _expand(error):
            line, col = doc.mark(path, key=at_key)
            out.append(Problem(name, line, col, code, "error", message, hint, path_str(path)))
    return out
