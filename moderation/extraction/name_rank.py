"""Which candidate is the model's name: every rule proposes, a learned ranker chooses.

Each naming rule of `extraction_fields` / `extraction_names` is right on some kinds of text and wrong on
others: a model card's heading is its name, a README news line's bold text is usually its date, a forum
title's first words are the name, a Chinese news line names the model in its one Latin token. Applying
them in a fixed order got a quarter of the names right on the real corpus (docs/detection.md). Here every
rule proposes its candidate, and a logistic ranker over a few facts about each candidate (which rules
proposed it, where it first appears, its shape, whether a model-host link carries it) picks one, or none
when no candidate is likely enough (the text names no model). The ranker has ~40 weights, is trained by
`normbot detect train` on the train split's announcements, and ships as `moderation/data/name_ranker.npz`;
without it the fixed order is used.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.data import load_packaged

__all__ = ["NAME_RANKER_FILE", "RULES", "Candidate", "NameRanker", "candidate_features", "load_name_ranker"]

NAME_RANKER_FILE = "name_ranker.npz"
RULES = (
    "field", "heading", "tag", "bold", "before_version", "verb_object", "before_verb", "title", "quoted",
    "headline", "hf_repo", "token", "link_text", "bold_any",
)  # fmt: skip
_HOST_LINK = re.compile(r"(?i)huggingface\.co/|hf\.co/|civitai\.com/|modelscope\.cn/")


@dataclass(slots=True)
class Candidate:
    """One proposed name and the rules that proposed it."""

    text: str
    rules: set[str]


def candidate_features(cand: Candidate, raw: str) -> npt.NDArray[np.float64]:
    """The facts the ranker weighs, as a fixed-length vector."""
    at = raw.find(cand.text)
    first_line_end = raw.find("\n")
    first_line_end = len(raw) if first_line_end < 0 else first_line_end
    words = cand.text.split()
    linked = False
    if at >= 0:
        window = raw[at : at + len(cand.text) + 120]
        linked = bool(_HOST_LINK.search(window[: len(cand.text) + 120])) and "](" in window[: len(cand.text) + 4]
    in_repo = bool(
        re.search(r"(?i)(?:huggingface\.co|hf\.co)/[\w.-]{1,96}/" + re.escape(cand.text) + r"(?![\w.-])", raw)
    )
    facts = [1.0 if rule in cand.rules else 0.0 for rule in RULES]
    facts += [
        float(len(cand.rules)),
        1.0 if 0 <= at < first_line_end else 0.0,
        min(1.0, max(at, 0) / 500.0),
        1.0 if at < 0 else 0.0,
        1.0 if any(c.isdigit() for c in cand.text) else 0.0,
        1.0 if "-" in cand.text or "_" in cand.text else 0.0,
        1.0 if any(c.isupper() for c in cand.text[1:]) else 0.0,
        1.0 if cand.text[:1].isupper() else 0.0,
        min(len(words), 8) / 8.0,
        min(len(cand.text), 80) / 80.0,
        1.0 if linked else 0.0,
        1.0 if in_repo else 0.0,
        min(raw.count(cand.text), 5) / 5.0,
        1.0 if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", cand.text) else 0.0,
        1.0,  # bias
    ]
    return np.asarray(facts, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class NameRanker:
    """Logistic weights over `candidate_features`, and the least score a chosen name needs."""

    weights: npt.NDArray[np.float64]
    threshold: float

    def choose(self, candidates: Sequence[Candidate], raw: str) -> str | None:
        if not candidates:
            return None
        scores = [float(candidate_features(c, raw) @ self.weights) for c in candidates]
        best = int(np.argmax(scores))
        return candidates[best].text if 1.0 / (1.0 + np.exp(-scores[best])) >= self.threshold else None

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weights=self.weights, threshold=np.float64(self.threshold))

    @classmethod
    def load(cls, path: Path) -> NameRanker:
        with np.load(path, allow_pickle=False) as d:
            return cls(weights=d["weights"].astype(np.float64), threshold=float(d["threshold"]))

    @classmethod
    def fit(
        cls,
        examples: Sequence[tuple[str, str | None]],
        propose: Callable[[str], list[Candidate]],
        same: Callable[[str, str], bool],
    ) -> NameRanker:
        """Fit on (text, labelled name or None) pairs: a candidate is positive when `same` as the label.
        The threshold is the one that maximises exact-choice accuracy on these pairs, abstentions included
        (`tuned` chooses it again on held-out pairs, as training does on dev)."""
        rows: list[npt.NDArray[np.float64]] = []
        ys: list[float] = []
        groups: list[tuple[list[Candidate], str, str | None]] = []
        for text, label in examples:
            cands = propose(text)
            groups.append((cands, text, label))
            for c in cands:
                rows.append(candidate_features(c, text))
                ys.append(1.0 if label is not None and same(c.text, label) else 0.0)
        x = np.stack(rows) if rows else np.zeros((0, len(RULES) + 15))
        y = np.asarray(ys)
        w = np.zeros(x.shape[1])
        for _ in range(2000):
            p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -40, 40)))
            w -= 0.5 * (x.T @ (p - y) / max(1, len(y)) + 1e-3 * w)
        return cls(weights=w, threshold=0.5).tuned(examples, propose, same)

    def tuned(
        self,
        examples: Sequence[tuple[str, str | None]],
        propose: Callable[[str], list[Candidate]],
        same: Callable[[str, str], bool],
    ) -> NameRanker:
        """The same weights with the abstention threshold that gets most of `examples` right."""
        groups = [(propose(text), text, label) for text, label in examples]
        best = (-1.0, 0.5)
        for t in np.arange(0.05, 0.95, 0.05):
            ranker = NameRanker(weights=self.weights, threshold=float(t))
            right = 0
            for cands, text, label in groups:
                got = ranker.choose(cands, text)
                right += (got is None and label is None) or (got is not None and label is not None and same(got, label))
            best = max(best, (right / max(1, len(groups)), float(t)))
        return NameRanker(weights=self.weights, threshold=best[1])


@functools.cache
def load_name_ranker() -> NameRanker | None:
    """The shipped ranker, or None (extraction then takes the first rule that proposes a name)."""
    return load_packaged(NAME_RANKER_FILE, NameRanker.load)
