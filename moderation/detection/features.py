"""Stage 2: rule features of a message, the rules-only baseline (`RulesDetector`) and its shape gate.

The features are cheap facts about a message (does it link a model host, name a weight file, state a
license...), read off `extract(..., infer_type=False)` (what the text states), plus cue words for the hard
negatives that look like releases (questions, bug reports, someone else's release, software/dataset/paper
news, work in progress). They serve four purposes: the rules-only baseline scores them with fixed weights;
the trained head and the learned gate (`gate.py`) use them next to the sentence embedding and hashed words;
and `needs_model`, the hand-written shape gate, turns away messages without the shape of an announcement
when the model is off (on real text it turned away many of the releases the head keeps, so it no longer
sits in front of the model unless `Detector(rule_gate=True)` asks for it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from moderation.detection.prefilter import config
from moderation.extraction import extract
from norms.fields import ReleaseFields

__all__ = ["FEATURE_NAMES", "GATE_SCORE", "RuleView", "RulesDetector", "rule_view"]

GATE_SCORE = 0.05
"""Rules score below which a pre-filtered message is a negative without asking the model."""

_QUESTION_START = (
    "does ", "do ", "is ", "are ", "anyone", "any one", "how ", "what", "which", "why ", "where", "can ",
    "could ", "should ", "has anyone", "have you", "wo ", "wie ", "¿", "alguien", "alguém", "кто", "有人",
)  # fmt: skip
_THIRD_PARTY = (
    "did you see", "did u see", "have you seen", "someone", "somebody", "heads up", "fyi", " by @",
    "'s new", "reupload", "re-upload", "anyone tested", "anyone tried", "just put out",
    "alguém viu", "meta ", "stability ", "black forest", "from @", "ngl", "imo",
)  # fmt: skip
_NOT_WEIGHTS = (
    "dataset", "datasets/", "arxiv", "paper", "preprint", "changelog", "release notes", "/releases", "pip install",
    "new nodes", "sampler nodes", "tutorial", "guide:", "how to", "how i ", "step by step", "psa", "tip:",
)  # fmt: skip
_BUG = (
    "error", "traceback", "bug", "crash", "exception", "doesn't work", "does nothing", "not working", "segfault",
    "gibberish", "corrupted", "mismatch", "black images", "loops forever", "what did i do wrong",
)  # fmt: skip
_WIP = ("training ", "wip", "soon", "not released", "not yet", "epoch", "preview", "working on", "steps in")
_REQUEST = ("could someone", "can someone", "request", "pls", "please make", "will pay", "will tip", "commission")
_HOST_WORDS = ("civitai", "huggingface", "hugging face", " hf ", "hf:", "tensor.art", "modelscope", "liblib", "ollama")
_OTHER_MODEL_HOSTS = ("tensor.art", "modelscope.cn", "liblib.art", "ollama.com", "seaart.ai")
_FIRST_PERSON = ("my ", "i ", "i'm", "we ", "we've", "our ", "mine", "finally", "i've", "mein", "mi ", "nuestro")

FEATURE_NAMES: tuple[str, ...] = (
    "model_host_link", "any_link", "weight_file", "hash", "type_keyword", "release_phrase", "license",
    "base_model", "trigger_words", "version", "model_name", "question", "third_party", "not_weights", "bug",
    "wip", "request", "first_person", "log_length", "host_mention",
)  # fmt: skip


def _has(low: str, cues: tuple[str, ...]) -> float:
    # A plain loop, not any(<generator>): the generator's per-cue resume cost was most of this function's
    # time, and rule_view calls it over ~150 cues per candidate.
    for cue in cues:
        if cue in low:
            return 1.0
    return 0.0


@dataclass(frozen=True, slots=True)
class RuleView:
    """The extracted fields and the feature vector of one message."""

    fields: ReleaseFields
    vector: npt.NDArray[np.float32]

    def feature(self, name: str) -> float:
        return float(self.vector[FEATURE_NAMES.index(name)])

    @property
    def needs_model(self) -> bool:
        """Whether the message has the shape of an announcement (the rules-only detector's gate).

        It needs the shape of one (a model-host link, a weight file or a hash, or a type keyword or a
        model host's name with release wording or stated metadata) and a rules score of at least
        `GATE_SCORE`. The gate score sits far below the rules' own 0.5 threshold (the weakest labelled
        announcement scores 0.5, z = 0; the gate is z = -2.9): it only spares the model messages that
        the rules find hopeless, such as a question about a bug with a log.
        """
        v = self.vector.tolist()
        structure = v[_I_HOST_LINK] or v[_I_WEIGHT_FILE] or v[_I_HASH]
        stated = v[_I_LICENSE] or v[_I_VERSION] or v[_I_TRIGGERS] or v[_I_BASE_MODEL]
        named = v[_I_TYPE] or v[_I_HOST_MENTION]
        shaped = bool(structure or (named and (v[_I_RELEASE_PHRASE] or stated)))
        return shaped and _rules_score(v) >= GATE_SCORE


def rule_view(text: str, attachments: Sequence[str] = ()) -> RuleView:
    """Extract fields and compute the rule features of a message."""
    fields = extract(text, attachments, infer_type=False)
    low = text[:5000].lower()
    head = low.lstrip()[:200]
    lead = " " + low  # word-start cues ("my ", " hf") also match at the start; not at the end: "hi" is no "i "
    vec = [
        1.0
        if any(
            link.kind in ("huggingface", "civitai") or _has(link.url.lower(), _OTHER_MODEL_HOSTS)
            for link in fields.links
        )
        else 0.0,
        1.0 if fields.links else 0.0,
        1.0 if any(f.format != "other" for f in fields.files) else 0.0,
        1.0 if fields.hashes else 0.0,
        1.0 if fields.model_type else 0.0,
        _has(low, config().release_phrases),
        1.0 if fields.license else 0.0,
        1.0 if fields.base_model else 0.0,
        1.0 if fields.trigger_words else 0.0,
        1.0 if fields.version else 0.0,
        1.0 if fields.model_name else 0.0,
        1.0 if head.startswith(_QUESTION_START) or low.rstrip().endswith("?") else 0.0,
        _has(low, _THIRD_PARTY),
        _has(low, _NOT_WEIGHTS),
        _has(low, _BUG),
        _has(low, _WIP),
        _has(low, _REQUEST),
        _has(lead, _FIRST_PERSON),
        min(1.0, math.log1p(len(text)) / 8.0),
        _has(lead + " ", _HOST_WORDS),
    ]
    return RuleView(fields, np.asarray(vec, dtype=np.float32))


# Hand-set weights of the keyword baseline (not trained: it is the "what a careful regex author would
# write" reference the model has to beat).
_RULE_WEIGHTS = {
    "model_host_link": 1.5, "weight_file": 1.5, "hash": 0.5, "type_keyword": 1.0, "release_phrase": 1.5,
    "license": 1.0, "base_model": 0.5, "trigger_words": 1.0, "version": 0.5, "question": -2.0,
    "third_party": -1.5, "not_weights": -1.5, "bug": -2.0, "wip": -1.5, "request": -2.0, "first_person": 0.3,
}  # fmt: skip
_RULE_BIAS = -3.0
_RULE_TERMS = tuple((FEATURE_NAMES.index(name), weight) for name, weight in _RULE_WEIGHTS.items())
"""(feature index, weight) in `_RULE_WEIGHTS` order: the score adds the same products in the same order as
when it looked each name up, so it is bit-for-bit the same (the weakest labelled announcement sits exactly
on the 0.5 threshold, z = 0, so even the last bit matters)."""
(
    _I_HOST_LINK, _I_WEIGHT_FILE, _I_HASH, _I_LICENSE, _I_VERSION, _I_TRIGGERS, _I_BASE_MODEL, _I_TYPE,
    _I_HOST_MENTION, _I_RELEASE_PHRASE,
) = (
    FEATURE_NAMES.index(name)
    for name in (
        "model_host_link", "weight_file", "hash", "license", "version", "trigger_words", "base_model",
        "type_keyword", "host_mention", "release_phrase",
    )
)  # fmt: skip


def _rules_score(values: list[float]) -> float:
    """The baseline's score from the feature values as Python floats (`vector.tolist()`)."""
    z = _RULE_BIAS + sum([w * values[i] for i, w in _RULE_TERMS])
    return 1.0 / (1.0 + math.exp(-z))


class RulesDetector:
    """The keyword/rules baseline: a fixed linear score over the rule features, no model."""

    __slots__ = ("threshold",)

    def __init__(self, *, threshold: float = 0.5) -> None:
        self.threshold = threshold

    @staticmethod
    def score_view(view: RuleView) -> float:
        """Probability-like score in [0, 1] from the rule features."""
        return _rules_score(view.vector.tolist())

    def score(self, text: str, attachments: Sequence[str] = ()) -> float:
        """Score one message."""
        return self.score_view(rule_view(text, attachments))

    def is_release(self, text: str, attachments: Sequence[str] = ()) -> bool:
        """Whether the baseline calls the message an announcement."""
        return self.score(text, attachments) >= self.threshold
