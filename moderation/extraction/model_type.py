"""The model type of an announcement that names no type keyword, from the words around it.

"We release InternVideo2.5" is an LLM/VLM, "GigaAM-v3: end-to-end speech recognition" is `other`, "a latent
text-to-image diffusion model" is a `checkpoint`: real announcements imply their type far more often than they
say "LoRA" or "GGUF" (docs/detection.md: the keyword rules alone got 0.29 of types right on the real corpus).
Explicit keywords still decide first (`extraction_fields.model_type`); this model is the fallback.

It is multinomial logistic regression over hashed word unigrams and bigrams (CJK characters as words, and
their bigrams), in numpy: microseconds per message, a few hundred KB shipped as
`moderation/data/type_model.npz`, the same answer on every machine, trained by `normbot detect train` on the
corpus's train split (`fit`), never on dev or test.
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

__all__ = ["TYPES", "TYPE_MODEL_FILE", "TypeModel", "load_type_model"]

TYPE_MODEL_FILE = "type_model.npz"
TYPES = ("llm", "finetune", "checkpoint", "adapter", "lora", "quantization", "merge", "embedding", "other")
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


@dataclass(frozen=True, slots=True)
class TypeModel:
    """Weights (BUCKETS x len(TYPES)) and biases of the multinomial regression."""

    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]

    def predict(self, text: str) -> tuple[str, float] | None:
        """The most likely type and its probability; None for a text with no words to go on."""
        x = features(text)
        if not x.any():
            return None
        z = (x @ self.weights + self.bias).astype(np.float64)
        p = np.exp(z - z.max())
        p /= p.sum()
        k = int(np.argmax(p))
        return TYPES[k], float(p[k])

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float16), bias=self.bias.astype(np.float32))

    @classmethod
    def load(cls, path: Path) -> TypeModel:
        with np.load(path, allow_pickle=False) as d:
            return cls(weights=d["weights"].astype(np.float32), bias=d["bias"].astype(np.float32))

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, l2: float = 1e-4, steps: int = 300) -> TypeModel:
        """Full-batch gradient descent on softmax cross-entropy; labels outside `TYPES` are skipped."""
        rows = [(t, TYPES.index(lab)) for t, lab in zip(texts, labels, strict=True) if lab in TYPES]
        x = np.stack([features(t) for t, _ in rows]).astype(np.float64)
        y = np.zeros((len(rows), len(TYPES)))
        y[np.arange(len(rows)), [k for _, k in rows]] = 1.0
        w = np.zeros((BUCKETS, len(TYPES)))
        b = np.zeros(len(TYPES))
        for _ in range(steps):
            z = x @ w + b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - y) / len(rows)
            w -= 2.0 * (x.T @ g + l2 * w)
            b -= 2.0 * g.sum(axis=0)
        return cls(weights=w.astype(np.float32), bias=b.astype(np.float32))


@functools.cache
def load_type_model() -> TypeModel | None:
    """The shipped model, or None when the package has none (extraction then uses keywords only)."""
    return load_packaged(TYPE_MODEL_FILE, TypeModel.load)
