"""Evaluate one release against a pack: one `NormResult` per norm, in pack order.

How a norm's outcome is decided (style.md example 5: applicability apart from checks):
1. `when` does not hold -> `not_applicable`.
2. Every automatic check runs; any `fail` -> `fail` (evidence from all failing checks).
3. Else any `needs_review` -> `needs_review`.
4. Else a check passed -> `pass`.
5. Else (nothing could decide): a norm with a `question` -> `needs_review`; otherwise `not_applicable`
   (e.g. `license_flowdown` when the base model is unknown; another norm asks for the base model).
"""

from __future__ import annotations

from norms.model import CheckOutcome, Norm, NormPack, NormResult, ReleaseContext

__all__ = ["evaluate", "evaluate_norm"]


def evaluate_norm(norm: Norm, ctx: ReleaseContext) -> NormResult:
    """The verdict of one norm (see the module docstring for the rules)."""

    def result(outcome: str, evidence: tuple[str, ...] = ()) -> NormResult:
        fix = norm.fix if outcome in ("fail", "needs_review") else None
        return NormResult(norm.id, norm.title, norm.need, norm.severity, outcome, evidence, fix)

    if norm.when is not None and not norm.when.applies(ctx):
        return result("not_applicable")
    outcomes: list[CheckOutcome] = [o for o in (c.run(ctx) for c in norm.checks) if o is not None]
    for wanted in ("fail", "needs_review", "pass"):
        hits = [o for o in outcomes if o.outcome == wanted]
        if hits:
            return result(wanted, tuple(e for o in hits for e in o.evidence))
    if norm.question:
        return result("needs_review", (norm.question,))
    return result("not_applicable", ("nothing to check: the fields this norm needs are not stated",))


def evaluate(pack: NormPack, ctx: ReleaseContext) -> list[NormResult]:
    """Evaluate every norm of `pack` against `ctx`; never raises on any release."""
    return [evaluate_norm(norm, ctx) for norm in pack.norms]
