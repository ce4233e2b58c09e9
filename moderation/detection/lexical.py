"""The lexical model: logistic regression over TF-IDF word and character n-grams, mixed into the head's score.

Why it exists: on the real corpus's dev split, this model alone (hashed word unigrams and bigrams plus
character 2-4-grams inside words, TF-IDF weighted, each block L2-normalised) scores as well as the fine-tuned
MiniLM head (dev F1 ~0.80 against 0.79), and the two err on different messages: a sentence encoder with 64
tokens of context misses "We're proud to release X" when it sits after a badge or a heading, while n-grams
see it anywhere in the first 600 characters and in any script. Their mix scored dev F1 ~0.85
(docs/detection.md, "The lexical model"). It is also cheap (a few hundred microseconds per candidate in
numpy), so the exact bound can use it: a candidate whose lexical score keeps the mix below the threshold
whatever the encoder says is decided without the encoder.

Features are hashed (crc32, 2**18 buckets per block), so the shipped file holds no vocabulary, only an
inverse document frequency and a weight per bucket. Fitting needs scikit-learn (the `train` extra); the
runtime needs numpy only.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moderation.data import load_packaged

__all__ = ["LEXICAL_FILE", "MAX_CHARS", "LexicalModel", "load_lexical"]

LEXICAL_FILE = "detector_lexical.npz"
BITS = 18
MASK = (1 << BITS) - 1
MAX_CHARS = 600
"""Only the opening is read: announcements say what they are early, and dev F1 was higher with 600 than with
2,000 characters (0.809 against 0.795 in the same run), at a lower cost."""
_WORD = re.compile(r"\b\w\w+\b|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

Counts = dict[int, int]
Array = npt.NDArray[np.float64]


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8", "surrogatepass")) & MASK


def counts_of(text: str) -> tuple[Counts, Counts]:
    """Bucket counts of the opening's word unigrams and bigrams, and of its character 2-4-grams taken inside
    each whitespace-separated token padded with spaces (scikit-learn's `char_wb`). Linear in the opening."""
    opening = text[:MAX_CHARS].lower()
    words = _WORD.findall(opening)
    word_counts: Counts = {}
    for gram in (*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))):
        h = _bucket("w" + gram)
        word_counts[h] = word_counts.get(h, 0) + 1
    char_counts: Counts = {}
    for token in opening.split():
        padded = f" {token} "
        for n in (2, 3, 4):
            for i in range(len(padded) - n + 1):
                h = _bucket("c" + padded[i : i + n])
                char_counts[h] = char_counts.get(h, 0) + 1
    return word_counts, char_counts


def _weighted(counts: Counts, idf: npt.NDArray[np.floating]) -> tuple[npt.NDArray[np.intp], Array]:
    """Sublinear TF times IDF, L2-normalised: the block's non-zero entries (indices, values)."""
    if not counts:
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
    tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    x = (1.0 + np.log(tf)) * idf[idx].astype(np.float64)
    return idx, x / float(np.sqrt(x @ x))


@dataclass(frozen=True)
class LexicalModel:
    """IDF and weights per bucket for the two blocks (words, characters), and a bias."""

    idf_words: npt.NDArray[np.float32]
    idf_chars: npt.NDArray[np.float32]
    w_words: npt.NDArray[np.float32]
    w_chars: npt.NDArray[np.float32]
    bias: float
    threshold: float = 0.5
    """Its own threshold, chosen on dev: used when this model decides alone (the detector's fallback when the
    encoder cannot run). Not part of the digest: it does not change the scores the head's mix was chosen on."""

    @functools.cached_property
    def digest(self) -> str:
        """Names these exact weights: the head records the digest of the model its mix was chosen with."""
        h = hashlib.sha256()
        for part in (self.idf_words, self.idf_chars, self.w_words, self.w_chars):
            h.update(np.ascontiguousarray(part, dtype=np.float32).tobytes())
        h.update(np.float64(self.bias).tobytes())
        return h.hexdigest()[:12]

    def logit(self, text: str) -> float:
        words, chars = counts_of(text)
        z = self.bias
        for counts, idf, w in ((words, self.idf_words, self.w_words), (chars, self.idf_chars, self.w_chars)):
            idx, x = _weighted(counts, idf)
            if idx.size:
                z += float(x @ w[idx].astype(np.float64))
        return z

    def probabilities(self, texts: Sequence[str]) -> Array:
        """P(release) by this model alone, per text (class-balanced, so not calibrated on its own: the mix
        with the head is what the threshold is chosen for)."""
        z = np.array([self.logit(t) for t in texts], dtype=np.float64)
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), dtype=np.float64)

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            idf_words=self.idf_words,
            idf_chars=self.idf_chars,
            w_words=self.w_words,
            w_chars=self.w_chars,
            bias=np.float64(self.bias),
            threshold=np.float64(self.threshold),
        )

    @classmethod
    def load(cls, path: Path) -> LexicalModel:
        with np.load(path) as f:
            return cls(
                idf_words=f["idf_words"].astype(np.float32),
                idf_chars=f["idf_chars"].astype(np.float32),
                w_words=f["w_words"].astype(np.float32),
                w_chars=f["w_chars"].astype(np.float32),
                bias=float(f["bias"]),
                threshold=float(f["threshold"]) if "threshold" in f.files else 0.5,
            )

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[bool], *, c: float = 4.0) -> LexicalModel:
        """Fit on `texts`: IDF from their document frequencies (smoothed, as scikit-learn's TfidfVectorizer),
        then class-balanced L2 logistic regression (lbfgs, deterministic) with inverse strength `c`."""
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        all_counts = [counts_of(t) for t in texts]
        n = len(texts)
        idfs: list[npt.NDArray[np.float32]] = []
        for block in range(2):
            df = np.zeros(MASK + 1)
            for counts in all_counts:
                df[list(counts[block])] += 1
            idfs.append((np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32))
        rows: list[Any] = []
        for block in range(2):
            data, indices, indptr = [], [], [0]
            for counts in all_counts:
                idx, x = _weighted(counts[block], idfs[block])
                indices.append(idx)
                data.append(x)
                indptr.append(indptr[-1] + idx.size)
            rows.append(
                sparse.csr_matrix(
                    (np.concatenate(data), np.concatenate(indices), np.array(indptr)), shape=(n, MASK + 1)
                )
            )
        x_all = sparse.hstack(rows).tocsr()
        lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x_all, np.asarray(labels, dtype=bool))
        w = lr.coef_[0].astype(np.float32)
        return cls(
            idf_words=idfs[0],
            idf_chars=idfs[1],
            w_words=w[: MASK + 1],
            w_chars=w[MASK + 1 :],
            bias=float(lr.intercept_[0]),
        )


@functools.cache
def load_lexical() -> LexicalModel | None:
    """The shipped lexical model, or None when the package has none (the head then runs without it)."""
    return load_packaged(LEXICAL_FILE, LexicalModel.load)
