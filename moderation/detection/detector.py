"""The release detector: pre-filter -> rule gate -> MiniLM embedding + trained head.

    stage "prefilter"  substring test; most chat stops here in microseconds
    stage "rules"      extraction + rule features; messages without the shape of an announcement stop
                       here (and, with no model, the rules baseline decides everything)
    stage "model"      sentence embedding + logistic head over [embedding, rule features]

Fields are extracted for every message past the pre-filter (the rules need them) but returned only for
positives. The model is loaded on first use; if it cannot be loaded the detector logs one warning and
keeps working on rules (`model_status` says why).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from moderation.detection.embedder import EMBEDDING_DIM, Embedder
from moderation.detection.features import FEATURE_NAMES, RulesDetector, RuleView, rule_view
from moderation.detection.head import Head
from moderation.detection.prefilter import passes
from norms.fields import ReleaseFields

__all__ = ["Detection", "Detector"]

Item = tuple[str, Sequence[str]]
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Detection:
    """The verdict on one message.

    Attributes:
        is_release: whether the message announces a release.
        score: the probability-like score the verdict thresholded (0.0 when the pre-filter dropped it).
        stage: which stage decided: "prefilter", "rules" or "model".
        fields: extracted fields, for positives only.
    """

    is_release: bool
    score: float
    stage: str
    fields: ReleaseFields | None


class Detector:
    """Detects release announcements; see the module docstring for the stages."""

    def __init__(
        self,
        *,
        use_model: bool = True,
        threshold: float | None = None,
        model_path: str | Path | None = None,
        head_path: Path | None = None,
        batch_size: int = 32,
    ) -> None:
        self._use_model = use_model
        self._threshold = threshold
        self._rules = RulesDetector()
        self._model_path = model_path
        self._head_path = head_path
        self._head: Head | None = None
        self._head_error: str | None = None
        self._embedder: Embedder | None = None
        self._batch_size = batch_size

    def _get_embedder(self) -> Embedder | None:
        """The encoder, built to match the head (int8 or fp32, truncation); None for rules only."""
        if not self._use_model:
            return None
        if self._embedder is None:
            try:
                head = self._get_head()
                expected = EMBEDDING_DIM + len(FEATURE_NAMES)
                if head.weights.shape != (expected,):
                    raise ValueError(f"head has {head.weights.shape[0]} weights, features have {expected}")
                self._embedder = Embedder(
                    model_path=self._model_path, quantize=head.quantized, max_tokens=head.max_tokens
                )
            except Exception as exc:  # a broken head file is a broken model: fall back the same way
                self._head_error = f"head unreadable ({type(exc).__name__}: {exc})"[:300]
                _log.warning("release detector: %s, using rules only", self._head_error)
                self._use_model = False
                return None
        return self._embedder

    @property
    def model_status(self) -> str:
        """'loaded', or 'rules-only: <why>' (loads the model if it was not tried yet)."""
        embedder = self._get_embedder()
        if embedder is None:
            return f"rules-only: {self._head_error or 'disabled (use_model=False)'}"
        embedder.load()
        return embedder.status

    @property
    def threshold(self) -> float:
        """The decision threshold in use (the head's, unless given; 0.5 for rules only)."""
        if self._threshold is not None:
            return self._threshold
        if self.model_status == "loaded":
            return self._get_head().threshold
        return self._rules.threshold

    def _get_head(self) -> Head:
        if self._head is None:
            self._head = Head.load(self._head_path)
        return self._head

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32] | None:
        """Unit-length MiniLM embeddings of `texts`, or None when running without the model."""
        embedder = self._get_embedder()
        if embedder is None:
            return None
        return embedder.embed(list(texts), batch_size=self._batch_size)

    def detect(self, text: str, attachments: Sequence[str] = ()) -> Detection:
        """Detect one message."""
        return self.detect_many([(text, attachments)])[0]

    def detect_many(self, items: Sequence[Item]) -> list[Detection]:
        """Detect many messages; the model runs once over all candidates, in batches."""
        results: list[Detection | None] = [None] * len(items)
        views: dict[int, RuleView] = {}
        for i, (text, attachments) in enumerate(items):
            text = text if isinstance(text, str) else str(text)
            atts = tuple(a for a in attachments if isinstance(a, str))
            if not passes(text, atts):
                results[i] = Detection(False, 0.0, "prefilter", None)
                continue
            view = rule_view(text, atts)
            if not view.needs_model:
                score = min(RulesDetector.score_view(view), 0.49)
                results[i] = Detection(False, score, "rules", None)
                continue
            views[i] = view
        if views:
            self._decide(items, views, results)
        return [r for r in results if r is not None]

    def _decide(self, items: Sequence[Item], views: dict[int, RuleView], results: list[Detection | None]) -> None:
        idx = list(views)
        emb = None
        if self.model_status == "loaded" and self._embedder is not None:
            emb = self._embedder.embed([str(items[i][0]) for i in idx], batch_size=self._batch_size)
        if emb is None:
            threshold = self._threshold if self._threshold is not None else self._rules.threshold
            for i in idx:
                score = RulesDetector.score_view(views[i])
                ok = score >= threshold
                results[i] = Detection(ok, score, "rules", views[i].fields if ok else None)
            return
        head = self._get_head()
        x = np.hstack([emb, np.stack([views[i].vector for i in idx])])
        scores = head.scores(x)
        threshold = self._threshold if self._threshold is not None else head.threshold
        for row, i in enumerate(idx):
            score = float(scores[row])
            ok = score >= threshold
            results[i] = Detection(ok, score, "model", views[i].fields if ok else None)

    async def adetect_many(self, items: Sequence[Item]) -> list[Detection]:
        """`detect_many` in a worker thread for the candidates only, so the event loop keeps serving while the
        model runs; the pre-filter (microseconds) decides ordinary chat inline, without a thread hop."""
        results: list[Detection | None] = [None] * len(items)
        candidates: list[int] = []
        for i, (text, attachments) in enumerate(items):
            text = text if isinstance(text, str) else str(text)
            if passes(text, tuple(a for a in attachments if isinstance(a, str))):
                candidates.append(i)
            else:
                results[i] = Detection(False, 0.0, "prefilter", None)
        if candidates:
            decided = await asyncio.to_thread(self.detect_many, [items[i] for i in candidates])
            for i, detection in zip(candidates, decided, strict=True):
                results[i] = detection
        return [r for r in results if r is not None]

    async def adetect(self, text: str, attachments: Sequence[str] = ()) -> Detection:
        """`detect` in a worker thread."""
        return (await self.adetect_many([(text, attachments)]))[0]
