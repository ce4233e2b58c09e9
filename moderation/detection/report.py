"""The figures `normbot eval` prints, computed in one place so tests and docs agree with the CLI.

On one split of a labelled file (default: the real corpus's test split) it scores, side by side, the plain
keyword rule, the rules-only detector, the lexical model alone (the fallback without the encoder) and the
shipped detector; the shipped detector per language group;
what each cheap stage of the cascade costs in recall (and how many announcements it drops that the head,
run on everything, would have kept); and extraction per field on the split's announcements.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from moderation.detection.baseline import keyword_rule
from moderation.detection.detector import Detection, Detector
from moderation.detection.evaluate import (
    ALWAYS_SCORED,
    LANG_GROUPS,
    Example,
    binary_scores,
    field_scores,
    load_examples,
)
from moderation.detection.lexical import load_lexical
from moderation.detection.prefilter import passes as prefilter_passes
from moderation.extraction import extract

__all__ = ["TARGET_F1", "TARGET_FIELDS", "evaluate_all"]

TARGET_F1 = 0.92
TARGET_FIELDS = {"links": 0.95, "model_name": 0.85, "base_model": 0.85, "model_type": 0.85}
"""The detection issue's targets on the real corpus's test split."""


def _stage_costs(
    examples: Sequence[Example], cascade: Sequence[Detection], full: Sequence[Detection]
) -> dict[str, Any]:
    """For the announcements of `examples`: how many each stage turned away, and how many of those the head
    alone (`full`, every message through the encoder) would have kept: the recall a cheap stage costs."""
    out: dict[str, Any] = {}
    positives = [i for i, e in enumerate(examples) if e.is_release]
    for stage in ("prefilter", "rules", "gate", "bound", "model"):
        dropped = [i for i in positives if not cascade[i].is_release and cascade[i].stage == stage]
        out[stage] = {
            "dropped": len(dropped),
            "dropped_head_keeps": sum(1 for i in dropped if full[i].is_release),
        }
    out["positives"] = len(positives)
    out["head_alone_recall"] = round(sum(full[i].is_release for i in positives) / max(1, len(positives)), 4)
    return out


def evaluate_all(path: Path, *, use_model: bool = True, split: str | None = "test") -> dict[str, Any]:
    """Everything `normbot eval` reports, for one split of `path` (None: every row)."""
    rows = load_examples(path)
    chosen = [e for e in rows if split is None or e.split == split]
    if not chosen:
        raise ValueError(f"no rows with split {split!r}")
    truth = [e.is_release for e in chosen]
    items = [(e.text, e.attachments) for e in chosen]
    verdicts: dict[str, list[bool]] = {"keyword": [keyword_rule(t, a) for t, a in items]}
    rules = Detector(use_model=False)
    verdicts["rules"] = [d.is_release for d in rules.detect_many(items)]
    lexical = load_lexical()
    if lexical is not None:  # the fallback without the encoder: the pre-filter, then the lexical model alone
        passed = [i for i, (t, a) in enumerate(items) if prefilter_passes(t, a)]
        probs = lexical.probabilities([items[i][0] for i in passed])
        hits = {i for i, p in zip(passed, probs.tolist(), strict=True) if p >= lexical.threshold}
        verdicts["lexical"] = [i in hits for i in range(len(items))]
    status = "rules-only: disabled"
    stages: dict[str, Any] | None = None
    threshold = rules.threshold
    if use_model:
        model = Detector(use_model=True)
        status = model.model_status
        threshold = model.threshold
        decided = model.detect_many(items)
        verdicts["model"] = [d.is_release for d in decided]
        if status == "loaded":
            model.cascade = False  # the same loaded model, every message to the head (no second load)
            full = model.detect_many(items)
            model.cascade = True
            stages = _stage_costs(chosen, decided, full)
    main = "model" if "model" in verdicts else "rules"
    detection = {name: binary_scores(truth, v).as_dict() for name, v in verdicts.items()}
    by_language: dict[str, dict[str, Any]] = {}
    for group in LANG_GROUPS:
        idx = [i for i, e in enumerate(chosen) if e.lang_group == group]
        if idx:
            by_language[group] = {
                "rows": len(idx),
                "positives": sum(truth[i] for i in idx),
                **{
                    name: binary_scores([truth[i] for i in idx], [v[i] for i in idx]).as_dict()
                    for name, v in verdicts.items()
                },
            }
    fields = field_scores(chosen, extract)
    acc = fields.accuracy()
    met = float(detection[main]["f1"]) >= TARGET_F1 and all(acc.get(f, 0.0) >= t for f, t in TARGET_FIELDS.items())
    return {
        "data": str(path),
        "split": split or "all",
        "model_status": status,
        "threshold": round(threshold, 4),
        "rows": len(chosen),
        "positives": sum(truth),
        "detection": detection,
        "main": main,
        "by_language": by_language,
        "stages": stages,
        "fields": acc,
        "field_counts": dict(sorted(fields.total.items())),
        "scored_fields": list(ALWAYS_SCORED),
        "field_misses": fields.misses[:50],
        "target_f1": TARGET_F1,
        "target_fields": TARGET_FIELDS,
        "targets_met": met,
    }
