"""How a norm's outcome is decided from `when`, its checks and its question."""

from __future__ import annotations

from norms import NormResult, ReleaseContext, ReleaseFields, evaluate, load_builtin
from norms.evaluate import evaluate_norm
from tests.norms.factories import ctx, one_norm, pack_with


def test_not_applicable_when_when_fails() -> None:
    """`when` is checked before any check runs."""
    n = one_norm(when={"model_type": ["merge"]}, require=["parents"])
    assert evaluate_norm(n, ctx(model_type="lora")).outcome == "not_applicable"
    assert evaluate_norm(n, ctx(model_type="merge")).outcome == "fail"


def test_any_failing_check_fails_with_all_failure_evidence() -> None:
    """require passes, forbid fails -> fail; evidence comes from the failing check only."""
    n = one_norm(require=["license"], forbid={"files": r"\.ckpt$"}, fix="Use safetensors.")
    r = evaluate_norm(n, ctx(license="mit", files=["a.ckpt"]))
    assert r == NormResult("n", "n", "credit", "warn", "fail", ("files: a.ckpt",), "Use safetensors.")


def test_pass_has_no_fix() -> None:
    """The fix text is only attached when there is something to fix."""
    n = one_norm(require=["license"], fix="Add one.")
    r = evaluate_norm(n, ctx(license="mit"))
    assert (r.outcome, r.fix) == ("pass", None)


def test_question_only_norm_needs_review() -> None:
    """A question with no automatic check -> needs_review with the question as evidence."""
    n = one_norm(question="Consent documented?", answers=["yes", "no"])
    r = evaluate_norm(n, ctx())
    assert (r.outcome, r.evidence) == ("needs_review", ("Consent documented?",))
    assert n.answers == ("yes", "no")


def test_question_defers_to_a_deciding_check() -> None:
    """Hybrid norm: an automatic decision wins; undecided checks leave it to reviewers."""
    n = one_norm(license_allow=["mit"], question="License ok?")
    assert evaluate_norm(n, ctx(license="mit")).outcome == "pass"
    assert evaluate_norm(n, ctx(license="gpl-3.0")).outcome == "fail"
    assert evaluate_norm(n, ctx()).outcome == "needs_review"
    assert one_norm(question="q?").answers == ("yes", "no", "na")


def test_needs_review_from_a_check() -> None:
    """A check's needs_review (unknown license under a flow-down base) carries through."""
    n = one_norm(license_flowdown=True)
    assert evaluate_norm(n, ctx(base_model="SD 1.5", license="custom-thing")).outcome == "needs_review"


def test_undecided_without_question_is_not_applicable() -> None:
    """Nothing could decide and nobody is asked -> not_applicable."""
    assert evaluate_norm(one_norm(license_flowdown=True), ctx()).outcome == "not_applicable"


def test_evaluate_returns_one_result_per_norm_in_order() -> None:
    """evaluate() covers the whole pack in pack order."""
    pack = pack_with({"id": "a", "require": ["license"]}, {"id": "b", "question": "q?"})
    assert [(r.norm_id, r.outcome) for r in evaluate(pack, ctx())] == [("a", "fail"), ("b", "needs_review")]


def test_baseline_on_an_empty_release_never_raises() -> None:
    """An announcement with nothing extracted still gets a full, well-formed result list."""
    pack = load_builtin("baseline")
    results = evaluate(pack, ReleaseContext(ReleaseFields()))
    assert len(results) == len(pack.norms)
    assert {r.outcome for r in results} <= {"pass", "fail", "needs_review", "not_applicable"}
    assert next(r for r in results if r.norm_id == "credit-base-model").outcome == "fail"
