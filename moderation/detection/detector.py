"""The release detector: pre-filter -> rule features -> exact bound -> MiniLM (LoRA-adapted) + trained head.

    stage "prefilter"  substring test; most chat stops here in microseconds
    stage "rules"      extraction + rule features; without the model, the rules baseline decides everything
                       here (and its shape gate turns away messages that do not look like announcements;
                       with the model that gate is off by default, see `Detector(rule_gate=...)`)
    stage "gate"       a linear model over the rule features and hashed words turns away what the head would
                       reject (`gate.py`; its cost in the head's positives is measured, not zero)
    stage "bound"      the verdict without the encoder: the rule features and the lexical model's score
                       alone keep the final score below the threshold whatever the embedding (Cauchy-Schwarz,
                       exact; see `Head.highest_scores`)
    stage "model"      sentence embedding + logistic head over [embedding, rule features], mixed with the
                       lexical model's score (`lexical.py`: TF-IDF word and character n-grams)
    stage "lexical"    the fallback when the model was asked for but cannot run (not installed, unreadable,
                       a failed forward pass): the lexical model alone decides, at its own dev threshold

Fields are extracted for every message past the pre-filter (the rules need them) but returned only for
positives. The model is loaded on first use; if it cannot be loaded, or a forward pass fails, the detector
logs one warning and keeps working on the lexical model alone (numpy only; on the real corpus's test split it
scores far above the rules), or on rules when no lexical model is shipped; `model_status` says which and why.
`Detector(use_model=False)` (`--rules-only`) asks for the rules and gets them.

The bot calls `adetect_many` once per chat message, with one item, from many concurrent handlers. Each call
decides ordinary chat inline (pre-filter) and queues its candidates in a per-event-loop `_Coalescer`: one
worker thread takes everything queued so far (up to `max_batch` items), runs `detect_many` over it (one
thread hop and one batched forward pass for all of them) and hands each caller its slice. Callers that arrive
while a batch runs join the next one; a lone caller on an idle detector starts at once, without waiting for
company. See docs/detection.md for the measured gain.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from moderation.detection.adapter import Adapter
from moderation.detection.embedder import EMBEDDING_DIM, Embedder
from moderation.detection.features import FEATURE_NAMES, RulesDetector, RuleView, rule_view
from moderation.detection.gate import Gate, load_gate
from moderation.detection.head import Head
from moderation.detection.lexical import LexicalModel, load_lexical
from moderation.detection.prefilter import passes
from moderation.extraction import with_implied_type
from norms.fields import ReleaseFields

__all__ = ["Detection", "Detector", "Encoder"]

Item = tuple[str, Sequence[str]]
_log = logging.getLogger(__name__)

MAX_BATCH = 32
"""Default bound on the items one coalesced batch takes from the queue (see `Detector(max_batch=...)`)."""


@dataclass(frozen=True, slots=True)
class Detection:
    """The verdict on one message.

    Attributes:
        is_release: whether the message announces a release.
        score: the probability-like score the verdict thresholded (0.0 when the pre-filter dropped it; for
            stage "bound", the highest final score the message could get, which is below the threshold).
        stage: which stage decided: "prefilter", "rules", "gate", "bound", "model" or "lexical" (the fallback).
        fields: extracted fields, for positives only.
        embedding: for positives decided by the model, the unit-length MiniLM vector (float32, 384, read-only)
            the head scored, so that provenance can compare announcements without embedding the text a
            second time; None for negatives and without the model. Not part of equality or the repr
            (an array has no single truth value, and 384 floats would drown the log line).
    """

    is_release: bool
    score: float
    stage: str
    fields: ReleaseFields | None
    embedding: npt.NDArray[np.float32] | None = field(default=None, compare=False, repr=False)


class Encoder(Protocol):
    """What the detector needs from a sentence encoder (`Embedder`; tests pass fakes).

    `embed` returns unit-length rows: the head was trained on such rows, and the detector skips the
    encoder for messages whose rule features settle the verdict for every unit-length embedding.
    """

    @property
    def status(self) -> str: ...

    def load(self) -> bool: ...

    def embed(self, texts: Sequence[str], *, batch_size: int = ...) -> npt.NDArray[np.float32] | None: ...


@dataclass(slots=True)
class _Waiter:
    """One `adetect_many` call's candidates and the future its caller awaits."""

    items: list[Item]
    future: asyncio.Future[list[Detection]]


class _Coalescer:
    """The queue of one event loop: candidates of concurrent calls, decided together batch after batch.

    A drain task runs while anything is queued. Each round it takes whole calls in arrival order until
    `max_items` items are taken (at least one call, however large), runs them through `detector.detect_many`
    in the detector's worker thread, and resolves each caller's future with its own slice. A caller that is
    cancelled while waiting only loses its own answer.
    """

    def __init__(self, detector: Detector, max_items: int) -> None:
        self._detector = detector
        self._max_items = max(1, max_items)
        self._queue: deque[_Waiter] = deque()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, items: list[Item]) -> list[Detection]:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(items, loop.create_future())
        self._queue.append(waiter)
        if self._task is None:
            self._task = loop.create_task(self._drain(), name="normbot-detector-batches")
        return await waiter.future

    def _take(self) -> list[_Waiter]:
        taken: list[_Waiter] = []
        count = 0
        while self._queue and (not taken or count + len(self._queue[0].items) <= self._max_items):
            waiter = self._queue.popleft()
            if waiter.future.done():  # its caller was cancelled while it waited
                continue
            taken.append(waiter)
            count += len(waiter.items)
        return taken

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                taken = self._take()
                if not taken:
                    continue
                items = [item for waiter in taken for item in waiter.items]
                self._detector.batch_stats["batches"] += 1
                self._detector.batch_stats["calls"] += len(taken)
                self._detector.batch_stats["items"] += len(items)
                try:
                    decided = await loop.run_in_executor(self._detector._worker(), self._detector.detect_many, items)
                except Exception as exc:  # detect_many does not raise by design; if it does, its callers see it
                    for waiter in taken:
                        if not waiter.future.done():
                            waiter.future.set_exception(exc)
                    continue
                except BaseException:  # the drain task itself was cancelled: so are the calls it was serving
                    for waiter in taken:
                        waiter.future.cancel()
                    raise
                start = 0
                for waiter in taken:
                    end = start + len(waiter.items)
                    if not waiter.future.done():
                        waiter.future.set_result(decided[start:end])
                    start = end
        finally:
            self._task = None
            # Only reached with a non-empty queue when the drain task itself was cancelled (loop shutdown):
            # nobody would serve these callers any more.
            while self._queue:
                self._queue.popleft().future.cancel()


def _announced_fields(view: RuleView, item: Item) -> ReleaseFields:
    """The fields of a message found to be an announcement: the rule features' (what the text states), with
    the type its words imply, as `extract` gives it by default."""
    return with_implied_type(view.fields, str(item[0]))


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
        max_batch: int = MAX_BATCH,
        embedder: Encoder | None = None,
        bound: bool = True,
        adapter_path: Path | None = None,
        cascade: bool = True,
        rule_gate: bool = False,
        gate: bool = True,
        gate_model: Gate | None = None,
        lexical_model: LexicalModel | None = None,
    ) -> None:
        """`batch_size` bounds one forward pass of `detect_many`; `max_batch` bounds the items that concurrent
        `adetect_many` calls pool into one batch. `embedder` replaces the MiniLM encoder the head asks for
        (tests use it to inject fakes; the head must still fit its output). `bound=False` runs the encoder
        on every candidate, as before the bound existed: same verdicts, kept for tests and the benchmark.
        `adapter_path` replaces the shipped LoRA adapter (its digest must be the head's). `cascade=False`
        sends every message to the head, skipping the pre-filter, the rule gate and the bound: `normbot
        eval` compares it with the cascade to measure what each cheap stage costs in recall. `rule_gate=True`
        keeps the hand-written shape gate (`RuleView.needs_model`) in front of the model as well; by default
        it only decides when the model is off, because on real text it dropped announcements the head keeps
        (docs/detection.md, "What each stage costs"). `gate=False` switches the learned gate off (every
        candidate then goes to the bound and the encoder); `gate_model` replaces the shipped one, and
        `lexical_model` the shipped lexical model (its digest must be the one the head's mix names)."""
        self._use_model = use_model
        self._fallback_allowed = use_model
        """A model asked for but unavailable falls back to the lexical model; rules-only asked for stays rules."""
        self._threshold = threshold
        self._rules = RulesDetector()
        self._model_path = model_path
        self._head_path = head_path
        self._adapter_path = adapter_path
        self.cascade = cascade
        self.rule_gate = rule_gate
        self.gate = gate
        """Whether the learned gate (`gate.py`) may turn candidates away before the bound and the encoder."""
        self._gate = gate_model
        self._lexical: LexicalModel | None = lexical_model
        self._head: Head | None = None
        self._head_error: str | None = None
        self._model_error: str | None = None
        self._embedder: Encoder | None = embedder
        self._batch_size = batch_size
        self._max_batch = max_batch
        self._coalescers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Coalescer] = weakref.WeakKeyDictionary()
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        self.batch_stats = {"batches": 0, "calls": 0, "items": 0}
        """Coalesced batches run by `adetect_many` so far, the calls and the candidate items they served."""
        self.bound = bound
        """Whether `_settle_by_bound` may decide candidates without the encoder (same verdicts either way;
        benchmarks switch it to compare)."""
        self.bound_stats = {"gated": 0, "settled": 0, "encoded": 0}
        """Candidates the learned gate turned away, those the bound decided without the encoder, and those
        sent on to the encoder."""

    def _get_embedder(self) -> Encoder | None:
        """The encoder, built to match the head (precision, truncation); None for rules only."""
        if not self._use_model:
            return None
        if self._embedder is None or self._head is None:
            try:
                head = self._get_head()
                expected = EMBEDDING_DIM + len(FEATURE_NAMES)
                if head.weights.shape != (expected,):
                    raise ValueError(f"head has {head.weights.shape[0]} weights, features have {expected}")
                self._lexical = self._lexical_for(head)
                if self._embedder is None:
                    self._embedder = Embedder(
                        model_path=self._model_path,
                        precision=head.precision,
                        max_tokens=head.max_tokens,
                        adapter=self._adapter_for(head),
                    )
            except Exception as exc:  # a broken head file is a broken model: fall back the same way
                self._head_error = f"head unreadable ({type(exc).__name__}: {exc})"[:300]
                _log.warning("release detector: %s, using %s", self._head_error, self._fallback_name())
                self._use_model = False
                return None
        return self._embedder

    def _adapter_for(self, head: Head) -> Adapter | None:
        """The LoRA adapter the head was trained with; raises when it is missing or another one."""
        if not head.adapter:
            return None
        adapter = Adapter.load(self._adapter_path)
        if adapter is None:
            raise FileNotFoundError(f"the head needs adapter {head.adapter}, and none is installed")
        if adapter.digest != head.adapter:
            raise ValueError(f"the head needs adapter {head.adapter}, the installed one is {adapter.digest}")
        return adapter

    def _lexical_for(self, head: Head) -> LexicalModel | None:
        """The lexical model the head's mix was chosen with; raises when it is missing or another one."""
        if not head.mix:
            return None
        lexical = self._lexical if self._lexical is not None else load_lexical()
        if lexical is None:
            raise FileNotFoundError(f"the head mixes in lexical model {head.lexical}, and none is installed")
        if lexical.digest != head.lexical:
            raise ValueError(f"the head mixes in lexical model {head.lexical}, the installed one is {lexical.digest}")
        return lexical

    def _fallback_model(self) -> LexicalModel | None:
        """The lexical model that decides alone when the model was asked for and cannot run (None: rules)."""
        if not self._fallback_allowed:
            return None
        return self._lexical if self._lexical is not None else load_lexical()

    def _fallback_name(self) -> str:
        return "the lexical model alone" if self._fallback_model() is not None else "rules only"

    def _lexical_scores(self, items: Sequence[Item], idx: Sequence[int]) -> dict[int, float]:
        """The lexical model's probability for the candidates `idx` ({} when the head mixes none in)."""
        if self._lexical is None or not idx:
            return {}
        probs = self._lexical.probabilities([str(items[i][0]) for i in idx])
        return dict(zip(idx, probs.tolist(), strict=True))

    @property
    def model_status(self) -> str:
        """'loaded', or 'lexical-only: <why>' / 'rules-only: <why>' for what decides instead (loads the model
        if it was not tried yet)."""
        embedder = self._get_embedder()
        if embedder is None:
            why = self._model_error or self._head_error or "disabled (use_model=False)"
        else:
            embedder.load()
            if embedder.status == "loaded":
                return "loaded"
            why = embedder.status.removeprefix("rules-only: ")  # the encoder's own words for its failure
        return f"{'lexical-only' if self._fallback_model() is not None else 'rules-only'}: {why}"

    @property
    def threshold(self) -> float:
        """The decision threshold in use (the head's, unless given; 0.5 for rules only)."""
        if self._threshold is not None:
            return self._threshold
        if self.model_status == "loaded":
            return self._get_head().threshold
        fallback = self._fallback_model()
        return fallback.threshold if fallback is not None else self._rules.threshold

    def _get_head(self) -> Head:
        if self._head is None:
            self._head = Head.load(self._head_path)
        return self._head

    @property
    def embedding_model(self) -> str | None:
        """The identity of the vectors `embed` returns (see `Embedder.identity`), None without a model or
        for an encoder that does not name itself: such vectors are then used, but never stored."""
        if self.model_status != "loaded":
            return None
        identity = getattr(self._embedder, "identity", None)
        return identity if isinstance(identity, str) and identity else None

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
        # The hand shape gate decides only for the rules: the model and the lexical fallback see every candidate.
        rules_decide = self.model_status != "loaded" and self._fallback_model() is None
        gate = self.cascade and (self.rule_gate or rules_decide)
        candidates: dict[int, tuple[str, tuple[str, ...]]] = {}
        for i, (text, attachments) in enumerate(items):
            text = text if isinstance(text, str) else str(text)
            atts = tuple(a for a in attachments if isinstance(a, str))
            if self.cascade and not passes(text, atts):
                results[i] = Detection(False, 0.0, "prefilter", None)
                continue
            candidates[i] = (text, atts)
        lexical = self._lexical_scores(items, list(candidates)) if candidates and self.model_status == "loaded" else {}
        early = {i: candidates.pop(i) for i in self._settle_by_lexical_bound(lexical, results)}
        for i, (text, atts) in candidates.items():
            view = rule_view(text, atts)
            if gate and not view.needs_model:
                score = min(RulesDetector.score_view(view), 0.49)
                results[i] = Detection(False, score, "rules", None)
                continue
            views[i] = view
        if views:
            self._decide(items, views, results, lexical)
            if early and self.model_status != "loaded":  # the forward pass failed: the fallback decides all
                self._fall_back(items, {i: rule_view(*early[i]) for i in early}, results)
        return [r for r in results if r is not None]

    def _settle_by_lexical_bound(self, lexical: dict[int, float], results: list[Detection | None]) -> list[int]:
        """The candidates whose lexical score alone keeps the final score below the threshold, whatever their
        rule features and embedding: the first, cheapest form of the exact bound (`_settle_by_bound`).

        The head's score is at most its ceiling (every rule feature lies in [0, 1], the embedding has unit
        length), and the mix rises with it, so a candidate whose mix with the ceiling is below the threshold
        is a negative for the full model too. Deciding these before the rule features spares their field
        extraction, which costs about three times the lexical score (docs/detection.md, "Exact bound"). Writes
        their detections into `results` and returns their indices."""
        if not self.bound or not self.cascade or not lexical:
            return []
        head = self._get_head()
        threshold = self._threshold if self._threshold is not None else head.threshold
        idx = list(lexical)
        highest = head.mixed(np.full(len(idx), head.ceiling(len(FEATURE_NAMES))), np.array([lexical[i] for i in idx]))
        settled = []
        for i, score in zip(idx, highest.tolist(), strict=True):
            if score < threshold:
                results[i] = Detection(False, score, "bound", None)
                settled.append(i)
        self.bound_stats["settled"] += len(settled)
        return settled

    def _embed_candidates(self, texts: list[str]) -> npt.NDArray[np.float32] | None:
        """Embeddings for the head, or None to decide on rules: no model, or a forward pass that failed.

        A failing forward pass is treated like a model that failed to load: one warning, rules from then
        on, `model_status` says why. Retrying would re-run a broken model on every message and log each time.
        """
        if self.model_status != "loaded" or self._embedder is None:
            return None
        try:
            return self._embedder.embed(texts, batch_size=self._batch_size)
        except Exception as exc:
            self._model_error = f"inference failed ({type(exc).__name__}: {exc})".splitlines()[0][:300]
            self._use_model = False
            _log.warning("release detector: %s, using %s", self._model_error, self._fallback_name())
            return None

    def _settle_by_bound(self, views: dict[int, RuleView], lexical: dict[int, float]) -> dict[int, Detection]:
        """The candidates whose rule features and lexical score alone keep the final score below the
        threshold, for any embedding the encoder could return, with their verdicts; the others need the
        encoder. The mix is monotone in the head's score, so the head's highest score bounds it.

        Exact, not a heuristic: these messages get the verdict the full model would give them, and the
        encoder, the one costly stage, runs only where its output can change a decision. On the labelled
        data that is most on-topic negatives (docs/detection.md gives the share). Positives always go to
        the encoder: they need an exact score, and provenance wants their vector anyway.
        """
        if not self.bound or not self.cascade or not views or self.model_status != "loaded":
            return {}
        head = self._get_head()
        threshold = self._threshold if self._threshold is not None else head.threshold
        idx = list(views)
        highest = head.highest_scores(np.stack([views[i].vector for i in idx]))
        highest = head.mixed(highest, np.array([lexical[i] for i in idx]) if lexical else None)
        return {
            i: Detection(False, score, "bound", None)
            for i, score in zip(idx, highest.tolist(), strict=True)
            if score < threshold
        }

    def _settle_by_gate(self, items: Sequence[Item], views: dict[int, RuleView]) -> dict[int, Detection]:
        """The candidates the learned gate turns away (see `gate.py`), with its probability as their score.

        Not exact like the bound: its cost is measured (on dev when it is fitted, on test by `normbot eval`)
        as the share of the head's own positives it drops. Off without the model or the shipped gate file."""
        if not self.gate or not self.cascade or not views or self.model_status != "loaded":
            return {}
        gate = self._gate if self._gate is not None else load_gate()
        if gate is None:
            return {}
        idx = list(views)
        texts = [items[i][0] if isinstance(items[i][0], str) else str(items[i][0]) for i in idx]
        logits = gate.logits(np.stack([views[i].vector for i in idx]), texts)
        return {
            i: Detection(False, float(1.0 / (1.0 + np.exp(-z))), "gate", None)
            for i, z in zip(idx, logits.tolist(), strict=True)
            if z < gate.threshold
        }

    def _decide(
        self,
        items: Sequence[Item],
        views: dict[int, RuleView],
        results: list[Detection | None],
        lexical_scores: dict[int, float],
    ) -> None:
        everything = views
        gated = self._settle_by_gate(items, views)
        views = {i: v for i, v in views.items() if i not in gated}
        lexical = {i: lexical_scores[i] for i in views if i in lexical_scores}
        settled = self._settle_by_bound(views, lexical)
        idx = [i for i in views if i not in settled]
        emb = self._embed_candidates([str(items[i][0]) for i in idx]) if idx else None
        if idx and emb is None:  # no model, or its forward pass failed: the fallback decides the whole batch
            self._fall_back(items, everything, results)
            return
        for i, detection in (gated | settled).items():
            results[i] = detection
        self.bound_stats["gated"] += len(gated)
        self.bound_stats["settled"] += len(settled)
        self.bound_stats["encoded"] += len(idx)
        if emb is None:
            return
        head = self._get_head()
        x = np.hstack([emb, np.stack([views[i].vector for i in idx])])
        scores = head.mixed(head.scores(x), np.array([lexical[i] for i in idx]) if lexical else None)
        threshold = self._threshold if self._threshold is not None else head.threshold
        for row, i in enumerate(idx):
            score = float(scores[row])
            ok = score >= threshold
            vector = None
            if ok:  # a copy, so a Detection does not keep its whole batch alive
                vector = emb[row].copy()
                vector.setflags(write=False)
            results[i] = Detection(ok, score, "model", _announced_fields(views[i], items[i]) if ok else None, vector)

    def _fall_back(self, items: Sequence[Item], views: dict[int, RuleView], results: list[Detection | None]) -> None:
        """Verdicts for `views` when the model cannot run: the lexical model alone, else the rules."""
        fallback = self._fallback_model()
        if fallback is not None:
            self._decide_lexically(items, views, results, fallback)
            return
        threshold = self._threshold if self._threshold is not None else self._rules.threshold
        for i, view in views.items():
            score = RulesDetector.score_view(view)
            ok = score >= threshold
            results[i] = Detection(ok, score, "rules", _announced_fields(view, items[i]) if ok else None)

    def _decide_lexically(
        self, items: Sequence[Item], views: dict[int, RuleView], results: list[Detection | None], lexical: LexicalModel
    ) -> None:
        """The fallback's verdicts: the lexical model's probability against its own dev threshold."""
        idx = list(views)
        threshold = self._threshold if self._threshold is not None else lexical.threshold
        probs = lexical.probabilities([str(items[i][0]) for i in idx])
        for i, score in zip(idx, probs.tolist(), strict=True):
            ok = score >= threshold
            results[i] = Detection(ok, score, "lexical", _announced_fields(views[i], items[i]) if ok else None)

    def _worker(self) -> ThreadPoolExecutor:
        """The one thread batches run in: they are serialised anyway (one forward pass at a time), and a
        private thread keeps them out of the default executor's queue and keeps one malloc arena warm."""
        if self._executor is None:
            with self._executor_lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="normbot-detector")
        return self._executor

    def _coalescer(self) -> _Coalescer:
        loop = asyncio.get_running_loop()
        coalescer = self._coalescers.get(loop)
        if coalescer is None:
            coalescer = self._coalescers[loop] = _Coalescer(self, self._max_batch)
        return coalescer

    async def adetect_many(self, items: Sequence[Item]) -> list[Detection]:
        """`detect_many` without blocking the event loop: the pre-filter (microseconds) decides ordinary chat
        inline; candidates join the loop's batch queue and are decided in the worker thread together with
        those of concurrent calls (one thread hop and one forward pass per batch, not per message)."""
        results: list[Detection | None] = [None] * len(items)
        candidates: list[int] = []
        for i, (text, attachments) in enumerate(items):
            text = text if isinstance(text, str) else str(text)
            if not self.cascade or passes(text, tuple(a for a in attachments if isinstance(a, str))):
                candidates.append(i)
            else:
                results[i] = Detection(False, 0.0, "prefilter", None)
        if candidates:
            decided = await self._coalescer().submit([items[i] for i in candidates])
            for i, detection in zip(candidates, decided, strict=True):
                results[i] = detection
        return [r for r in results if r is not None]

    async def adetect(self, text: str, attachments: Sequence[str] = ()) -> Detection:
        """`detect` without blocking the event loop (see `adetect_many`)."""
        return (await self.adetect_many([(text, attachments)]))[0]
