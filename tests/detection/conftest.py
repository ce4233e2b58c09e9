"""Fixtures for detection tests: the labelled set and one model-backed detector per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.detection import Detector
from moderation.detection.evaluate import Example, load_examples

DATA = Path(__file__).resolve().parents[1] / "data" / "releases.jsonl"


@pytest.fixture(scope="session")
def examples() -> list[Example]:
    return load_examples(DATA)


@pytest.fixture(scope="session")
def model_detector() -> Detector:
    """The real detector with the shipped MiniLM; loaded once for the whole session."""
    det = Detector(use_model=True)
    assert det.model_status == "loaded", det.model_status
    return det
