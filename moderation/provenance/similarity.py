"""How alike two announcements are: cosine of sentence embeddings, or character-shingle Jaccard without a model.

The detector's MiniLM embedder gives unit vectors, so cosine is a dot product. Without the model (rules-only
deployments, tests) we fall back to Jaccard similarity of character 5-gram shingles over normalised text:
NFKC, case-folded, URLs replaced by `<url>`, hex hashes by `<hash>`, runs of white space collapsed. Replacing
URLs and hashes keeps a copied announcement similar when the copier swaps in their own link. Digits are kept:
replacing them made template-mates such as "tandem-7b v1.2" / "tandem-3b v0.5" look identical (measured).

Jaccard is always computed (it is cheap next to the rest of an announcement); when the detector has its
embedder, cosine is computed too
and either crossing its threshold is evidence. The MiniLM cosine alone separates copies from template-mates
*worse* than shingles on our data, so it only adds recall on top.

Thresholds (see docs/provenance.md for the measurements they were chosen from): a pair at or above the
threshold raises a *possible re-upload* alert for people to look at.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import numpy.typing as npt

__all__ = [
    "COSINE_THRESHOLD",
    "JACCARD_THRESHOLD",
    "MIN_CHARS",
    "SHINGLE",
    "cosine_scores",
    "jaccard",
    "normalise_text",
    "pack_vector",
    "shingles",
    "unpack_vector",
]

COSINE_THRESHOLD = 0.94
JACCARD_THRESHOLD = 0.80
SHINGLE = 5
MIN_CHARS = 40
"""Announcements shorter than this (after normalising) are never compared: too little text to mean anything."""

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HEX = re.compile(r"\b[0-9a-f]{10,64}\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """The text shingles are taken from (see the module docstring)."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _URL.sub(" <url> ", t)
    t = _HEX.sub(" <hash> ", t)
    # Digits are kept: "tandem-7b v1.2" and "tandem-3b v0.5" are different releases (measured; see docs).
    return _SPACE.sub(" ", t).strip()


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    """Character k-grams of the normalised text."""
    t = normalise_text(text)
    if len(t) <= k:
        return frozenset({t}) if t else frozenset()
    return frozenset(t[i : i + k] for i in range(len(t) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def cosine_scores(query: npt.NDArray[np.float32], others: npt.NDArray[np.float32]) -> list[float]:
    """Cosine of one vector against each row of `others` (rows need not be unit length)."""
    if others.size == 0:
        return []
    q = query / (np.linalg.norm(query) or 1.0)
    norms = np.linalg.norm(others, axis=1)
    norms[norms == 0] = 1.0
    return [float(x) for x in (others @ q) / norms]


def pack_vector(vector: npt.NDArray[np.float32]) -> bytes:
    """A vector as the store keeps it: little-endian float16 (half the bytes; the cosine moves by < 1e-3)."""
    return np.asarray(vector, dtype="<f2").tobytes()


def unpack_vector(data: bytes) -> npt.NDArray[np.float32]:
    """The stored bytes back as a float32 vector."""
    return np.frombuffer(data, dtype="<f2").astype(np.float32)
