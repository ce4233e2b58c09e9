"""Train the detector head: `python -m moderation.detection.train [--data FILE] [--out FILE]`.

Reads the train split of the labelled set (default `tests/data/releases.jsonl`), embeds it with the
shipped MiniLM, appends the rule features, picks the threshold by 5-fold cross-validated F1 on the train
split only, fits on the whole train split and writes the head (default `moderation/data/detector_head.npz`).
The test split is never read here; `normbot eval` reports on it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.detection.embedder import Embedder
from moderation.detection.evaluate import Example, load_examples
from moderation.detection.features import FEATURE_NAMES, rule_view
from moderation.detection.head import HEAD_FILE, Head, fit_logistic

__all__ = ["features_of", "main", "train"]

_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = _ROOT / "tests" / "data" / "releases.jsonl"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / HEAD_FILE


def features_of(examples: list[Example], embedder: Embedder) -> npt.NDArray[np.float64]:
    """[embedding, rule features] rows for `examples`; raises if the model cannot load."""
    emb = embedder.embed([e.text for e in examples])
    if emb is None:
        raise RuntimeError(f"cannot train without the model ({embedder.status})")
    rules = np.stack([rule_view(e.text, e.attachments).vector for e in examples])
    return np.hstack([emb, rules]).astype(np.float64)


def _best_threshold(y: npt.NDArray[np.float64], p: npt.NDArray[np.float64]) -> float:
    best = (-1.0, 0.0, 0.5)
    for t in np.linspace(0.2, 0.8, 61):
        pred = p >= t
        tp = float(np.sum(pred & (y > 0.5)))
        fp = float(np.sum(pred & (y < 0.5)))
        fn = float(np.sum(~pred & (y > 0.5)))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        cand = (f1, -abs(t - 0.5), float(t))
        best = max(best, cand)
    return best[2]


def train(
    data: Path, *, quantize: bool = False, max_tokens: int = 128, folds: int = 5, seed: int = 0
) -> tuple[Head, dict[str, float]]:
    """Train a head on the train split of `data`; returns it and cross-validation figures."""
    examples = load_examples(data, split="train")
    x = features_of(examples, Embedder(quantize=quantize, max_tokens=max_tokens))
    y = np.array([1.0 if e.is_release else 0.0 for e in examples])
    order = np.random.default_rng(seed).permutation(len(examples))
    oof = np.zeros(len(examples))
    for k in range(folds):
        test_idx = order[k::folds]
        train_idx = np.setdiff1d(order, test_idx)
        w, b = fit_logistic(x[train_idx], y[train_idx])
        oof[test_idx] = 1.0 / (1.0 + np.exp(-(x[test_idx] @ w + b)))
    threshold = _best_threshold(y, oof)
    w, b = fit_logistic(x, y)
    names = tuple(f"emb{i}" for i in range(x.shape[1] - len(FEATURE_NAMES))) + FEATURE_NAMES
    pred = oof >= threshold
    tp = float(np.sum(pred & (y > 0.5)))
    cv_f1 = 2 * tp / (2 * tp + float(np.sum(pred & (y < 0.5))) + float(np.sum(~pred & (y > 0.5))))
    head = Head(weights=w, bias=b, threshold=threshold, feature_names=names, quantized=quantize, max_tokens=max_tokens)
    return head, {"rows": float(len(examples)), "cv_f1": round(cv_f1, 4), "threshold": round(threshold, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--quantize", action="store_true", help="train on int8 dynamic-quantised embeddings")
    parser.add_argument("--max-tokens", type=int, default=128, help="truncation length of the encoder")
    args = parser.parse_args(argv)
    head, info = train(args.data, quantize=args.quantize, max_tokens=args.max_tokens)
    head.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): {info}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
