"""The LoRA adapter: what `finetune` produces, what the encoder applies at load, and how a mismatch fails."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest

from moderation.detection import Detector
from moderation.detection.adapter import Adapter
from moderation.detection.embedder import Embedder
from moderation.detection.head import Head


def _tiny_adapter(seed: int = 0, rank: int = 2) -> Adapter:
    rng = np.random.default_rng(seed)
    return Adapter(
        factors={
            "encoder.layer.0.attention.self.query": (
                rng.normal(size=(rank, 384)).astype(np.float32),
                rng.normal(size=(384, rank)).astype(np.float32),
            )
        },
        scale=2.0,
    )


def test_save_load_keeps_the_digest_of_what_ships(tmp_path: Path) -> None:
    """Factors ship as float16; the digest is of what loads, so a head can name the adapter it was fit on."""
    path = tmp_path / "a.npz"
    _tiny_adapter().save(path)
    loaded = Adapter.load(path)
    assert loaded is not None
    again = tmp_path / "b.npz"
    loaded.save(again)
    assert Adapter.load(again).digest == loaded.digest  # type: ignore[union-attr]
    assert _tiny_adapter(seed=1).digest != _tiny_adapter(seed=0).digest


def test_apply_adds_scale_times_b_at_a() -> None:
    import torch  # here, not at module level: collection on every worker would pay its ~5 s import

    class Block(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.query = torch.nn.Linear(384, 384)

    model = torch.nn.Module()
    model.encoder = torch.nn.Module()
    model.encoder.layer = torch.nn.ModuleList([torch.nn.Module()])
    model.encoder.layer[0].attention = torch.nn.Module()
    model.encoder.layer[0].attention.self = Block()
    before = model.encoder.layer[0].attention.self.query.weight.detach().clone().numpy()
    adapter = _tiny_adapter()
    assert adapter.apply(model) == 1
    a, b = adapter.factors["encoder.layer.0.attention.self.query"]
    after = model.encoder.layer[0].attention.self.query.weight.detach().numpy()
    np.testing.assert_allclose(after - before, 2.0 * (b @ a), rtol=1e-4, atol=1e-3)


def test_adapter_for_another_model_is_refused() -> None:
    import torch

    model = torch.nn.Module()
    model.query = torch.nn.Linear(16, 16)
    bad = Adapter(factors={"query": (np.zeros((2, 384), np.float32), np.zeros((384, 2), np.float32))}, scale=1.0)
    with pytest.raises(ValueError, match="does not fit"):
        bad.apply(model)
    with pytest.raises(ValueError, match="not in the model"):
        Adapter(factors={"nowhere": bad.factors["query"]}, scale=1.0).apply(model)


def test_adapter_changes_the_embedding_and_the_identity() -> None:
    plain = Embedder(max_tokens=32)
    tuned = Embedder(max_tokens=32, adapter=_tiny_adapter())
    text = ["New LoRA: Moss Witch v1 for SDXL"]
    a, b = plain.embed(text), tuned.embed(text)
    assert a is not None and b is not None
    assert float(a[0] @ b[0]) < 0.999
    assert plain.identity != tuned.identity and "+lora-" in tuned.identity


def test_head_that_needs_a_missing_adapter_falls_back_to_the_lexical_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A head names its adapter; without that adapter the detector says so and runs on its fallback (the
    lexical model alone)."""
    head = dataclasses.replace(Head.load(), adapter="0123456789ab")
    path = tmp_path / "head.npz"
    head.save(path)
    other = tmp_path / "adapter.npz"
    _tiny_adapter().save(other)
    det = Detector(head_path=path, adapter_path=other)
    with caplog.at_level(logging.WARNING):
        d = det.detect("New LoRA: Moss Witch v1 for SDXL, license: MIT https://civitai.com/models/1")
    assert d.stage == "lexical"
    assert det.model_status.startswith("lexical-only: ") and "needs adapter 0123456789ab" in det.model_status
