"""Unit tests: claimable values, stated permissions, similarity, decay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from moderation.provenance import claim_values, decayed, jaccard, normalise_link, parse_claim_value, parse_permissions
from moderation.provenance.similarity import cosine_scores, normalise_text, shingles
from norms.fields import Hash, Link, ReleaseFields

SHA = "4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        ("https://civitai.com/models/1234/ink-wash?modelVersionId=9", "civitai.com/models/1234"),
        ("civitai.com/models/1234", "civitai.com/models/1234"),
        ("https://huggingface.co/Ada/Neon/blob/main/x.safetensors", "huggingface.co/ada/neon"),
        ("https://hf.co/ada/neon", "huggingface.co/ada/neon"),
        ("https://huggingface.co/datasets/ada/pics", None),
        ("https://huggingface.co/ada", None),
        ("https://example.com/ada/neon", None),
        ("https://ko-fi.com/ada", None),
    ],
)
def test_links_reduce_to_model_identity(url: str, identity: str | None) -> None:
    """Only Hugging Face and Civitai model links count, reduced to the model."""
    assert normalise_link(url) == identity


def test_claim_values_from_fields() -> None:
    """Hashes lower-cased, arbitrary links dropped, duplicates merged."""
    fields = ReleaseFields(
        hashes=(Hash("sha256", SHA.upper()), Hash("autov2", "4F1C2B8E9D"), Hash("sha256", "short")),
        links=(
            Link("https://huggingface.co/ada/neon", "huggingface"),
            Link("https://huggingface.co/ada/neon/tree/main", "huggingface"),
            Link("https://example.com/x", "other"),
        ),
    )
    got = [(v.kind, v.value) for v in claim_values(fields)]
    assert got == [("sha256", SHA), ("autov2", "4f1c2b8e9d"), ("link", "huggingface.co/ada/neon")]


def test_parse_claim_value() -> None:
    """The claim command accepts a full hash, an AutoV2 or a model link, and nothing else."""
    assert parse_claim_value(SHA) is not None and parse_claim_value(SHA).kind == "sha256"  # type: ignore[union-attr]
    assert parse_claim_value("4F1C2B8E9D").value == "4f1c2b8e9d"  # type: ignore[union-attr]
    assert parse_claim_value("https://civitai.com/models/9/x").value == "civitai.com/models/9"  # type: ignore[union-attr]
    for bad in ("hello", "12345", "https://example.com/x", SHA[:-1]):
        assert parse_claim_value(bad) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No merges please. Credit required.", {"allow_derivatives": "false", "require_credit": "true"}),
        ("merges not allowed", {"allow_derivatives": "false"}),
        ("Merging is prohibited", {"allow_derivatives": "false"}),
        ("please don't merge this", {"allow_derivatives": "false"}),
        ("Feel free to merge, no credit needed", {"allow_derivatives": "true", "require_credit": "false"}),
        ("merges welcome! please credit", {"allow_derivatives": "true", "require_credit": "true"}),
        ("credit is not required", {"require_credit": "false"}),
        ("A LoRA for SDXL with a neon look.", {}),
    ],
)
def test_permission_phrases(text: str, expected: dict[str, str]) -> None:
    """Stated permissions, negatives before positives; silence stays unknown."""
    assert parse_permissions(text) == expected


def test_shingle_similarity_ignores_links_and_hashes_not_digits() -> None:
    """A copy with another link and hash is identical; another version number or another text is not."""
    a = f"Releasing Neon Dreams v2, a LoRA for SDXL. Trigger neondrm. https://huggingface.co/ada/neon {SHA}"
    b = f"Releasing Neon Dreams v2, a LoRA for SDXL. Trigger neondrm. https://huggingface.co/bo/neon {SHA[::-1]}"
    c = "Ink Wash Mix 1.0 is out: a merge for SD 1.5 with soft brush strokes, license creativeml-openrail-m."
    assert normalise_text(a) == normalise_text(b)
    assert jaccard(shingles(a), shingles(b)) == 1.0
    assert 0.8 < jaccard(shingles(a), shingles(a.replace("v2", "v3"))) < 1.0
    assert jaccard(shingles(a), shingles(c)) < 0.2
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_cosine_scores() -> None:
    """Cosine against each row; zero rows are safe."""
    q = np.array([1.0, 0.0], np.float32)
    rows = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], np.float32)
    assert cosine_scores(q, rows) == pytest.approx([1.0, 0.0, 0.0])
    assert cosine_scores(q, np.zeros((0, 2), np.float32)) == []


def test_decay_halves_every_half_life() -> None:
    """An endorsement one half-life old counts 0.5, two half-lives 0.25."""
    now = datetime(2026, 6, 1, tzinfo=UTC)
    hl = timedelta(days=90)
    assert decayed([now], now, hl) == pytest.approx(1.0)
    assert decayed([now - hl, now - 2 * hl], now, hl) == pytest.approx(0.75)
    assert decayed([(now - hl).replace(tzinfo=None)], now, hl) == pytest.approx(0.5)
