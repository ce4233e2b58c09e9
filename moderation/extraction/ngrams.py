"""Hashed TF-IDF n-gram features: what the detector's lexical model and extraction's type model both read.

Word unigrams and bigrams plus character 2-4-grams inside each whitespace-separated token (scikit-learn's
`char_wb`), bucketed by crc32 so no vocabulary ships; each block weighted by sublinear TF times IDF and
L2-normalised. Character n-grams are why these models generalise across spellings and scripts
("Qwen2.5-7B-Instruct", "fine-tuned", "量化版") where whole words did not (docs/detection.md).

It lives in extraction because detection imports extraction and not the other way round. Each model chooses
its bucket count, how much of the text it reads and whether URLs count; the functions are otherwise shared, so
both models compute their features the same way at fit time and at run time. Fitting helpers import scipy
lazily (the `train` extra); the runtime path is numpy only and linear in the text read.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Counts", "counts_of", "idf_of", "tfidf_matrix", "weighted"]

Counts = dict[int, int]
Array = npt.NDArray[np.float64]

_TOKEN = re.compile(r"\b\w\w+\b|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_URL = re.compile(r"https?://\S{1,2000}")
_WORD_SEED = zlib.crc32(b"w")
_CHAR_SEED = zlib.crc32(b"c")


def counts_of(text: str, *, bits: int, max_chars: int, drop_urls: bool = False) -> tuple[Counts, Counts]:
    """Bucket counts (2**bits buckets) of the word n-grams and of the character n-grams of the text's first
    `max_chars` characters, lowercased, URLs blanked first when `drop_urls`.

    A gram's bucket is crc32 of its block's letter ("w" or "c") followed by the gram's UTF-8 bytes, computed
    as crc32 of the bytes continuing from the letter's crc32 (the same value, without building the string);
    an ASCII token's character grams are slices of its bytes. Counted in order of first occurrence, as the
    first version's dict was, so the models' sums run in the same order: the same buckets, counts and order,
    about a fifth faster (tested against a plain reimplementation; 267 against 335 µs per corpus text)."""
    mask = (1 << bits) - 1
    opening = text[:max_chars].lower()
    if drop_urls:
        opening = _URL.sub(" ", opening)
    crc = zlib.crc32
    words = _TOKEN.findall(opening)
    grams = [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]
    word_counts = Counter(crc(g.encode("utf-8", "surrogatepass"), _WORD_SEED) & mask for g in grams)
    hashes: list[int] = []
    for token in opening.split():
        padded = f" {token} "
        if padded.isascii():
            raw = padded.encode("ascii")
            hashes += [crc(raw[i : i + n], _CHAR_SEED) & mask for n in (2, 3, 4) for i in range(len(raw) - n + 1)]
        else:
            hashes += [
                crc(padded[i : i + n].encode("utf-8", "surrogatepass"), _CHAR_SEED) & mask
                for n in (2, 3, 4)
                for i in range(len(padded) - n + 1)
            ]
    return word_counts, Counter(hashes)


def weighted(counts: Counts, idf: npt.NDArray[np.floating]) -> tuple[npt.NDArray[np.intp], Array]:
    """Sublinear TF times IDF, L2-normalised: one block's non-zero entries (indices, values)."""
    if not counts:
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
    tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    x = (1.0 + np.log(tf)) * idf[idx].astype(np.float64)
    return idx, x / float(np.sqrt(x @ x))


def idf_of(all_counts: Sequence[tuple[Counts, Counts]], bits: int) -> list[npt.NDArray[np.float32]]:
    """Per block, the smoothed inverse document frequency of every bucket (as scikit-learn's TfidfVectorizer:
    log((1 + n) / (1 + df)) + 1)."""
    n = len(all_counts)
    idfs = []
    for block in range(2):
        df = np.zeros(1 << bits)
        for counts in all_counts:
            df[list(counts[block])] += 1
        idfs.append((np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32))
    return idfs


def tfidf_matrix(all_counts: Sequence[tuple[Counts, Counts]], idfs: Sequence[npt.NDArray[np.floating]]) -> Any:
    """The rows as one sparse matrix, [word block | character block], for fitting (needs scipy)."""
    from scipy import sparse

    size = len(idfs[0])
    blocks = []
    for block in range(2):
        data, indices, indptr = [], [], [0]
        for counts in all_counts:
            idx, x = weighted(counts[block], idfs[block])
            indices.append(idx)
            data.append(x)
            indptr.append(indptr[-1] + idx.size)
        blocks.append(
            sparse.csr_matrix(
                (np.concatenate(data), np.concatenate(indices), np.array(indptr)), shape=(len(all_counts), size)
            )
        )
    return sparse.hstack(blocks).tocsr()
