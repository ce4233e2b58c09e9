"""Reading a safetensors file one tensor at a time, for the bf16 encoder (`minilm.py`).

Why not `from_pretrained(...).to(torch.bfloat16)`: transformers maps the whole fp32 file, builds the fp32
model, and the conversion then holds both copies; that transient lifted the detector's peak memory from
528 MB to 606 MB, over the 600 MB target (docs/detection.md, "Memory"). Reading each fp32 tensor with plain
reads (a memory map would count the whole file as resident), adding its LoRA update in fp32 and rounding it
to bf16 keeps one fp32 tensor alive at a time, and gives the same bits as the slow path (tested), since both
round the same fp32 sums.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["read_safetensors"]

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
