"""The exact bound: candidates whose rule features keep the head below its threshold skip the encoder.

The claim is that the bound changes no verdict, for *any* encoder that returns unit-length rows. The fakes
below are the adversaries that claim must survive: one returns, for every text, the unit vector that lifts
the head's score the most (w_e / ||w_e||), one the vector that lowers it the most. If the bound left out a
term, or measured the reach of the wrong weights, the lifting encoder would turn a "bound" negative into a
positive and the comparison with `Detector(bound=False)` would fail.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from moderation.detection import Detector
from moderation.detection.embedder import EMBEDDING_DIM
from moderation.detection.evaluate import Example, load_examples
from moderation.detection.features import FEATURE_NAMES, rule_view
from moderation.detection.head import Head
from moderation.detection.lexical import load_lexical
from moderation.detection.train import DEFAULT_DATA
from tests.detection.test_batching import FakeEncoder


@pytest.fixture
def small_reach_head(tmp_path: Path) -> Path:
    """The shipped head with its embedding weights scaled down: a head the bound can settle messages for.

    The bound's claim holds for any linear head; the shipped real-text head leans on the embedding so much
    (large ||w_e||) that the bound settles nothing on the labelled set, and a test of an exact bound that
    settles nothing proves nothing."""
    shipped = Head.load()
    weights = shipped.weights.copy()
    weights[:EMBEDDING_DIM] *= 0.25
    head = dataclasses.replace(shipped, weights=weights)
    path = tmp_path / "head.npz"
    head.save(path)
    return path


def _directed_encoder(sign: float, head_path: Path) -> FakeEncoder:
    """An encoder that returns the same unit vector for every text: the head's own embedding direction,
    times `sign` (the vector that lifts, or lowers, every score the most)."""
    weights = Head.load(head_path).weights[:EMBEDDING_DIM]
    vector = (sign * weights / np.linalg.norm(weights)).astype(np.float32)
    return FakeEncoder(vector=lambda _text: vector)


def _items(examples: list[Example]) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.text, e.attachments) for e in examples]


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["lifting", "lowering"])
def test_the_bound_changes_no_verdict_even_for_an_adversarial_encoder(
    examples: list[Example], sign: float, small_reach_head: Path
) -> None:
    """Every labelled message gets the same verdict with and without the bound, under the encoder that lifts
    (or lowers) every score as far as a unit vector can; the bound's score is never below the model's."""
    items = _items(examples)
    full_encoder = _directed_encoder(sign, small_reach_head)
    bound_encoder = _directed_encoder(sign, small_reach_head)
    full = Detector(embedder=full_encoder, bound=False, gate=False, head_path=small_reach_head).detect_many(items)
    bounded = Detector(embedder=bound_encoder, gate=False, head_path=small_reach_head).detect_many(items)

    assert [d.is_release for d in bounded] == [d.is_release for d in full]
    settled = [i for i, d in enumerate(bounded) if d.stage == "bound"]
    assert settled, "the bound settled nothing: the test proves nothing"
    assert all(full[i].stage == "model" and not full[i].is_release for i in settled)
    head = Head.load(small_reach_head)
    assert all(full[i].score <= bounded[i].score < head.threshold for i in settled)
    # Two forms of the bound: on the lexical score alone (the head's ceiling over every rule feature and
    # embedding), before the rule features are computed; then with the rule features.
    lexical = load_lexical()
    assert lexical is not None
    ceiling = head.mixed(
        np.full(len(items), head.ceiling(len(FEATURE_NAMES))), lexical.probabilities([t for t, _ in items])
    )
    early = [i for i in settled if ceiling[i] < head.threshold]
    later = [i for i in settled if ceiling[i] >= head.threshold]
    assert early and later, "each form of the bound must settle something for the test to prove anything"
    assert all(bounded[i].score == pytest.approx(ceiling[i]) for i in early)
    if sign > 0:  # the lifting encoder reaches the bound: it is the true maximum, not a loose one
        assert max(bounded[i].score - full[i].score for i in later) < 1e-4
    assert sum(bound_encoder.calls) == sum(full_encoder.calls) - len(settled)


@pytest.mark.slow
def test_the_real_model_gives_the_same_verdicts_with_the_bound_and_the_cheap_stages_spare_the_encoder(
    examples: list[Example],
) -> None:
    """The shipped model: the same verdicts and fields with and without the bound (exact); the bound and the
    learned gate together keep the encoder off most on-topic negatives, and the gate turns away none of the
    messages the head alone calls releases; the stage counters add up.

    Which of the two does the sparing depends on the fit: with session 12's head the gate turned away >= 10%
    of what reached it; session 13's gives the lexical model more weight (mix 0.8), so the bound settles
    nearly everything first and the gate, whose threshold must pass every dev release the mix keeps, turns
    away none of the rest (docs/detection.md, "The exact bound")."""
    items = _items(examples)
    full = Detector(bound=False, gate=False).detect_many(items)
    bounded = Detector(gate=False).detect_many(items)
    assert [(d.is_release, d.fields) for d in bounded] == [(d.is_release, d.fields) for d in full]

    shipped = Detector()
    got = shipped.detect_many(items)
    on_topic_negatives = [i for i, d in enumerate(full) if d.stage == "model" and not d.is_release]
    head_keeps = [i for i, d in enumerate(full) if d.is_release]
    gated = [i for i, d in enumerate(got) if d.stage == "gate"]
    spared = [i for i in on_topic_negatives if got[i].stage in ("bound", "gate")]
    assert len(spared) >= 0.5 * len(on_topic_negatives)
    assert len(set(gated) & set(head_keeps)) <= 0.01 * len(head_keeps)
    assert all(not got[i].is_release and got[i].score < 0.5 for i in gated)
    stats = shipped.bound_stats
    assert stats["gated"] == len(gated)
    assert stats["settled"] == sum(d.stage == "bound" for d in got)
    assert stats["encoded"] == sum(d.stage == "model" for d in got)


def test_the_ceiling_bounds_every_score_the_head_can_give() -> None:
    """For random heads, no combination of rule features in [0, 1] and unit embedding scores above
    `Head.ceiling`, and the features that maximise the score reach it."""
    rng = np.random.default_rng(11)
    k = len(FEATURE_NAMES)
    for _ in range(20):
        head = Head(
            weights=rng.standard_normal(EMBEDDING_DIM + k),
            bias=float(rng.normal()),
            threshold=0.5,
            feature_names=tuple(f"emb{i}" for i in range(EMBEDDING_DIM)) + FEATURE_NAMES,
        )
        rules = rng.random((200, k)).astype(np.float32)
        rules[:50] = rng.integers(0, 2, size=(50, k))
        embeddings = rng.standard_normal((200, EMBEDDING_DIM)).astype(np.float32)
        embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
        ceiling = head.ceiling(k)
        assert np.all(head.scores(np.hstack([embeddings, rules])) <= ceiling)
        best = (head.weights[-k:] > 0).astype(np.float32)[None, :]
        assert head.highest_scores(best)[0] == pytest.approx(ceiling, rel=1e-6)
    with pytest.raises(ValueError, match="rule features"):
        head.ceiling(0)


def test_rule_features_lie_in_the_unit_interval(examples: list[Example]) -> None:
    """The ceiling assumes every rule feature is in [0, 1]: checked on every labelled message and the corpus's
    dev split (long texts, other scripts)."""
    texts = [(e.text, e.attachments) for e in examples]
    texts += [(e.text, e.attachments) for e in load_examples(DEFAULT_DATA, split="dev")]
    texts += [("x" * 200_000, ()), ("", ()), ("??? " * 500, ())]
    vectors = np.stack([rule_view(t, a).vector for t, a in texts])
    assert vectors.min() >= 0.0 and vectors.max() <= 1.0


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
