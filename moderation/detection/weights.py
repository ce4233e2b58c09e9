"""The encoder's weights loaded straight into bfloat16, one tensor at a time.

Why not `from_pretrained(...).to(torch.bfloat16)`: transformers maps the whole fp32 file, builds the fp32
model, and the conversion then holds both copies; that transient lifted the detector's peak memory from
528 MB to 606 MB, over the 600 MB target (docs/detection.md, "Memory"). Here the model is built empty (on
the meta device, then allocated in bf16), and each fp32 tensor is read from the safetensors file with plain
reads (a memory map would count the whole file as resident), has its LoRA update added in fp32, and is
rounded into its bf16 parameter. The bits are the same as the slow path's (tested), since both round the
same fp32 sums.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moderation.detection.adapter import Adapter

__all__ = ["bf16_model", "read_safetensors"]

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> Iterator[tuple[str, npt.NDArray[Any]]]:
    """(name, array) for each tensor of a safetensors file, read one at a time (no memory map).

    The format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
    byte range in the data that follows. Raises ValueError for a malformed file or a dtype not handled here."""
    with path.open("rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        if not 0 < size < 100_000_000:
            raise ValueError(f"{path}: not a safetensors file (header length {size})")
        header = json.loads(fh.read(size))
        base = 8 + size
        for name, spec in sorted(header.items(), key=lambda kv: kv[1].get("data_offsets", [0])[0]):
            if name == "__metadata__":
                continue
            dtype = _DTYPES.get(spec.get("dtype"))
            if dtype is None:
                raise ValueError(f"{path}: tensor {name!r} has dtype {spec.get('dtype')!r}, not handled")
            start, end = spec["data_offsets"]
            shape = tuple(spec["shape"])
            count = int(np.prod(shape)) if shape else 1
            if end - start != count * np.dtype(dtype).itemsize:
                raise ValueError(f"{path}: tensor {name!r} has {end - start} bytes for shape {shape}")
            fh.seek(base + start)
            array = np.fromfile(fh, dtype=dtype, count=count)
            if array.size != count:
                raise ValueError(f"{path}: tensor {name!r} is cut short")
            yield name, array.reshape(shape)


def bf16_model(path: Path, adapter: Adapter | None, torch: Any) -> Any:
    """The transformers model in `path` with `adapter` merged, in bfloat16, in eval mode.

    Raises (and the embedder falls back, as for any model that cannot load) when the file lacks a weight the
    model has, or the model has a buffer this loader does not know how to fill."""
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(str(path), local_files_only=True)
    with torch.device("meta"):
        model = AutoModel.from_config(config)  # type: ignore[no-untyped-call]
    model = model.to(dtype=torch.bfloat16).to_empty(device="cpu")
    state = model.state_dict()
    filled: set[str] = set()
    layers = set(adapter.factors) if adapter is not None else set()
    with torch.no_grad():
        for name, array in read_safetensors(path / "model.safetensors"):
            target = state.get(name)
            if target is None:
                continue  # e.g. a position-id buffer the model keeps out of its state (reset below)
            tensor = torch.from_numpy(np.ascontiguousarray(array))
            layer = name.removesuffix(".weight")
            if adapter is not None and name.endswith(".weight") and layer in layers:
                adapter.add_to(layer, tensor)
            target.copy_(tensor.to(target.dtype))
            filled.add(name)
    missing = set(state) - filled
    if missing:
        raise ValueError(f"model file lacks {len(missing)} weights, e.g. {sorted(missing)[0]}")
    if adapter is not None and not layers <= {n.removesuffix(".weight") for n in filled}:
        raise ValueError(
            f"adapter layer {sorted(layers - {n.removesuffix('.weight') for n in filled})[0]!r} is not in the model"
        )
    _reset_buffers(model, set(state), torch)
    return model.eval()


def _reset_buffers(model: Any, in_state: set[str], torch: Any) -> None:
    """Fill the buffers a model keeps out of its state dict, which `to_empty` left uninitialised. BERT has
    two: position ids (0, 1, 2, ...) and default token-type ids (zeros); anything else is refused."""
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name in in_state:
                continue
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "position_ids":
                buffer.copy_(torch.arange(buffer.shape[-1], dtype=buffer.dtype).expand_as(buffer))
            elif leaf == "token_type_ids":
                buffer.zero_()
            else:
                raise ValueError(f"model buffer {name!r} is not in the weights file and has no known value")
