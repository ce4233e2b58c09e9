"""The figures `normbot eval` prints, computed in one place so tests and docs agree with the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moderation.detection.detector import Detector
from moderation.detection.evaluate import ALWAYS_SCORED, binary_scores, field_scores, load_examples
from moderation.detection.features import rule_view
from moderation.detection.prefilter import passes
from moderation.extraction import extract

__all__ = ["TARGET_F1", "TARGET_FIELD", "evaluate_all"]

TARGET_F1 = 0.95
TARGET_FIELD = 0.9


def evaluate_all(path: Path, *, use_model: bool = True) -> dict[str, Any]:
    """Detection scores (model and rules side by side) on the test split, field accuracy on its positives,
    and recall of the two cheap stages on every positive of the set."""
    everything = load_examples(path)
    test = [e for e in everything if e.split == "test"]
    if not test:
        raise ValueError("no rows with split 'test'")
    truth = [e.is_release for e in test]
    items = [(e.text, e.attachments) for e in test]
    detection: dict[str, dict[str, float | int]] = {}
    status = "rules-only: disabled"
    if use_model:
        model = Detector(use_model=True)
        status = model.model_status
        detection["model"] = binary_scores(truth, [d.is_release for d in model.detect_many(items)]).as_dict()
    rules = Detector(use_model=False)
    detection["rules"] = binary_scores(truth, [d.is_release for d in rules.detect_many(items)]).as_dict()
    positives = [e for e in everything if e.is_release]
    negatives = [e for e in everything if not e.is_release]
    pf_recall = sum(passes(e.text, e.attachments) for e in positives) / max(1, len(positives))
    gate_recall = sum(rule_view(e.text, e.attachments).needs_model for e in positives) / max(1, len(positives))
    neg_pass = sum(passes(e.text, e.attachments) for e in negatives) / max(1, len(negatives))
    fields = field_scores(test, extract)
    acc = fields.accuracy()
    main = detection.get("model", detection["rules"])
    met = float(main["f1"]) >= TARGET_F1 and all(acc.get(f, 0.0) >= TARGET_FIELD for f in ALWAYS_SCORED)
    return {
        "data": str(path),
        "model_status": status,
        "test_rows": len(test),
        "test_positives": sum(truth),
        "detection": detection,
        "prefilter_recall": round(pf_recall, 4),
        "gate_recall": round(gate_recall, 4),
        "prefilter_neg_pass": round(neg_pass, 4),
        "fields": acc,
        "scored_fields": list(ALWAYS_SCORED),
        "field_misses": fields.misses[:50],
        "target_f1": TARGET_F1,
        "target_field": TARGET_FIELD,
        "targets_met": met,
    }
