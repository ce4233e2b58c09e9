"""The labelled set keeps the properties the evaluation relies on."""

from __future__ import annotations

from collections import defaultdict

from moderation.detection.evaluate import Example
from norms.fields import ReleaseFields


def test_size_and_balance(examples: list[Example]) -> None:
    """At least 450 messages, at least 40% hard negatives, both splits populated."""
    assert len(examples) >= 450
    hard = [e for e in examples if not e.is_release and e.kind != "chat"]
    assert len(hard) / len(examples) >= 0.40
    test = [e for e in examples if e.split == "test"]
    assert 0.2 <= len(test) / len(examples) <= 0.4


def test_ids_unique_and_positives_labelled(examples: list[Example]) -> None:
    """Ids are unique; every positive has fields that parse as ReleaseFields."""
    assert len({e.id for e in examples}) == len(examples)
    for e in examples:
        if e.is_release:
            assert e.fields.get("model_type"), e.id
            ReleaseFields.from_json(e.fields)


def test_template_families_do_not_straddle_splits(examples: list[Example]) -> None:
    """A generated family is wholly train or wholly test, so test is not a near copy of train."""
    splits: dict[str, set[str]] = defaultdict(set)
    for e in examples:
        family = e.id.rsplit("-", 1)[0]
        if family != "hand":
            splits[family].add(e.split)
    assert splits and all(len(s) == 1 for s in splits.values())


def test_positive_kinds_and_languages_covered(examples: list[Example]) -> None:
    """Positives span LoRAs, checkpoints, merges, quantizations, fine-tunes, embeddings and other languages."""
    types = {e.fields.get("model_type") for e in examples if e.is_release}
    assert {"lora", "checkpoint", "merge", "quantization", "finetune", "embedding"} <= types
    assert any(e.kind == "non-english" for e in examples)
