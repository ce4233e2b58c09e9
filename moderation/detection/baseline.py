"""The plain keyword rule: the baseline every detector is measured against.

It is what anyone would write first: "a message that says release, LoRA, checkpoint, weights or names a
model host is an announcement". On real text it finds nearly every announcement and calls half of the
on-topic chat one too (docs/detection.md); a detector that cannot beat it has learned nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["KEYWORDS", "keyword_rule"]

KEYWORDS = (
    "release", "lora", "checkpoint", "huggingface", "hf.co/", "civitai", "weights", "gguf", "safetensors",
    "merge", "finetune", "fine-tune", "fine-tuned", "quant", "发布", "权重", "公開", "リリース", "релиз", "веса",
)  # fmt: skip


def keyword_rule(text: str, attachments: Sequence[str] = ()) -> bool:
    """Whether the text contains any of `KEYWORDS` (case-insensitive) or a weight file is attached."""
    low = text.lower()
    if any(a.lower().endswith((".safetensors", ".gguf", ".ckpt")) for a in attachments):
        return True
    return any(k in low for k in KEYWORDS)
