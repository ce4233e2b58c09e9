"""`question` + `answers`: a peer-review checklist item, for what no pattern can decide.

Why it is not a `Check`: consent of a real person or permission to re-upload needs human judgement, so a
question never decides automatically. Evaluation gives a norm `needs_review` when no automatic check of it
decided and it has a question; `NormPack.questions()` is the review checklist. `answers` defaults to
yes / no / na (the NeurIPS checklist style).

NEEDS_REVIEW::

    norm: {question: "Does this model depict a real person? If so, is consent documented?"}
    any release -> needs_review, evidence: the question

PASS/FAIL only through the norm's automatic checks, e.g. `forbid` on trigger words plus a question:
a forbidden trigger word fails at once; otherwise the screen passes and reviewers still see the question.
"""

from __future__ import annotations

__all__ = ["DEFAULT_ANSWERS", "ID"]

ID = "question"
DEFAULT_ANSWERS = ("yes", "no", "na")
