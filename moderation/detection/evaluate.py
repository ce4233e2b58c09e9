"""Scoring for `normbot eval`: detection precision/recall/F1 and per-field extraction accuracy.

Kept apart from the CLI so tests and the benchmark compute figures the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from norms.fields import ReleaseFields

__all__ = [
    "ALWAYS_SCORED",
    "LANG_GROUPS",
    "BinaryScores",
    "Example",
    "FieldScores",
    "binary_scores",
    "field_scores",
    "load_examples",
    "same_name",
]

ALWAYS_SCORED = ("links", "license", "base_model", "model_type", "model_name")
"""Fields compared on every positive (absent in the label = 'not stated'); others only when labelled."""

LANG_GROUPS = ("en", "zh", "ja", "ru", "es", "other")
"""The language groups detection is reported by (`lang` of a record; anything else is 'other')."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message: of the real corpus (`tests/data/corpus/corpus.jsonl`), of the templated unit-test
    set (`tests/data/releases.jsonl`), of a community's corrections, or of any file in that format."""

    id: str
    text: str
    is_release: bool
    split: str
    kind: str
    fields: Mapping[str, Any]
    attachments: tuple[str, ...] = ()
    lang: str = "en"
    source: str = ""
    fields_verified: bool = True
    """False when a record's fields were filled by pattern, not by a person: not used to score extraction."""

    @property
    def lang_group(self) -> str:
        return self.lang if self.lang in LANG_GROUPS else "other"


def load_examples(path: Path, split: str | None = None) -> list[Example]:
    """Read a labelled JSON Lines file, optionally one split.

    A record needs `text` and `is_release`; `id` defaults to the line number and `split` to "test" (a
    community's own history has no splits: all of it is for scoring). Raises ValueError naming the line of
    a record that is not one.
    """
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: invalid JSON ({exc.msg})") from None
            if (
                not isinstance(d, dict)
                or not isinstance(d.get("text"), str)
                or not isinstance(d.get("is_release"), bool)
            ):
                raise ValueError(f"{path}:{n}: a record needs a string 'text' and a boolean 'is_release'")
            row_split = str(d.get("split") or "test")
            if split is not None and row_split != split:
                continue
            out.append(
                Example(
                    id=str(d.get("id", n)),
                    text=d["text"],
                    is_release=d["is_release"],
                    split=row_split,
                    kind=str(d.get("kind") or d.get("style") or ""),
                    fields=d.get("fields") or {},
                    attachments=tuple(d.get("attachments") or ()),
                    lang=str(d.get("lang") or "en"),
                    source=str(d.get("source") or ""),
                    fields_verified=d.get("fields_verified") is not False,
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class BinaryScores:
    """Confusion counts and the usual ratios."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def binary_scores(truth: Sequence[bool], predicted: Sequence[bool]) -> BinaryScores:
    """Confusion counts of `predicted` against `truth`."""
    pairs = [(bool(t), bool(p)) for t, p in zip(truth, predicted, strict=True)]
    return BinaryScores(
        tp=sum(t and p for t, p in pairs),
        fp=sum((not t) and p for t, p in pairs),
        fn=sum(t and (not p) for t, p in pairs),
        tn=sum((not t) and (not p) for t, p in pairs),
    )


def _name_key(value: Any) -> str:
    """A name as compared: case, spaces and punctuation ignored, a Hugging Face `owner/` prefix dropped
    ("Qwen/Qwen2.5-7B" names the model "Qwen2.5-7B"). Labels keep names as the text writes them, and the
    extractor may return a canonical table name for the same model ("SDXL" -> "SDXL 1.0")."""
    from moderation.extraction.tables import key_of, tables

    raw = str(value).strip().rstrip("/")
    if "/" in raw and " " not in raw:
        raw = raw.rsplit("/", 1)[1]
    canonical = tables().base_models.lookup(raw)
    key = key_of(canonical if canonical is not None else raw)
    return _NAME_SUFFIX.sub("", key) or key


_NAME_SUFFIX = re.compile(r"(?:v\d[\d.]*|version\d[\d.]*|modelcard|model|lora|gguf|checkpoint)+$")
"""Trailing version and type words a label and an extraction may disagree on ("Inflect v2" / "Inflect",
"Foo LoRA" / "Foo"): the name is the same. docs/detection.md says how names are compared."""


def same_name(a: str, b: str) -> bool:
    """Whether two model names are the same name as `normbot eval` compares them."""
    return _name_key(a) == _name_key(b)


def _comparable(name: str, value: Any) -> Any:
    """Normalise a field value (from labels or from `to_json`) for comparison: lists become sets, links
    compare by URL (labels may give bare URLs), names by `_name_key`."""
    if value is None or value == [] or value == () or value == "":
        return None
    if name == "links":
        return frozenset(str(v.get("url") if isinstance(v, Mapping) else v) for v in value)
    if name in ("hashes", "files"):
        return frozenset(json.dumps(v, sort_keys=True) for v in value)
    if name in ("model_name", "base_model"):
        return _name_key(value) or None
    if name == "parents":
        return frozenset(_name_key(v) for v in value)
    if name == "license":
        from moderation.extraction.tables import key_of, tables

        lic = tables().licenses.lookup(str(value))
        return key_of(lic if lic is not None else str(value))
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    return value


@dataclass(slots=True)
class FieldScores:
    """Per-field accuracy over positives, plus the misses for debugging."""

    correct: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def accuracy(self) -> dict[str, float]:
        return {k: round(self.correct.get(k, 0) / n, 4) for k, n in sorted(self.total.items()) if n}


def field_scores(examples: Iterable[Example], extractor: Callable[[str, Sequence[str]], ReleaseFields]) -> FieldScores:
    """Compare `extractor` output with the labels on every positive example."""
    scores = FieldScores()
    for ex in examples:
        if not ex.is_release or not ex.fields_verified:
            continue
        got = extractor(ex.text, ex.attachments).to_json()
        names = set(ALWAYS_SCORED) | (set(ex.fields) - {"extra"})
        for name in sorted(names):
            want = _comparable(name, ex.fields.get(name))
            have = _comparable(name, got.get(name))
            scores.total[name] = scores.total.get(name, 0) + 1
            if want == have:
                scores.correct[name] = scores.correct.get(name, 0) + 1
            else:
                scores.misses.append({"id": ex.id, "field": name, "want": ex.fields.get(name), "got": got.get(name)})
    return scores
