"""The model type of an announcement that names no type keyword, from the words around it.

"We release InternVideo2.5" is an LLM/VLM, "GigaAM-v3: end-to-end speech recognition" is `other`, "a latent
text-to-image diffusion model" is a `checkpoint`: real announcements imply their type far more often than they
say "LoRA" or "GGUF" (docs/detection.md: the keyword rules alone got 0.29 of types right on the real corpus).
Explicit keywords still decide first (`extraction_fields.model_type`); this model is the fallback.

It is multinomial logistic regression over the features the detector's lexical model reads (`ngrams.py`): hashed
word unigrams and bigrams plus character 2-4-grams inside words, sublinear TF times IDF, each block
L2-normalised. The previous model (binary word n-grams only, 2**14 buckets) was right on 0.44 of dev types on
its own and the field 0.646; this one 0.62 and 0.72 (docs/detection.md, "Extraction on real text"): character
n-grams generalise across spellings ("Qwen2.5-7B-Instruct", "fine-tuned", "量化版") where whole words did not.
It reads the first 2,000 characters with URLs left out (a repo slug is not a statement; dev was 0.01 better
than with 600). Hashed (crc32, 2**15 buckets per block), so the shipped file (`moderation/data/type_model.npz`,
about 1 MB) holds no vocabulary. Fitting needs scikit-learn (the `train` extra) and runs in `normbot detect
train` on the corpus's train split, never on dev or test; the runtime is numpy only, deterministic, and takes
about a millisecond per announcement.
"""

from __future__ import annotations

import functools
import itertools
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.data import load_packaged
from moderation.extraction.ngrams import Counts, idf_of, tfidf_matrix, weighted
from moderation.extraction.ngrams import counts_of as ngram_counts

__all__ = [
    "BITS",
    "MAX_CHARS",
    "TYPES",
    "TYPE_MODEL_FILE",
    "TypeModel",
    "counts_of",
    "features",
    "load_type_model",
    "sparse_dot",
]

TYPE_MODEL_FILE = "type_model.npz"
TYPES = ("llm", "finetune", "checkpoint", "adapter", "lora", "quantization", "merge", "embedding", "other")
BITS = 15
MASK = (1 << BITS) - 1
MAX_CHARS = 2000
FORMAT = 2
"""The file layout's version: 1 was the binary-unigram model (one `weights` array); a file of another version
is not loaded (extraction then falls back to keywords instead of misreading it)."""
Array = npt.NDArray[np.float64]

# The learned gate's hashed words (`detection/gate.py`): binary unigrams and bigrams in 2**14 buckets, the first
# type model's features. The shipped gate's weights are indexed by them, so they stay as they were.
BUCKETS = 1 << 14
_WORD = re.compile(r"[a-z][a-z0-9+]{0,30}|\d{1,4}b\b|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[а-яё]{2,30}")
_MAX_CHARS = 3000


def hashed_indices(text: str) -> npt.NDArray[np.intp]:
    """The buckets of the text's word unigrams and bigrams (URLs left out), each once."""
    words = _WORD.findall(re.sub(r"https?://\S{1,2000}", " ", text[:_MAX_CHARS].lower()))
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return np.unique(np.fromiter((zlib.crc32(g.encode()) & (BUCKETS - 1) for g in grams), dtype=np.intp))


def features(text: str) -> npt.NDArray[np.float32]:
    """Binary hashed unigrams and bigrams, L2-normalised (a fixed 2**14 vector)."""
    vec = np.zeros(BUCKETS, dtype=np.float32)
    idx = hashed_indices(text)
    if idx.size:
        vec[idx] = 1.0 / np.sqrt(idx.size)
    return vec


def sparse_dot(text: str, weights: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """`features(text) @ weights` without building the dense vector (weights: BUCKETS x k, or BUCKETS)."""
    idx = hashed_indices(text)
    if not idx.size:
        return np.zeros(weights.shape[1:], dtype=np.float64)
    total: npt.NDArray[np.float64] = np.asarray(weights[idx].sum(axis=0), dtype=np.float64) / np.sqrt(idx.size)
    return total


def counts_of(text: str) -> tuple[Counts, Counts]:
    """Bucket counts of the text's word and character n-grams (`ngrams.counts_of`: the first `MAX_CHARS`
    characters, URLs left out, since a repo slug is not a statement)."""
    return ngram_counts(text, bits=BITS, max_chars=MAX_CHARS, drop_urls=True)


@dataclass(frozen=True, slots=True)
class TypeModel:
    """IDF per bucket and weights (2**BITS x len(TYPES)) for the two blocks (words, characters), and biases."""

    idf_words: npt.NDArray[np.float32]
    idf_chars: npt.NDArray[np.float32]
    w_words: npt.NDArray[np.float32]
    w_chars: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]

    def probabilities(self, text: str) -> npt.NDArray[np.float64] | None:
        """P(type) per `TYPES`; None for a text with no words (of two letters, or a CJK character) to go on."""
        words, chars = counts_of(text)
        if not words:  # punctuation alone ("[](", a run of backticks) states nothing, whatever its characters
            return None
        z = self.bias.astype(np.float64)
        for counts, idf, w in ((words, self.idf_words, self.w_words), (chars, self.idf_chars, self.w_chars)):
            idx, x = weighted(counts, idf)
            if idx.size:
                z = z + x @ w[idx].astype(np.float64)
        p: npt.NDArray[np.float64] = np.exp(z - z.max())
        p /= p.sum()
        return p

    def predict(self, text: str) -> tuple[str, float] | None:
        """The most likely type and its probability; None for a text with no words to go on."""
        p = self.probabilities(text)
        if p is None:
            return None
        k = int(np.argmax(p))
        return TYPES[k], float(p[k])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            format=np.int64(FORMAT),
            bits=np.int64(BITS),
            idf_words=self.idf_words.astype(np.float32),
            idf_chars=self.idf_chars.astype(np.float32),
            w_words=self.w_words.astype(np.float16),
            w_chars=self.w_chars.astype(np.float16),
            bias=self.bias.astype(np.float32),
        )

    @classmethod
    def load(cls, path: Path) -> TypeModel:
        with np.load(path, allow_pickle=False) as d:
            if "format" not in d or int(d["format"]) != FORMAT or int(d["bits"]) != BITS:
                raise ValueError(f"{path}: not a version-{FORMAT} type model with 2**{BITS} buckets")
            return cls(
                idf_words=d["idf_words"].astype(np.float32),
                idf_chars=d["idf_chars"].astype(np.float32),
                w_words=d["w_words"].astype(np.float32),
                w_chars=d["w_chars"].astype(np.float32),
                bias=d["bias"].astype(np.float32),
            )

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, c: float = 10.0) -> TypeModel:
        """IDF from `texts`' document frequencies (smoothed, as scikit-learn's TfidfVectorizer), then multinomial
        L2 logistic regression (lbfgs, deterministic) with inverse strength `c`; labels outside `TYPES` are
        skipped. Dev chose `c` (0.3-10 tried: 0.66, 0.70, 0.71, 0.72; docs/detection.md). A type absent from
        the training rows gets a bias that rules it out."""
        from sklearn.linear_model import LogisticRegression

        rows = [(t, TYPES.index(lab)) for t, lab in zip(texts, labels, strict=True) if lab in TYPES]
        all_counts = [counts_of(t) for t, _ in rows]
        idfs = idf_of(all_counts, BITS)
        y = np.array([k for _, k in rows])
        w = np.zeros((2 * (MASK + 1), len(TYPES)), dtype=np.float32)
        bias = np.full(len(TYPES), -30.0, dtype=np.float32)
        if np.unique(y).size == 1:  # one type to learn (a toy training set): it is always the answer
            bias[y[0]] = 0.0
            return cls(idf_words=idfs[0], idf_chars=idfs[1], w_words=w[: MASK + 1], w_chars=w[MASK + 1 :], bias=bias)
        lr = LogisticRegression(C=c, max_iter=5000).fit(tfidf_matrix(all_counts, idfs), y)
        classes = np.asarray(lr.classes_, dtype=np.intp)
        if classes.size == 2:  # scikit-learn fits one weight vector for two classes: the second class's logit
            w[:, classes[1]] = lr.coef_[0]
            bias[classes] = (0.0, float(lr.intercept_[0]))
        else:
            w[:, classes] = lr.coef_.T
            bias[classes] = lr.intercept_
        return cls(idf_words=idfs[0], idf_chars=idfs[1], w_words=w[: MASK + 1], w_chars=w[MASK + 1 :], bias=bias)


@functools.cache
def load_type_model() -> TypeModel | None:
    """The shipped model, or None when the package has none (extraction then uses keywords only)."""
    return load_packaged(TYPE_MODEL_FILE, TypeModel.load)
