"""The encoder's forward pass in plain torch, for bf16 inference: MiniLM (a 6-layer BERT) and its tokenizer.

Why not transformers' `BertModel` here: importing it pulls in ~1,700 modules (torch.distributed, dynamo,
sympy, scipy), ~144 MB of the bot's memory, enough to keep the process over its 600 MB target; and its
per-module wrappers (output capturing, deprecation shims, attention dispatch) cost about a fifth of a 4-text
pass at 64 tokens. A BERT encoder is a dozen tensor operations per layer, written out below with the weights
of the state dict names transformers uses, so the same safetensors file and LoRA adapter load unchanged.
The tokenizer is the model package's `tokenizer.json` through the `tokenizers` library, which is what
transformers' fast tokenizer wraps. Training (`finetune.py`) and the fp32/int8 encoders still use
transformers; this module is the bf16 path's only. `tests/detection/test_weights.py` checks it against
transformers: the same token ids, and vectors within bf16 rounding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from moderation.detection.adapter import Adapter
from moderation.detection.weights import read_safetensors

__all__ = ["MiniLM", "Tokens", "load_minilm"]


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


def load_minilm(path: Path, adapter: Adapter | None, torch: Any) -> MiniLM:
    """The model in `path` with `adapter` merged, in bfloat16, read tensor by tensor (see `weights.py`).

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
            weights[name] = tensor.to(torch.bfloat16)
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
    return MiniLM(weights, config)
