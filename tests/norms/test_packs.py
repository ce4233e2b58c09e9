"""The built-in packs: baseline's coverage and examples, starter's template behaviour."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest

from moderation.extraction import extract
from norms import UnknownPackError, builtin_pack_names, load_builtin, load_pack, run_examples


def test_builtin_names() -> None:
    """baseline and starter ship with the package."""
    assert {"baseline", "starter"} <= set(builtin_pack_names())
    with pytest.raises(UnknownPackError, match="baseline"):
        load_builtin("nope")


def test_baseline_covers_all_three_needs_with_fixes() -> None:
    """At least 15 norms across harms, credit, ownership; each has a fix text for the creator."""
    pack = load_builtin("baseline")
    needs = Counter(n.need for n in pack.norms)
    assert len(pack.norms) >= 15 and set(needs) == {"harms", "credit", "ownership"} and min(needs.values()) >= 3
    assert all(n.fix for n in pack.norms)
    assert len(pack.questions()) >= 4 and all(n.answers for n in pack.questions())


def test_baseline_review_defaults() -> None:
    """72h window, quorum 2, members, reminders 24h/60h, 3 flags, 5 flags/hour, escalate after 48h."""
    r = load_builtin("baseline").review
    assert (r.window, r.quorum, r.reviewers) == (timedelta(hours=72), 2, ("members",))
    assert r.reminders == (timedelta(hours=24), timedelta(hours=60))
    assert (r.flag_threshold, r.flag_rate_count, r.flag_rate_per) == (3, 5, timedelta(hours=1))
    assert r.escalate_after == timedelta(hours=48)


@pytest.mark.parametrize("name", ["baseline", "starter"])
def test_builtin_examples_all_hold(name: str) -> None:
    """Every example expectation of the built-in packs holds with the real extractor."""
    pack = load_builtin(name)
    outcomes = run_examples(pack, extract)
    failures = [f"{o.label()} {o.norm_id}: {o.expected} != {o.actual}" for o in outcomes if not o.ok]
    assert failures == []
    if name == "baseline":
        assert len(pack.examples) >= 20
        assert {o.actual for o in outcomes} == {"pass", "fail", "needs_review", "not_applicable"}


def test_starter_extends_overrides_switches_off_and_adds() -> None:
    """The template shows each inheritance feature once."""
    base, starter = load_builtin("baseline"), load_builtin("starter")
    assert starter.extends == ("baseline",)
    assert starter.switched_off == ("harm-intended-use",)
    assert starter.norm("credit-versioning").severity != base.norm("credit-versioning").severity  # type: ignore[union-attr]
    assert starter.norm("credit-sample-prompts") is not None and base.norm("credit-sample-prompts") is None


def test_starter_template_renames_cleanly(tmp_path: Path) -> None:
    """`normbot init` replaces the first `id: starter`; the copy loads with the new id and all examples hold."""
    text = resources.files("norms").joinpath("packs/starter.yaml").read_text(encoding="utf-8")
    assert text.count("\nid: starter\n") == 1
    f = tmp_path / "pixel-forge.yaml"
    f.write_text(text.replace("id: starter", "id: pixel-forge", 1), encoding="utf-8")
    pack = load_pack(f)
    assert pack.id == "pixel-forge"
    assert all(o.ok for o in run_examples(pack, extract))
