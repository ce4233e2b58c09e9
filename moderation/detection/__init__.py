"""Release detection: pre-filter, rule gate, MiniLM + trained head. See `detector.py` and docs/detection.md."""

from moderation.detection.detector import Detection, Detector
from moderation.detection.features import RulesDetector
from moderation.detection.prefilter import passes as prefilter_passes

__all__ = ["Detection", "Detector", "RulesDetector", "prefilter_passes"]
