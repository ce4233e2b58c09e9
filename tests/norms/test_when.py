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


def test_license_compares_any_spelling() -> None:
    """`license: [creativeml-openrail-m]` applies to 'CreativeML Open RAIL-M'."""
    w = build_when({"license": ["creativeml-openrail-m"]})
    assert w.applies(ctx(license="CreativeML Open RAIL-M")) and not w.applies(ctx(license="mit"))


def test_base_license_uses_the_license_table() -> None:
    """`base_license` holds for every spelling of a base under that license, and not for unknown bases."""
    w = build_when({"base_license": ["flux-1-dev-non-commercial-license"]})
    assert w.applies(ctx(base_model="Flux.1 D")) and w.applies(ctx(base_model="black-forest-labs/FLUX.1-dev"))
    assert not w.applies(ctx(base_model="Flux.1 Schnell"))
    assert not w.applies(ctx(base_model="homebrew")) and not w.applies(ctx())
