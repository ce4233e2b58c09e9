"""The trained head: logistic regression over [sentence embedding, rule features], in numpy.

It is small (a few KB) and ships as `moderation/data/detector_head.npz`. It records the embedding set-up
it was trained on (the encoder's precision, truncation length) and the detector builds its encoder to match,
because the threshold is only valid for the embeddings it was chosen on. Training is plain full-batch
gradient descent with L2; the data set has a few hundred rows, so anything fancier buys nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.detection.embedder import PRECISIONS

__all__ = ["HEAD_FILE", "Head", "fit_logistic", "mixed_scores"]

HEAD_FILE = "detector_head.npz"
Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Head:
    """Weights, bias and the decision threshold chosen at training time."""

    weights: Array
    bias: float
    threshold: float
    feature_names: tuple[str, ...]
    precision: str = "fp32"
    """What the encoder computed in when the head was fitted (`embedder.PRECISIONS`); the detector builds its
    encoder the same way."""
    max_tokens: int = 128
    adapter: str = ""
    """The digest of the LoRA adapter (`adapter.py`) whose embeddings the head was trained on; "" for the
    package's weights as they are. The detector refuses to pair the head with any other encoder."""
    mix: float = 0.0
    """The lexical model's share of the final score: (1 - mix) * head + mix * lexical (`lexical.py`). The
    threshold was chosen for that mix on dev; 0.0 is the head alone."""
    lexical: str = ""
    """The digest of the lexical model the mix was chosen with; "" when `mix` is 0."""
    mix_platt: tuple[float, float] = (1.0, 0.0)
    """Platt scaling (a > 0, b) of the mix's logit, fitted on dev: the lexical model is trained class-balanced,
    so the raw mix is not a probability; the final score is. Monotone, so the exact bound still holds."""

    def mixed(self, head: Array, lexical: Array | None) -> Array:
        """The final score from the head's probabilities and the lexical model's (None: mix 0 only)."""
        if not self.mix:
            return head
        if lexical is None:
            raise ValueError("the head mixes in a lexical model, and none was given")
        return mixed_scores(head, lexical, self.mix, self.mix_platt)

    def scores(self, x: npt.NDArray[np.floating]) -> Array:
        """Probabilities for a (n, d) matrix."""
        z = x.astype(np.float64) @ self.weights + self.bias
        return _sigmoid(z)

    def highest_scores(self, rule_features: npt.NDArray[np.floating]) -> Array:
        """For a (n, k) matrix of the rule features (the last k inputs of the head): the highest score each
        row can get from *any* unit-length embedding in the first inputs.

        By Cauchy-Schwarz the embedding adds at most ||w_e|| ||e|| = ||w_e|| to the logit. A row whose
        highest score is below the threshold is a negative whatever the encoder says, so the detector
        need not run the encoder on it. The embedder's rows are L2-normalised in float32 (||e|| may
        exceed 1 by a few ulps); the relative slack of 1e-5 covers that and the rounding of the dot
        products many times over.
        """
        k = rule_features.shape[1]
        if not 0 < k < len(self.weights):
            raise ValueError(f"{k} rule features for a head of {len(self.weights)} inputs")
        reach = float(np.linalg.norm(self.weights[:-k])) * (1.0 + 1e-5) + 1e-9
        z = rule_features.astype(np.float64) @ self.weights[-k:] + self.bias + reach
        return _sigmoid(z)

    def ceiling(self, k: int) -> float:
        """The highest score the head can give any message: every one of its `k` rule features lies in [0, 1]
        (`features.rule_view`), so each adds at most its weight when that weight is positive, and the
        embedding adds at most ||w_e|| (`highest_scores`). A lexical score that keeps the mix below the
        threshold even with this ceiling settles a candidate before its rule features are computed."""
        if not 0 < k < len(self.weights):
            raise ValueError(f"{k} rule features for a head of {len(self.weights)} inputs")
        reach = float(np.linalg.norm(self.weights[:-k])) * (1.0 + 1e-5) + 1e-9
        rules = float(np.clip(self.weights[-k:], 0.0, None).sum()) * (1.0 + 1e-9)
        return float(_sigmoid(np.array([self.bias + reach + rules]))[0])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float32),
            bias=np.float64(self.bias),
            threshold=np.float64(self.threshold),
            feature_names=np.array(self.feature_names),
            precision=np.str_(self.precision),
            max_tokens=np.int64(self.max_tokens),
            adapter=np.str_(self.adapter),
            mix=np.float64(self.mix),
            lexical=np.str_(self.lexical),
            mix_platt=np.array(self.mix_platt, dtype=np.float64),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Head:
        """Load a head (default: the one shipped in `moderation/data`)."""
        if path is None:
            ref = resources.files("moderation.data").joinpath(HEAD_FILE)
            with resources.as_file(ref) as p:
                return cls.load(Path(p))
        with np.load(path, allow_pickle=False) as d:
            return cls(
                weights=d["weights"].astype(np.float64),
                bias=float(d["bias"]),
                threshold=float(d["threshold"]),
                feature_names=tuple(str(s) for s in d["feature_names"]),
                precision=_precision(d),
                max_tokens=int(d["max_tokens"]) if "max_tokens" in d.files else 128,
                adapter=str(d["adapter"]) if "adapter" in d.files else "",
                mix=_share(float(d["mix"])) if "mix" in d.files else 0.0,
                lexical=str(d["lexical"]) if "lexical" in d.files else "",
                mix_platt=_pair(d["mix_platt"]) if "mix_platt" in d.files else (1.0, 0.0),
            )


def mixed_scores(head: Array, lexical: Array, mix: float, platt: tuple[float, float]) -> Array:
    """(1 - mix) * head + mix * lexical, through Platt scaling (a, b) of its logit: increasing in both scores
    when 0 <= mix < 1 and a > 0, which the exact bound relies on. Training calls it before a head exists."""
    raw = np.clip((1.0 - mix) * head + mix * lexical, 1e-12, 1.0 - 1e-12)
    a, b = platt
    return _sigmoid(a * np.log(raw / (1.0 - raw)) + b)


def _precision(d: np.lib.npyio.NpzFile) -> str:
    """The head's encoder precision; heads written before session 11 say only whether they were int8."""
    if "precision" in d.files:
        value = str(d["precision"])
        if value not in PRECISIONS:
            raise ValueError(f"unknown encoder precision {value!r}")
        return value
    return "int8" if "quantized" in d.files and bool(d["quantized"]) else "fp32"


def _share(mix: float) -> float:
    """The lexical model's share must leave the head a positive one: the bound needs the final score to rise
    with the head's."""
    if not 0.0 <= mix < 1.0:
        raise ValueError(f"the lexical model's share must be in [0, 1), not {mix}")
    return mix


def _pair(values: npt.NDArray[np.floating]) -> tuple[float, float]:
    a, b = (float(v) for v in values)
    if not a > 0:
        raise ValueError(f"mix calibration must be increasing (a > 0), not a={a}")
    return a, b


def _sigmoid(z: Array) -> Array:
    """The logistic function, clipped so that exp never overflows. Monotone in z, which the bound in
    `Head.highest_scores` relies on: a higher logit never gives a lower score."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def fit_logistic(
    x: npt.NDArray[np.floating],
    y: npt.NDArray[np.floating],
    *,
    l2: float = 1e-3,
    steps: int = 3000,
    lr: float = 0.5,
) -> tuple[Array, float]:
    """Fit logistic regression by gradient descent; returns (weights, bias)."""
    xs = x.astype(np.float64)
    ys = y.astype(np.float64)
    n, d = xs.shape
    w = np.zeros(d)
    b = 0.0
    pos = max(1.0, ys.sum())
    neg = max(1.0, n - ys.sum())
    sw = np.where(ys > 0.5, n / (2 * pos), n / (2 * neg))  # balance the classes
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xs @ w + b, -40, 40)))
        g = (p - ys) * sw
        w -= lr * (xs.T @ g / n + l2 * w)
        b -= lr * float(g.mean())
    return w, b
