"""`finetune` trains a LoRA adapter for every linear layer, reproducibly, and the training command writes
files the detector then loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.detection import Detector
from moderation.detection.finetune import FinetuneConfig, finetune
from moderation.detection.head import Head

TEXTS = [
    "New LoRA: Moss Witch v1 for SDXL https://civitai.com/models/1",
    "We release the Foo-7B weights on Hugging Face: https://huggingface.co/foo/Foo-7B",
    "Uploaded GGUF quants of Bar-13B https://huggingface.co/me/Bar-13B-GGUF",
    "My merge Velvet Mix v2 is out https://civitai.com/models/2",
    "Does anyone know which sampler works best for Flux?",
    "ComfyUI-Foo v1.3 adds support for Flux LoRAs",
    "We released the training code and the dataset today",
    "The download link in the README is broken",
]
LABELS = [True, True, True, True, False, False, False, False]
TINY = FinetuneConfig(rank=2, alpha=4, epochs=1, batch_size=4, max_tokens=24, seed=3, threads=1)


@pytest.fixture(autouse=True)
def _peft() -> None:
    """Needs peft (the `train` extra). Asked for per test, not at import: importing peft pulls in transformers
    and torch, ~5.6 s that every pytest worker paid while merely collecting this file."""
    pytest.importorskip("peft")


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_finetune_covers_every_linear_layer_and_is_reproducible() -> None:
    first = finetune(TEXTS, LABELS, config=TINY)
    again = finetune(TEXTS, LABELS, config=TINY)
    assert len(first.factors) == 6 * 6  # six blocks, six linear layers each
    assert all(a.shape[0] == 2 and b.shape[1] == 2 for a, b in first.factors.values())
    assert first.scale == 2.0
    assert first.digest == again.digest


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_train_writes_what_the_detector_loads(tmp_path: Path) -> None:
    """The whole command on a small labelled file: adapter, head (naming the adapter), extraction models."""
    from moderation.detection.train import train

    data = tmp_path / "small.jsonl"
    rows = [
        {"id": f"r{i}", "text": t, "is_release": y, "split": split, "fields": {"model_type": "lora"} if y else {}}
        for i, (t, y) in enumerate(zip(TEXTS, LABELS, strict=True))
        for split in ("train", "dev")
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    info = train(data, finetune_config=TINY, out_dir=tmp_path, log=False)
    head = Head.load(tmp_path / "detector_head.npz")
    assert head.adapter == info["adapter"] and head.adapter
    assert (tmp_path / "type_model.npz").is_file() and (tmp_path / "name_ranker.npz").is_file()
    det = Detector(head_path=tmp_path / "detector_head.npz", adapter_path=tmp_path / "detector_adapter.npz")
    assert det.model_status == "loaded"
    assert 0.0 < head.threshold < 1.0


def test_extraction_is_fitted_before_the_head_and_reloaded_when_shipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The head reads what extraction finds (a name, trigger words), so `train` fits extraction first and, when
    it writes the package's own files, drops the loaded ranker and type model so that the head's features come
    from the new ones. Writing elsewhere leaves the loaded (shipped) ones alone."""
    from moderation.detection import train as train_module
    from moderation.detection.evaluate import Example
    from moderation.extraction.model_type import load_type_model
    from moderation.extraction.name_rank import load_name_ranker

    rows = [
        Example(
            id=f"r{i}",
            text=t,
            is_release=y,
            split="train",
            kind="lora" if y else "chat",
            fields={"model_type": "lora", "model_name": "Neon"} if y else {},
        )
        for i, (t, y) in enumerate(zip(TEXTS, LABELS, strict=True))
    ]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    load_name_ranker(), load_type_model()
    train_module._fit_extraction_first(rows, rows, elsewhere)
    assert load_name_ranker.cache_info().currsize == 1 and load_type_model.cache_info().currsize == 1
    monkeypatch.setattr(train_module, "DEFAULT_OUT", tmp_path)
    try:
        train_module._fit_extraction_first(rows, rows, tmp_path)
        assert (tmp_path / "name_ranker.npz").is_file() and (tmp_path / "type_model.npz").is_file()
        assert load_name_ranker.cache_info().currsize == 0 and load_type_model.cache_info().currsize == 0
    finally:
        load_name_ranker.cache_clear(), load_type_model.cache_clear()  # the next caller loads the shipped files
