"""Normalisation tables for extraction, loaded once from the data files in `moderation/data/`.

The tables are data so a community can read (and we can extend) them without touching code. Matching is
done on *keys*: the lowercased word tokens of a phrase joined without separators, so "SD 1.5", "sd1.5" and
"SD-1.5" are the same key. `AliasTable.find` walks the token list once, extending a candidate only while it
is still a prefix of some key, so its cost is linear in the text length (no regex alternation over
hundreds of aliases).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "AliasMatch",
    "AliasTable",
    "Tables",
    "Token",
    "key_of",
    "tables",
    "tokenize",
]

# ASCII alphanumeric runs, "++" (OpenRAIL++), single CJK characters (those scripts do not separate words
# with spaces, so a keyword can sit anywhere in a run), and runs of other letters (accents, Cyrillic) as
# separate tokens: "cuantización" becomes ["cuantizaci", "ó", "n"] and still joins back to its key.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN_RE = re.compile(rf"[a-z0-9]+|\+\+|[{_CJK}]|[^\W_a-z0-9{_CJK}]+")


@dataclass(frozen=True, slots=True)
class Token:
    """One token of the lowercased text with its character span."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AliasMatch:
    """A table hit: the canonical value, the character span, and whether it is a context-only alias."""

    value: str
    start: int
    end: int
    weak: bool = False


def tokenize(lowered: str) -> list[Token]:
    """Tokens of an already lowercased text (see `_TOKEN_RE`)."""
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(lowered)]


def key_of(phrase: str) -> str:
    """The matching key of a phrase: its tokens joined without separators."""
    return "".join(t.text for t in tokenize(phrase.lower()))


class AliasTable:
    """Maps alias keys to canonical values and finds them in token streams, leftmost-longest."""

    __slots__ = ("_keys", "_max_tokens", "_prefixes")

    def __init__(self, entries: Iterable[tuple[str, str, bool]], *, max_tokens: int = 10) -> None:
        self._keys: dict[str, tuple[str, bool]] = {}
        for alias, value, weak in entries:
            key = key_of(alias)
            if not key:
                continue
            old = self._keys.get(key)
            # A strong alias beats a weak one with the same key; otherwise the first definition wins.
            if old is None or (old[1] and not weak):
                self._keys[key] = (value, weak)
        self._prefixes = {k[:i] for k in self._keys for i in range(1, len(k) + 1)}
        self._max_tokens = max_tokens

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def lookup(self, phrase: str, *, strong: bool = False) -> str | None:
        """The canonical value of a whole phrase, or None; with `strong`, None also for a context-only alias
        ("gemma" is a licence only where a line talks about licensing; elsewhere it is a model)."""
        hit = self._keys.get(key_of(phrase))
        return hit[0] if hit and not (strong and hit[1]) else None

    def find(self, tokens: list[Token]) -> list[AliasMatch]:
        """Every non-overlapping leftmost-longest match in `tokens`."""
        out: list[AliasMatch] = []
        i, n = 0, len(tokens)
        while i < n:
            key = ""
            best: tuple[int, str, bool] | None = None
            for j in range(i, min(n, i + self._max_tokens)):
                key += tokens[j].text
                if key not in self._prefixes:
                    break
                hit = self._keys.get(key)
                if hit is not None:
                    best = (j, hit[0], hit[1])
            if best is None:
                i += 1
                continue
            j, value, weak = best
            out.append(AliasMatch(value, tokens[i].start, tokens[j].end, weak))
            i = j + 1
        return out


@dataclass(frozen=True, slots=True)
class Tables:
    """All normalisation tables."""

    licenses: AliasTable
    license_context: tuple[str, ...]
    base_models: AliasTable
    llm_bases: frozenset[str]
    model_types: AliasTable
    file_formats: Mapping[str, str]


def _load(name: str) -> Any:
    text = resources.files("moderation.data").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _license_entries(data: Mapping[str, Any]) -> Iterable[tuple[str, str, bool]]:
    for lic, spec in data["licenses"].items():
        # An id is itself a strong alias only when it cannot be an ordinary word or a base-model name
        # ("apache-2.0" yes; "mit", "gemma", "llama3" no).
        yield lic, lic, not ("-" in lic or "+" in lic)
        for alias in spec.get("aliases") or ():
            yield str(alias), lic, False
        for alias in spec.get("context_aliases") or ():
            yield str(alias), lic, True


def _base_entries(data: Mapping[str, Any]) -> tuple[list[tuple[str, str, bool]], set[str]]:
    entries: list[tuple[str, str, bool]] = []
    llms: set[str] = set()
    for name, aliases in data["models"].items():
        entries.append((name, name, False))
        entries.extend((str(a), name, False) for a in aliases)
    for fam in data["llm_families"]:
        sizes = [str(s) for s in fam.get("sizes") or ()]
        family = str(fam["name"])
        alone = f"{family} {sizes[0]}" if len(sizes) == 1 else family
        llms.add(alone)
        for alias in [family, *fam["aliases"]]:
            entries.append((str(alias), alone, False))
            for size in sizes:
                full = f"{family} {size}"
                llms.add(full)
                entries.append((f"{alias} {size}", full, False))
    return entries, llms


@functools.cache
def tables() -> Tables:
    """Load every table (once per process)."""
    lic = _load("licenses.yaml")
    base = _load("base_models.yaml")
    types = _load("model_types.yaml")
    formats = _load("file_formats.yaml")
    base_entries, llms = _base_entries(base)
    weak_types = set(types.get("weak") or ())
    type_entries = [(str(kw), t, str(kw) in weak_types) for t, kws in types["types"].items() for kw in [t, *kws]]
    return Tables(
        licenses=AliasTable(_license_entries(lic)),
        license_context=tuple(str(c).lower() for c in lic["license_context"]),
        base_models=AliasTable(base_entries),
        llm_bases=frozenset(llms),
        model_types=AliasTable(type_entries),
        file_formats={str(k).lower(): str(v) for k, v in formats["extensions"].items()},
    )
