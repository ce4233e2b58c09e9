"""The exact bound: candidates whose rule features keep the head below its threshold skip the encoder.

The claim is that the bound changes no verdict, for *any* encoder that returns unit-length rows. The fakes
below are the adversaries that claim must survive: one returns, for every text, the unit vector that lifts
the head's score the most (w_e / ||w_e||), one the vector that lowers it the most. If the bound left out a
term, or measured the reach of the wrong weights, the lifting encoder would turn a "bound" negative into a
positive and the comparison with `Detector(bound=False)` would fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from moderation.detection import Detector
from moderation.detection.embedder import EMBEDDING_DIM
from moderation.detection.evaluate import Example
from moderation.detection.features import FEATURE_NAMES
from moderation.detection.head import Head
from tests.detection.test_batching import FakeEncoder


def _directed_encoder(sign: float) -> FakeEncoder:
    """An encoder that returns the same unit vector for every text: the head's own embedding direction,
    times `sign` (the vector that lifts, or lowers, every score the most)."""
    weights = Head.load().weights[:EMBEDDING_DIM]
    vector = (sign * weights / np.linalg.norm(weights)).astype(np.float32)
    return FakeEncoder(vector=lambda _text: vector)


def _items(examples: list[Example]) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.text, e.attachments) for e in examples]


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["lifting", "lowering"])
def test_the_bound_changes_no_verdict_even_for_an_adversarial_encoder(examples: list[Example], sign: float) -> None:
    """Every labelled message gets the same verdict with and without the bound, under the encoder that lifts
    (or lowers) every score as far as a unit vector can; the bound's score is never below the model's."""
    items = _items(examples)
    full_encoder, bound_encoder = _directed_encoder(sign), _directed_encoder(sign)
    full = Detector(embedder=full_encoder, bound=False).detect_many(items)
    bounded = Detector(embedder=bound_encoder).detect_many(items)

    assert [d.is_release for d in bounded] == [d.is_release for d in full]
    settled = [i for i, d in enumerate(bounded) if d.stage == "bound"]
    assert settled, "the bound settled nothing: the test proves nothing"
    assert all(full[i].stage == "model" and not full[i].is_release for i in settled)
    assert all(full[i].score <= bounded[i].score < Head.load().threshold for i in settled)
    if sign > 0:  # the lifting encoder reaches the bound: it is the true maximum, not a loose one
        assert max(bounded[i].score - full[i].score for i in settled) < 1e-4
    assert sum(bound_encoder.calls) == sum(full_encoder.calls) - len(settled)


def test_the_real_model_skips_most_on_topic_negatives_with_the_same_verdicts(examples: list[Example]) -> None:
    """The shipped int8 MiniLM: the same verdicts and fields with and without the bound; the bound settles
    most of the negatives that pass the rule gate, and no positive (positives always get the encoder)."""
    items = _items(examples)
    full = Detector(bound=False).detect_many(items)
    bounded = Detector()
    got = bounded.detect_many(items)

    assert [(d.is_release, d.fields) for d in got] == [(d.is_release, d.fields) for d in full]
    gated_negatives = [i for i, d in enumerate(full) if d.stage == "model" and not d.is_release]
    settled = [i for i, d in enumerate(got) if d.stage == "bound"]
    assert set(settled) <= set(gated_negatives)
    assert len(settled) >= 0.6 * len(gated_negatives)
    assert not any(examples[i].is_release for i in settled)
    assert bounded.bound_stats == {"settled": len(settled), "encoded": sum(d.stage == "model" for d in got)}


def test_highest_scores_bounds_random_unit_embeddings() -> None:
    """For a random head and many random unit embeddings, no score exceeds `highest_scores`; a head asked
    about a feature count it cannot have refuses instead of bounding the wrong weights."""
    rng = np.random.default_rng(3)
    k = len(FEATURE_NAMES)
    head = Head(
        weights=rng.standard_normal(EMBEDDING_DIM + k),
        bias=-0.5,
        threshold=0.5,
        feature_names=tuple(f"emb{i}" for i in range(EMBEDDING_DIM)) + FEATURE_NAMES,
    )
    rules = rng.integers(0, 2, size=(50, k)).astype(np.float32)
    embeddings = rng.standard_normal((50, EMBEDDING_DIM)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    scores = head.scores(np.hstack([embeddings, rules]))
    highest = head.highest_scores(rules)
    assert np.all(scores <= highest)
    with pytest.raises(ValueError, match="rule features"):
        head.highest_scores(np.zeros((1, EMBEDDING_DIM + k)))
