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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.data import load_packaged
from moderation.extraction.ngrams import Counts, idf_of, tfidf_matrix, weighted
from moderation.extraction.ngrams import counts_of as ngram_counts

__all__ = ["LEXICAL_FILE", "MAX_CHARS", "LexicalModel", "load_lexical"]

LEXICAL_FILE = "detector_lexical.npz"
BITS = 18
MAX_CHARS = 600
"""Only the opening is read: announcements say what they are early, and dev F1 was higher with 600 than with
2,000 characters (0.809 against 0.795 in the same run), at a lower cost."""


Array = npt.NDArray[np.float64]


def counts_of(text: str) -> tuple[Counts, Counts]:
    """Bucket counts of the opening's word and character n-grams (`extraction.ngrams`; URLs count here: a
    model-host link is evidence of a release)."""
    return ngram_counts(text, bits=BITS, max_chars=MAX_CHARS)


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
            idx, x = weighted(counts, idf)
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
    def fit(cls, texts: Sequence[str], labels: Sequence[bool], *, c: float = 8.0) -> LexicalModel:
        """Fit on `texts`: IDF from their document frequencies (smoothed, as scikit-learn's TfidfVectorizer),
        then class-balanced L2 logistic regression (lbfgs, deterministic) with inverse strength `c`.

        `c` 8 since session 11: with the training supplement (4,973 rows) dev F1 of this model alone was
        0.820 / 0.822 / 0.834 / 0.833 / 0.831 at c 2 / 4 / 8 / 16 / 32 (first 600 characters), 0.810 at c 4
        on the 3,368 rows before."""
        from sklearn.linear_model import LogisticRegression

        all_counts = [counts_of(t) for t in texts]
        idfs = idf_of(all_counts, BITS)
        x_all = tfidf_matrix(all_counts, idfs)
        lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x_all, np.asarray(labels, dtype=bool))
        w = lr.coef_[0].astype(np.float32)
        return cls(
            idf_words=idfs[0],
            idf_chars=idfs[1],
            w_words=w[: 1 << BITS],
            w_chars=w[1 << BITS :],
            bias=float(lr.intercept_[0]),
        )


@functools.cache
def load_lexical() -> LexicalModel | None:
    """The shipped lexical model, or None when the package has none (the head then runs without it)."""
    return load_packaged(LEXICAL_FILE, LexicalModel.load)
