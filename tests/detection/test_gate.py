"""The learned gate's threshold: it must pass every dev message the detector keeps (`KEEP_OF_HEAD`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from moderation.detection.gate import KEEP_OF_HEAD, Gate, load_gate

TEXTS = [
    "New LoRA for SDXL, weights on Hugging Face",
    "We release the checkpoints of our 7B model",
    "uploaded the GGUF quants, links below",
    "Merge of two checkpoints, download on civitai",
    "how do I load a LoRA in ComfyUI?",
    "the new ComfyUI node supports LoRA loading",
    "anyone tried the new dataset?",
    "our paper is out on arXiv",
]
LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=np.float64)


def test_the_gate_passes_every_message_the_head_keeps(tmp_path: Path) -> None:
    """Its threshold is the lowest logit among the messages the head keeps (never above logit 0), so a keep that
    looks like a negative to the gate, even the least likely one, still reaches the encoder."""
    assert KEEP_OF_HEAD == 1.0
    rules = np.random.default_rng(0).random((len(TEXTS), 4))
    # the head keeps a negative-looking message too: the gate must not drop it
    keeps = np.array([True, True, True, True, False, True, False, False])
    gate = Gate.fit(rules, TEXTS, LABELS, rules, TEXTS, keeps)
    passed = gate.passes(rules, TEXTS)
    assert passed[keeps].all()
    logits = gate.logits(rules, TEXTS)
    assert gate.threshold <= min(float(logits[keeps].min()), 0.0)
    # as shipped: the file holds float16 weights, and the threshold was read off those
    gate.save(tmp_path / "gate.npz")
    assert Gate.load(tmp_path / "gate.npz").passes(rules, TEXTS)[keeps].all()
    stricter = Gate.fit(rules, TEXTS, LABELS, rules, TEXTS, keeps, keep=0.5)
    assert stricter.threshold >= gate.threshold


def test_the_shipped_gate_loads() -> None:
    gate = load_gate()
    assert gate is not None and np.isfinite(gate.threshold) and gate.threshold < 0.0
