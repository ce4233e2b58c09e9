"""Scoring for `normbot eval`: detection precision/recall/F1 and per-field extraction accuracy.

Kept apart from the CLI so tests and the benchmark compute figures the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from norms.fields import ReleaseFields

__all__ = [
    "ALWAYS_SCORED",
    "BinaryScores",
    "Example",
    "FieldScores",
    "binary_scores",
    "field_scores",
    "load_examples",
]

ALWAYS_SCORED = ("links", "license", "base_model", "model_type")
"""Fields compared on every positive (absent in the label = 'not stated'); others only when labelled."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message of `tests/data/releases.jsonl`."""

    id: str
    text: str
    is_release: bool
    split: str
    kind: str
    fields: Mapping[str, Any]
    attachments: tuple[str, ...] = ()


def load_examples(path: Path, split: str | None = None) -> list[Example]:
    """Read the labelled set, optionally one split."""
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            if split is not None and d["split"] != split:
                continue
            out.append(
                Example(
                    id=str(d["id"]),
                    text=str(d["text"]),
                    is_release=bool(d["is_release"]),
                    split=str(d["split"]),
                    kind=str(d.get("kind", "")),
                    fields=d.get("fields") or {},
                    attachments=tuple(d.get("attachments") or ()),
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


def _comparable(name: str, value: Any) -> Any:
    """Normalise a field value (from labels or from `to_json`) for comparison: lists become sets."""
    if value is None or value == [] or value == ():
        return None
    if name in ("links", "hashes", "files"):
        return frozenset(json.dumps(v, sort_keys=True) for v in value)
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
        if not ex.is_release:
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
