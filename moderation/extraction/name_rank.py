"""Which candidate is the model's name: every rule proposes, a learned ranker chooses.

Each naming rule of `extraction_fields` / `extraction_names` is right on some kinds of text and wrong on
others: a model card's heading is its name, a README news line's bold text is usually its date, a forum
title's first words are the name, a Chinese news line names the model in its one Latin token. Applying
them in a fixed order got a quarter of the names right on the real corpus (docs/detection.md). Here every
rule proposes its candidate, and a logistic ranker over a few facts about each candidate (which rules
proposed it, where it first appears, its shape, whether a model-host link carries it) picks one, or none
when no candidate is likely enough (the text names no model). The ranker has 75 weights, is trained by
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

__all__ = [
    "NAME_RANKER_FILE",
    "RULES",
    "Candidate",
    "NameRanker",
    "candidate_features",
    "group_features",
    "load_name_ranker",
]

NAME_RANKER_FILE = "name_ranker.npz"
RULES = (
    "field", "heading", "tag", "bold", "before_version", "verb_object", "before_verb", "title", "quoted",
    "headline", "hf_repo", "token", "link_text", "bold_any", "first_line", "first_line_part", "subject", "cjk_verb",
    "recipe", "civitai_slug",
)  # fmt: skip
_HOST_LINK = re.compile(r"(?i)huggingface\.co/|hf\.co/|civitai\.com/|modelscope\.cn/")


@dataclass(slots=True)
class Candidate:
    """One proposed name and the rules that proposed it."""

    text: str
    rules: set[str]


_HOST_PATH = re.compile(r"(?i)(?:huggingface\.co|hf\.co|civitai\.com/models/\d{1,12})/([\w./%-]{1,200})")
_NON_KEY = re.compile(r"[\W_]+")
_NAME_LIKE = re.compile(
    r"[A-Z0-9][\w.+&'-]{0,40}|[a-z][\w.+-]{0,40}(?:\d|[-_.][\w])[\w.+-]{0,40}|[a-z]{1,20}[A-Z][\w.+-]{0,40}"
)


def _key(s: str) -> str:
    return _NON_KEY.sub("", s.lower())


@dataclass(frozen=True, slots=True)
class _Context:
    """What every candidate of one text is compared with: the model-host link paths and the other candidates'
    keys (computed once per text, so scoring stays linear in its length)."""

    host_keys: tuple[str, ...]
    keys: tuple[str, ...]
    kind: tuple[float, ...]


_KINDS = ("heading", "title_line", "news_line", "cjk")
"""What kind of text it is, as far as naming goes: a card opening with a heading, a post opening with a short
title line, a README news line ("- [2023.09.06] We release ..."), a CJK text. Each naming rule is right on
some kinds and wrong on others (a title line names a Civitai page; a news line's first words are a date), so
the ranker weighs the rules of `_CROSSED` once per kind."""
_CROSSED = (
    "heading",
    "first_line",
    "first_line_part",
    "bold",
    "verb_object",
    "hf_repo",
    "token",
    "link_text",
    "subject",
)
_NEWS_LINE = re.compile(
    r"^[ \t]{0,4}(?:[-*+>][ \t]{0,3})?(?:\*\*|__|`|<[^>\n]{1,40}>)?[ \t]{0,2}[\[(]?\d{1,4}[-./年]\d"
)


def _context(candidates: Sequence[Candidate], raw: str) -> _Context:
    hosts = tuple(_key(m.group(1)) for m in _HOST_PATH.finditer(raw[:20000]))[:40]
    head = raw.lstrip("\ufeff \n\t")
    first = head.split("\n", 1)[0]
    kind = (
        1.0 if head.startswith("#") or head.startswith("---") else 0.0,
        1.0 if not head.startswith(("#", "-", "*", "[", "<", ">")) and len(first.split()) <= 10 else 0.0,
        1.0 if _NEWS_LINE.match(first) else 0.0,
        1.0 if re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", head[:300]) else 0.0,
    )
    return _Context(host_keys=hosts, keys=tuple(_key(c.text) for c in candidates), kind=kind)


_SEGMENT = re.compile(r"[\w.-]{1,96}")
_HF_REPO_NAME = re.compile(r"(?i)(?:huggingface\.co|hf\.co)/[\w.-]{1,96}/([\w.-]{1,96})(?![\w.-])")


@functools.lru_cache(maxsize=64)
def _repo_names(raw: str) -> frozenset[str]:
    """The (lowercased) repository names of the text's Hugging Face links, once per text: each candidate asked
    with a regex of its own, compiled per call, and that was a tenth of the rule stage's time."""
    return frozenset(m.group(1).lower() for m in _HF_REPO_NAME.finditer(raw))


def candidate_features(cand: Candidate, raw: str, context: _Context | None = None) -> npt.NDArray[np.float64]:
    """The facts the ranker weighs, as a fixed-length vector. `context` (the text's other candidates and its
    model-host links) adds the facts that need them: how many other candidates contain this one's name
    ("KoAlpaca" inside "KoAlpaca-65B-LoRA" and "LLAMA 65B 기반 KoAlpaca 모델"), and whether a Hugging Face or
    Civitai link's path spells it ("civitai.com/models/2111450/outfit-transfer-helper")."""
    at = raw.find(cand.text)
    first_line_end = raw.find("\n")
    first_line_end = len(raw) if first_line_end < 0 else first_line_end
    words = cand.text.split()
    linked = False
    if at >= 0:
        window = raw[at : at + len(cand.text) + 120]
        linked = bool(_HOST_LINK.search(window[: len(cand.text) + 120])) and "](" in window[: len(cand.text) + 4]
    if _SEGMENT.fullmatch(cand.text):
        in_repo = cand.text.lower() in _repo_names(raw)
    else:  # a name with a space or a slash is never a repo's name segment, except in odd links: ask the text
        in_repo = bool(
            re.search(r"(?i)(?:huggingface\.co|hf\.co)/[\w.-]{1,96}/" + re.escape(cand.text) + r"(?![\w.-])", raw)
        )
    key = _key(cand.text)
    contained = inside = 0
    in_host = False
    if context is not None and key:
        contained = sum(1 for k in context.keys if k != key and key in k)
        inside = sum(1 for k in context.keys if k and k != key and k in key)
        in_host = any(key in h for h in context.host_keys)
    name_like = sum(1 for w in words if _NAME_LIKE.fullmatch(w.strip("()[]\"'`*"))) / max(1, len(words))
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
        min(contained, 4) / 4.0,
        min(inside, 4) / 4.0,
        1.0 if in_host else 0.0,
        name_like,
    ]
    kind = context.kind if context is not None else (0.0,) * len(_KINDS)
    facts += [k * (1.0 if rule in cand.rules else 0.0) for k in kind for rule in _CROSSED]
    facts.append(1.0)  # bias
    return np.asarray(facts, dtype=np.float64)


def group_features(candidates: Sequence[Candidate], raw: str) -> list[npt.NDArray[np.float64]]:
    """`candidate_features` of every candidate of one text, with their shared context."""
    context = _context(candidates, raw)
    return [candidate_features(c, raw, context) for c in candidates]


@dataclass(frozen=True, slots=True)
class NameRanker:
    """Logistic weights over `candidate_features`, and the least score a chosen name needs."""

    weights: npt.NDArray[np.float64]
    threshold: float

    def choose(self, candidates: Sequence[Candidate], raw: str) -> str | None:
        if not candidates:
            return None
        scores = [float(f @ self.weights) for f in group_features(candidates, raw)]
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
        *,
        l2: float = 1e-3,
    ) -> NameRanker:
        """Fit on (text, labelled name or None) pairs: a candidate is right when `same` as the label.

        The weights are fitted listwise: for each text, a softmax over its candidates and "none" (score 0)
        should put its mass on the right candidates, or on "none" when no candidate is right. Scoring each
        candidate on its own (the first ranker) learnt what a name looks like, not which of a text's
        candidates is its name, and its choices were right on 0.67 of dev where the right candidate was
        among them on 0.84. The threshold is the one that maximises exact-choice accuracy on these pairs,
        abstentions included (`tuned` chooses it again on held-out pairs, as training does on dev)."""
        rows: list[npt.NDArray[np.float64]] = []
        ys: list[float] = []
        gids: list[int] = []
        for g, (text, label) in enumerate(examples):
            cands = propose(text)
            for c, f in zip(cands, group_features(cands, text), strict=True):
                rows.append(f)
                ys.append(1.0 if label is not None and same(c.text, label) else 0.0)
                gids.append(g)
        x = np.stack(rows) if rows else np.zeros((0, N_FEATURES))
        y = np.asarray(ys)
        gid = np.asarray(gids, dtype=np.int64)
        n_groups = max(1, len(examples))
        has_right = np.bincount(gid, y, minlength=n_groups) > 0

        def loss_and_grad(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
            s = np.clip(x @ w, -40, 40)
            top = np.maximum(0.0, _group_max(s, gid, n_groups))
            e = np.exp(s - top[gid])
            z = np.exp(-top) + np.bincount(gid, e, minlength=n_groups)
            right = np.bincount(gid, e * y, minlength=n_groups)
            kept = np.where(has_right, np.log(np.maximum(right, 1e-300)), -top)  # "none" scores 0
            loss = float(np.sum(np.log(z) - kept)) / n_groups + 0.5 * l2 * float(w @ w)
            q = np.where(y > 0, e / np.maximum(right[gid], 1e-300), 0.0)
            return loss, x.T @ (e / z[gid] - q) / n_groups + l2 * w

        from scipy.optimize import minimize  # training only (scikit-learn's dependency); runtime is numpy

        w = minimize(loss_and_grad, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
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


def _group_max(s: npt.NDArray[np.float64], gid: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.float64]:
    """Each group's highest score (-inf for a group without candidates)."""
    out = np.full(n, -np.inf)
    np.maximum.at(out, gid, s)
    return out


N_FEATURES = len(candidate_features(Candidate("x", set()), "x"))


@functools.cache
def load_name_ranker() -> NameRanker | None:
    """The shipped ranker, or None (extraction then takes the first rule that proposes a name). A file fitted
    on another feature set is refused, not misread (it would score every candidate with the wrong weights)."""
    ranker = load_packaged(NAME_RANKER_FILE, NameRanker.load)
    return ranker if ranker is not None and ranker.weights.shape == (N_FEATURES,) else None
