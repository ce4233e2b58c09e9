"""Stage 2: rule features of a message, the keyword baseline (`RulesDetector`), and the gate to the model.

The features are cheap facts about a message (does it link a model host, name a weight file, state a
license...), mostly read off `extract()`, plus cue words for the hard negatives that look like releases
(questions, bug reports, someone else's release, software/dataset/paper news, work in progress). They
serve three purposes: the rules-only baseline scores them with fixed weights, the trained head uses them
next to the sentence embedding, and `needs_model` decides which pre-filtered messages are worth the
model at all (a message with no link, file, hash or type keyword plus release wording is not an
announcement, whatever the model would say).
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
    return 1.0 if any(c in low for c in cues) else 0.0


@dataclass(frozen=True, slots=True)
class RuleView:
    """The extracted fields and the feature vector of one message."""

    fields: ReleaseFields
    vector: npt.NDArray[np.float32]

    def feature(self, name: str) -> float:
        return float(self.vector[FEATURE_NAMES.index(name)])

    @property
    def needs_model(self) -> bool:
        """Whether the message may be an announcement, so the model must look at it.

        It needs the shape of one (a model-host link, a weight file or a hash, or a type keyword or a
        model host's name with release wording or stated metadata) and a rules score of at least
        `GATE_SCORE`. The gate score sits far below the rules' own 0.5 threshold (the weakest labelled
        announcement scores 0.5, z = 0; the gate is z = -2.9): it only spares the model messages that
        the rules find hopeless, such as a question about a bug with a log.
        """
        v = dict(zip(FEATURE_NAMES, self.vector.tolist(), strict=True))
        structure = v["model_host_link"] or v["weight_file"] or v["hash"]
        stated = v["license"] or v["version"] or v["trigger_words"] or v["base_model"]
        named = v["type_keyword"] or v["host_mention"]
        shaped = bool(structure or (named and (v["release_phrase"] or stated)))
        return shaped and RulesDetector.score_view(self) >= GATE_SCORE


def rule_view(text: str, attachments: Sequence[str] = ()) -> RuleView:
    """Extract fields and compute the rule features of a message."""
    fields = extract(text, attachments)
    low = text[:5000].lower()
    head = low.lstrip()[:200]
    vec = [
        1.0
        if any(
            link.kind in ("huggingface", "civitai") or any(h in link.url.lower() for h in _OTHER_MODEL_HOSTS)
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
        _has(" " + low, _FIRST_PERSON),
        min(1.0, math.log1p(len(text)) / 8.0),
        _has(" " + low + " ", _HOST_WORDS),
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


class RulesDetector:
    """The keyword/rules baseline: a fixed linear score over the rule features, no model."""

    __slots__ = ("threshold",)

    def __init__(self, *, threshold: float = 0.5) -> None:
        self.threshold = threshold

    @staticmethod
    def score_view(view: RuleView) -> float:
        """Probability-like score in [0, 1] from the rule features."""
        z = _RULE_BIAS + sum(w * view.feature(n) for n, w in _RULE_WEIGHTS.items())
        return 1.0 / (1.0 + math.exp(-z))

    def score(self, text: str, attachments: Sequence[str] = ()) -> float:
        """Score one message."""
        return self.score_view(rule_view(text, attachments))

    def is_release(self, text: str, attachments: Sequence[str] = ()) -> bool:
        """Whether the baseline calls the message an announcement."""
        return self.score(text, attachments) >= self.threshold
