"""`when:` applicability clauses."""

from __future__ import annotations

from norms.when import build_when
from tests.norms.factories import ctx


def test_field_values_compare_case_insensitively() -> None:
    """`model_type: [lora]` applies to 'LoRA'."""
    w = build_when({"model_type": ["lora", "merge"]})
    assert w.applies(ctx(model_type="LoRA"))
    assert not w.applies(ctx(model_type="checkpoint"))
    assert not w.applies(ctx())


def test_list_fields_match_any_element() -> None:
    """A list field applies when any element is listed."""
    assert build_when({"trigger_words": ["x"]}).applies(ctx(trigger_words=["a", "X"]))


def test_nsfw_true_needs_an_explicit_true() -> None:
    """Unknown NSFW is not NSFW for `when: {nsfw: true}`."""
    w = build_when({"nsfw": True})
    assert w.applies(ctx(nsfw=True)) and not w.applies(ctx(nsfw=False)) and not w.applies(ctx())


def test_present_absent_and_channel() -> None:
    """`present`, `absent` and `channel_nsfw` all must hold (AND)."""
    w = build_when({"present": ["license"], "absent": ["parents"], "channel_nsfw": False})
    assert w.applies(ctx(license="mit", channel_nsfw=False))
    assert not w.applies(ctx(license="mit", channel_nsfw=True))
    assert not w.applies(ctx(license="mit", parents=["A"], channel_nsfw=False))
    assert not w.applies(ctx(channel_nsfw=False))
