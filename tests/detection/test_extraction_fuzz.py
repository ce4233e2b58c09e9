"""Property tests: extract() never raises and always returns well-formed fields."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.extraction import extract
from norms.fields import LINK_KINDS, ReleaseFields
from tests.conftest import examples

_PIECES = st.sampled_from(
    [
        "**", "`", "```", "[x](", "https://civitai.com/models/1", "<https://hf.co/a/b>", "LoRA", "SDXL", "v1.2",
        "Trigger:", "license:", "MIT", "merge of", " + ", "(0.5)", "NSFW", "SFW", ".safetensors", "a" * 64,
        "Ab12Cd34Ef", "hash", "🌸", "\n", " ", "トリガー：", "基于", "Лицензия:", "based on", "by",
    ]
)  # fmt: skip
_MESSY = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=40).map("".join)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX10 = re.compile(r"^[0-9A-F]{10}$")


def _well_formed(f: ReleaseFields) -> None:
    assert all(link.kind in LINK_KINDS for link in f.links)
    for h in f.hashes:
        assert (h.kind == "sha256" and _HEX64.match(h.value)) or (h.kind == "autov2" and _HEX10.match(h.value))
    f.to_json()


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=2000), st.lists(st.text(max_size=40), max_size=3))
def test_never_raises_on_any_text(text: str, attachments: list[str]) -> None:
    """Arbitrary unicode and attachment names give well-formed fields."""
    _well_formed(extract(text, attachments))


@settings(max_examples=examples(300), deadline=None)
@given(_MESSY)
def test_never_raises_on_messy_announcements(text: str) -> None:
    """Fragments of real formatting glued at random give well-formed fields."""
    _well_formed(extract(text))


def test_adversarial_long_inputs_complete() -> None:
    """Inputs that make naive regexes backtrack (long runs before a missing suffix) still return."""
    texts = ("a" * 100_000, "1" * 100_000 + ".safetensors", "trigger:" * 15_000, "[" * 50_000, "merge of " * 10_000)
    for text in texts:
        _well_formed(extract(text))
