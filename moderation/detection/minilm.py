"""The encoder's forward pass in plain torch, for bf16 and w8a8 inference: MiniLM (a 6-layer BERT) and its tokenizer.

Why not transformers' `BertModel` here: importing it pulls in ~1,700 modules (torch.distributed, dynamo,
sympy, scipy), ~144 MB of the bot's memory, enough to keep the process over its 600 MB target; and its
per-module wrappers (output capturing, deprecation shims, attention dispatch) cost about a fifth of a 4-text
pass at 64 tokens. A BERT encoder is a dozen tensor operations per layer, written out below with the weights
of the state dict names transformers uses, so the same safetensors file and LoRA adapter load unchanged.
The tokenizer is the model package's `tokenizer.json` through the `tokenizers` library, which is what
transformers' fast tokenizer wraps. Training (`finetune.py`) and the fp32/int8 encoders still use
transformers; this module is the bf16 and w8a8 paths' only. `tests/detection/test_weights.py` checks it against
transformers: the same token ids, and (bf16) the same bits.

w8a8 (`MiniLMW8A8`, session 13) runs the linear layers, ~97% of a pass's arithmetic, as int8 x int8 products
with int32 sums (`torch._int_mm`): weights quantised per output channel at load time, activations per token
row at run time. Integer sums are exact, so a row's result cannot depend on the kernel's blocking, its batch
mates or the thread count, and on CPUs whose int8 dot-product units (AVX512-VNNI, AMX-INT8) are twice as wide
as their bf16 ones, a packed pass costs ~0.6 of a bf16 one (docs/detection.md, "Encoder precision").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from moderation.detection.adapter import Adapter
from moderation.detection.weights import read_safetensors

__all__ = ["MiniLM", "MiniLMW8A8", "Tokens", "int8_matmul_works", "load_minilm"]


class Tokens:
    """`tokenizer.json` through `tokenizers`, every text truncated and padded to one length (the bf16 path's
    fixed shape)."""

    def __init__(self, path: Path, length: int) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=length)
        self._tokenizer.enable_padding(length=length, pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token, not a secret)
        self.length = length

    def __call__(self, texts: list[str], torch: Any) -> tuple[Any, Any]:
        """(input ids, attention mask), each a (len(texts), length) int64 tensor."""
        encodings = self._tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
        return ids, mask


class MiniLM:
    """BERT's encoder, inference only: embeddings, then per layer self-attention and a GELU feed-forward
    block, each followed by a residual connection and layer norm (post-norm, as BERT). Returns the last
    hidden states; pooling is the embedder's."""

    def __init__(self, weights: dict[str, Any], config: dict[str, Any]) -> None:
        self.w = weights
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config["layer_norm_eps"])
        if (
            config.get("hidden_act", "gelu") != "gelu"
            or config.get("position_embedding_type", "absolute") != "absolute"
        ):
            raise ValueError("only BERT models with GELU and absolute positions are supported")

    def __call__(self, input_ids: Any, attention_mask: Any, torch: Any) -> Any:
        f = torch.nn.functional
        w = self.w
        batch, length = input_ids.shape
        x = f.embedding(input_ids, w["embeddings.word_embeddings.weight"])
        x = x + w["embeddings.token_type_embeddings.weight"][0]  # every token of a single text is type 0
        x = x + w["embeddings.position_embeddings.weight"][:length]
        x = self._norm(x, "embeddings.LayerNorm", f)
        keep = attention_mask.bool()[:, None, None, :]  # (batch, 1, 1, keys): padding is never attended to
        size = self.hidden // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (
                self._linear(x, f"{p}attention.self.{name}", f).view(batch, length, self.heads, size).transpose(1, 2)
                for name in ("query", "key", "value")
            )
            attended = f.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            attended = attended.transpose(1, 2).reshape(batch, length, self.hidden)
            x = self._norm(
                self._linear(attended, f"{p}attention.output.dense", f) + x, f"{p}attention.output.LayerNorm", f
            )
            inner = f.gelu(self._linear(x, f"{p}intermediate.dense", f))
            x = self._norm(self._linear(inner, f"{p}output.dense", f) + x, f"{p}output.LayerNorm", f)
        return x

    def _linear(self, x: Any, name: str, f: Any) -> Any:
        return f.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def _norm(self, x: Any, name: str, f: Any) -> Any:
        return f.layer_norm(x, (self.hidden,), self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)


_QKV = ("query", "key", "value")
_DENSE = ("attention.output.dense", "intermediate.dense", "output.dense")


class MiniLMW8A8(MiniLM):
    """MiniLM with int8 weights and int8 activations in every linear layer; everything else (embeddings,
    attention scores, softmax, GELU, layer norm, residuals) in fp32.

    - **Weights:** symmetric int8 per output channel, from the fp32 weights with the adapter merged. Query,
      key and value are one (hidden, 3 x hidden) matrix, so a layer's input is quantised once for all three.
    - **Activations:** symmetric int8 per token row (scale = the row's largest magnitude / 127), computed on
      the fly. A row's scale depends on that row alone, and the int8 x int8 -> int32 product is exact, so a
      text's vector is the same whatever else is in its pass or how many threads run it. The fp32 attention
      sees each text padded to `max_tokens`, and it, layer norm and pooling treat each text on their own, so
      passes need no fixed number of texts (`embedder.W8A8_ROWS`), unlike bf16's.
    - **Accuracy:** per-row scales keep an outlier token from flattening the others, which is what made the
      old dynamic quantisation (one scale per batch) drift; vectors are within cosine ~0.999 of fp32's
      (`test_w8a8_vectors_are_close_to_fp32_and_the_same_packed_or_padded`), and the head is fitted on these
      vectors, not fp32's.
    """

    def __init__(self, weights: dict[str, Any], config: dict[str, Any], torch: Any) -> None:
        super().__init__(weights, config)
        self.int8: dict[str, tuple[Any, Any, Any]] = {}
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            w = torch.cat([weights.pop(f"{p}attention.self.{n}.weight") for n in _QKV])
            b = torch.cat([weights.pop(f"{p}attention.self.{n}.bias") for n in _QKV])
            self.int8[f"{p}qkv"] = _quantised(w, b, torch)
            for name in _DENSE:
                weight, bias = weights.pop(f"{p}{name}.weight"), weights.pop(f"{p}{name}.bias")
                self.int8[p + name] = _quantised(weight, bias, torch)

    def __call__(self, input_ids: Any, attention_mask: Any, torch: Any, *, packed: bool = True) -> Any:
        """Last hidden states, (batch, length, hidden); padding positions hold zeros.

        `packed`: the row-wise work (linear layers, GELU, layer norm) runs on the real tokens only, and only
        attention sees the padded (batch, length) layout. Every one of those operations treats each row on its
        own, so this gives the same bits as `packed=False` (tested) at ~0.8 of the cost: a pass's padding and
        its filler texts are ~25% of its rows on real text.

        Why the in-place steps (session 15): apart from the int8 products, a pass is a few dozen elementwise
        operations over tensors of ~400 rows, and each fresh result costs an allocation and, after the
        allocator gave the pages back, page faults. Adding into, scaling into and GELU-ing a tensor
        this pass just made, one zero-filled buffer for every layer's attention input, and gathering the
        real tokens straight from attention's output compute the same numbers in the same order with fewer of
        them: the same bits on all 9,279 corpus texts, and the benchmark stream ~2% faster (docs/detection.md,
        "Session 15: a w8a8 pass with fewer allocations")."""
        f = torch.nn.functional
        w = self.w
        batch, length = input_ids.shape
        x = f.embedding(input_ids, w["embeddings.word_embeddings.weight"])
        x.add_(w["embeddings.token_type_embeddings.weight"][0]).add_(
            w["embeddings.position_embeddings.weight"][:length]
        )
        keep = attention_mask.bool()
        rows = _Rows(keep if packed else None, batch * length, torch)
        x = self._norm(rows.gather(x), "embeddings.LayerNorm", f)
        size = self.hidden // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = rows.scatter(self._int8_linear(x, f"{p}qkv", torch))
            q, k, v = (t.transpose(1, 2) for t in qkv.view(batch, length, 3, self.heads, size).unbind(2))
            attended = f.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :])
            x = self._norm(
                self._int8_linear(rows.gather(attended.transpose(1, 2)), f"{p}attention.output.dense", torch).add_(x),
                f"{p}attention.output.LayerNorm",
                f,
            )
            inner = torch.ops.aten.gelu_(self._int8_linear(x, f"{p}intermediate.dense", torch))
            x = self._norm(self._int8_linear(inner, f"{p}output.dense", torch).add_(x), f"{p}output.LayerNorm", f)
        return rows.scatter(x, reuse=False).view(batch, length, self.hidden)

    def _int8_linear(self, x: Any, name: str, torch: Any) -> Any:
        """`x @ W.T + b` for a (rows, in) fp32 `x`: each row quantised by its own scale, an exact int32
        product, then both scales and the bias applied in fp32. Returns a new tensor (callers add into it)."""
        weight, weight_scale, bias = self.int8[name]
        magnitude = x.abs()
        peak = magnitude.amax(1, keepdim=True).clamp_(min=1e-8)
        # |x| * 127 / peak <= 127: no clamp needed; scaled into `magnitude`, which is no longer needed
        rows = torch.mul(x, 127.0 / peak, out=magnitude).round_().to(torch.int8)
        out = torch._int_mm(rows, weight).float().mul_(weight_scale)
        return torch.addcmul(bias, out, peak / 127.0, out=out)


class _Rows:
    """Where a pass's real tokens sit in its (batch, length) layout, to move rows between the packed form
    (real tokens only, row-wise work) and the padded one (attention); with `keep` None (not packed), every
    position is a row and both moves only reshape."""

    def __init__(self, keep: Any, total: int, torch: Any) -> None:
        self._keep = keep
        self._real = keep.reshape(-1).nonzero().squeeze(1) if keep is not None else None
        self._total = total
        self._torch = torch
        self._padded: Any = None

    def gather(self, padded: Any) -> Any:
        """The real tokens' rows, (real tokens, features), from a (batch, length, ...) tensor."""
        if self._keep is None:
            return padded.reshape(self._total, -1)
        return padded[self._keep].flatten(1)

    def scatter(self, rows: Any, *, reuse: bool = True) -> Any:
        """`rows` in their (batch * length) places, zeros at the padding. `reuse`: into one buffer kept for the
        pass, whose padding rows stay zero because every scatter writes the same real rows; the previous
        result must then be dead (each layer's attention input is, once attention has run)."""
        if self._real is None:
            return rows
        buffer = self._padded if reuse else None
        if buffer is None or buffer.shape[1] != rows.shape[1]:
            buffer = self._torch.zeros((self._total, rows.shape[1]), dtype=rows.dtype)
            if reuse:
                self._padded = buffer
        return buffer.index_copy_(0, self._real, rows)


def _quantised(weight: Any, bias: Any, torch: Any) -> tuple[Any, Any, Any]:
    """(int8 weight as (in, out), fp32 per-output-channel scale, fp32 bias) for an (out, in) fp32 weight."""
    scale = weight.abs().amax(1).clamp(min=1e-8) / 127.0
    int8 = (weight / scale[:, None]).round().clamp(-127, 127).to(torch.int8)
    return int8.t().contiguous(), scale.float(), bias.float()


def int8_matmul_works(torch: Any) -> bool:
    """Whether this torch build multiplies int8 matrices on the CPU (`torch._int_mm`, torch >= 2.3 on x86 and
    ARM); without it the w8a8 encoder cannot run and the embedder computes in fp32 instead."""
    try:
        a = torch.ones((32, 64), dtype=torch.int8)
        return bool(torch._int_mm(a, a.t().contiguous())[0, 0].item() == 64)
    except (AttributeError, RuntimeError, TypeError):
        return False


def load_minilm(path: Path, adapter: Adapter | None, torch: Any, precision: str = "bf16") -> MiniLM:
    """The model in `path` with `adapter` merged, read tensor by tensor (see `weights.py`): in bfloat16, or
    (`precision="w8a8"`) with int8 linear layers and everything else in fp32.

    Raises ValueError when the file lacks a weight the forward pass reads or the adapter names a layer the
    model does not have: the embedder then falls back, as for any model that cannot load."""
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    layers = set(adapter.factors) if adapter is not None else set()
    weights: dict[str, Any] = {}
    with torch.no_grad():
        for name, array in read_safetensors(path / "model.safetensors"):
            if name.startswith("pooler.") or name.endswith("position_ids"):
                continue  # the pooler is not used (mean pooling); position ids are implicit
            tensor = torch.from_numpy(np.ascontiguousarray(array))
            layer = name.removesuffix(".weight")
            if name.endswith(".weight") and layer in layers:
                adapter.add_to(layer, tensor)  # type: ignore[union-attr]  # layers is empty without an adapter
            weights[name] = tensor.to(torch.bfloat16) if precision == "bf16" else tensor
    needed = {
        f"embeddings.{part}" for part in (
            "word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight",
            "LayerNorm.weight", "LayerNorm.bias",
        )
    }  # fmt: skip
    needed |= {
        f"encoder.layer.{i}.{part}.{kind}"
        for i in range(int(config["num_hidden_layers"]))
        for part in (
            "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
        )
        for kind in ("weight", "bias")
    }  # fmt: skip
    missing = needed - set(weights)
    if missing:
        raise ValueError(f"model file lacks {len(missing)} weights, e.g. {sorted(missing)[0]}")
    unknown = layers - {n.removesuffix(".weight") for n in weights}
    if unknown:
        raise ValueError(f"adapter layer {sorted(unknown)[0]!r} is not in the model")
    return MiniLMW8A8(weights, config, torch) if precision == "w8a8" else MiniLM(weights, config)
