"""The lexical model: hashed TF-IDF word and character n-grams, logistic regression, mixed into the head."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.detection import Detector
from moderation.detection.head import Head
from moderation.detection.lexical import MAX_CHARS, LexicalModel, counts_of, load_lexical
from tests.conftest import examples
from tests.detection.test_batching import FakeEncoder

RELEASES = [
    "We're proud to release Parler-TTS v0.1, our first 300M-parameters model",
    "New LoRA: Moss Witch v1 for SDXL https://civitai.com/models/1",
    "We release the Foo-7B weights on Hugging Face: https://huggingface.co/foo/Foo-7B",
    "Uploaded GGUF quants of Bar-13B https://huggingface.co/me/Bar-13B-GGUF",
    "My merge Velvet Mix v2 is out https://civitai.com/models/2",
    "我们发布了 Qwen 的新模型权重",
]
OTHERS = [
    "Does anyone know which sampler works best for Flux?",
    "ComfyUI-Foo v1.3 adds support for Flux LoRAs",
    "We released the training code and the dataset today",
    "The download link in the README is broken",
    "anyone tried the new civitai generator? looks slow",
    "这个模型怎么用？有教程吗",
]


@pytest.fixture(scope="module")
def small_model() -> LexicalModel:
    pytest.importorskip("sklearn")
    return LexicalModel.fit(RELEASES + OTHERS, [True] * len(RELEASES) + [False] * len(OTHERS), c=10.0)


def test_fit_separates_what_it_was_fitted_on(small_model: LexicalModel) -> None:
    p = small_model.probabilities(RELEASES + OTHERS)
    assert p[: len(RELEASES)].min() > p[len(RELEASES) :].max()


def test_round_trip_keeps_scores_and_digest(small_model: LexicalModel, tmp_path: Path) -> None:
    path = tmp_path / "lexical.npz"
    small_model.save(path)
    again = LexicalModel.load(path)
    texts = RELEASES + OTHERS + ["", "   ", "x"]
    assert np.array_equal(again.probabilities(texts), small_model.probabilities(texts))
    assert again.digest == small_model.digest
    nudged = dataclasses.replace(small_model, bias=small_model.bias + 1e-3)
    assert nudged.digest != small_model.digest


def test_only_the_opening_is_read() -> None:
    """What comes after the first MAX_CHARS characters changes nothing (and costs nothing)."""
    opening = ("We release the Foo-7B weights today. " * 40)[:MAX_CHARS]
    assert counts_of(opening) == counts_of(opening + " a tail about something else entirely " * 1000)
    assert counts_of(opening) != counts_of("something else " + opening)


@given(st.text(max_size=300))
@settings(max_examples=examples(100))
def test_any_text_gets_a_probability(text: str) -> None:
    model = load_lexical()
    assert model is not None
    p = model.probabilities([text])
    assert p.shape == (1,) and 0.0 <= float(p[0]) <= 1.0


def test_the_shipped_head_mixes_the_shipped_model() -> None:
    """The shipped head's mix names the shipped lexical model; a detector with another model refuses the
    model (rules only, saying why) rather than mixing in scores its threshold was not chosen for."""
    head = Head.load()
    shipped = load_lexical()
    assert shipped is not None
    if not head.mix:
        pytest.fail("the shipped head does not mix in the lexical model: this test would prove nothing")
    assert head.lexical == shipped.digest
    other = dataclasses.replace(shipped, bias=shipped.bias + 0.5)
    detector = Detector(embedder=FakeEncoder(), lexical_model=other)
    status = detector.model_status
    assert status.startswith("lexical-only: head unreadable") and "lexical model" in status


def test_a_mixing_head_needs_the_lexical_scores() -> None:
    head = dataclasses.replace(Head.load(), mix=0.3)
    with pytest.raises(ValueError, match="lexical"):
        head.mixed(np.array([0.5]), None)
    assert np.allclose(dataclasses.replace(head, mix_platt=(1.0, 0.0)).mixed(np.array([0.5]), np.array([1.0])), [0.65])
    assert np.array_equal(dataclasses.replace(head, mix=0.0).mixed(np.array([0.25]), None), [0.25])


def test_the_final_score_is_calibrated_monotone_and_survives_a_round_trip(tmp_path: Path) -> None:
    """The mix's Platt scaling keeps the score increasing in both inputs (what the exact bound needs), is
    saved with the head, and a decreasing calibration is refused on load."""
    head = dataclasses.replace(Head.load(), mix=0.7, mix_platt=(1.9, 0.5))
    grid = np.linspace(0.0, 1.0, 21)
    for fixed in (0.0, 0.4, 1.0):
        assert np.all(np.diff(head.mixed(grid, np.full_like(grid, fixed))) > 0)
        assert np.all(np.diff(head.mixed(np.full_like(grid, fixed), grid)) > 0)
    path = tmp_path / "head.npz"
    head.save(path)
    again = Head.load(path)
    assert again.mix_platt == (1.9, 0.5) and again.mix == 0.7
    assert np.array_equal(again.mixed(grid, grid[::-1]), head.mixed(grid, grid[::-1]))
    dataclasses.replace(head, mix_platt=(-1.0, 0.0)).save(path)
    with pytest.raises(ValueError, match="increasing"):
        Head.load(path)
    dataclasses.replace(head, mix=1.0).save(path)  # the head's score would no longer count: no bound
    with pytest.raises(ValueError, match="share"):
        Head.load(path)


def test_a_damaged_shipped_file_is_treated_as_missing(caplog: pytest.LogCaptureFixture) -> None:
    """A shipped model file its loader cannot read (truncated, another format) means running without it, with
    one warning naming the file, not an exception on every message that asks for it."""
    from moderation.data import load_packaged

    def unreadable(path: Path) -> LexicalModel:
        raise ValueError(f"{path.name}: not a lexical model")

    with caplog.at_level(logging.WARNING):
        assert load_packaged("detector_lexical.npz", unreadable) is None
        assert load_packaged("no-such-file.npz", unreadable) is None  # missing: no warning
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "detector_lexical.npz" in warnings[0]


def _plain_counts(text: str, bits: int, max_chars: int, drop_urls: bool) -> tuple[dict[int, int], dict[int, int]]:
    """The n-gram counts as first written (one crc32 of the prefixed gram's bytes each, counted in a dict):
    what the shipped lexical and type models were fitted on."""
    import itertools
    import re
    import zlib

    mask = (1 << bits) - 1
    opening = text[:max_chars].lower()
    if drop_urls:
        opening = re.sub(r"https?://\S{1,2000}", " ", opening)
    words = re.findall(r"\b\w\w+\b|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", opening)
    word_counts: dict[int, int] = {}
    for gram in (*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))):
        h = zlib.crc32(("w" + gram).encode("utf-8", "surrogatepass")) & mask
        word_counts[h] = word_counts.get(h, 0) + 1
    char_counts: dict[int, int] = {}
    for token in opening.split():
        padded = f" {token} "
        for n in (2, 3, 4):
            for i in range(len(padded) - n + 1):
                h = zlib.crc32(("c" + padded[i : i + n]).encode("utf-8", "surrogatepass")) & mask
                char_counts[h] = char_counts.get(h, 0) + 1
    return word_counts, char_counts


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=300) | st.sampled_from(RELEASES + OTHERS + ["Ünïcödé ✨ 模型 mixed-ASCII", "\udcff x"]))
def test_ngram_counts_are_those_the_models_were_fitted_on(text: str) -> None:
    """`ngrams.counts_of` (session 14: crc32 continued from the block letter's, ASCII tokens sliced as bytes)
    gives the same buckets, counts and order as the plain version, for the lexical model's settings and the
    type model's, so the shipped weights read the same features."""
    from moderation.extraction.ngrams import counts_of as fast

    for bits, max_chars, drop_urls in ((18, 600, False), (15, 2000, True), (4, 50, False)):
        got = fast(text, bits=bits, max_chars=max_chars, drop_urls=drop_urls)
        want = _plain_counts(text, bits, max_chars, drop_urls)
        assert [list(got[0].items()), list(got[1].items())] == [list(want[0].items()), list(want[1].items())]
