"""Stage 1: a cheap test that lets ordinary chat through without running anything expensive.

A message passes when its lowercased text contains one of the substrings in `moderation/data/prefilter.yaml`
or it has an attachment with a weight-file extension. Substring tests (`str.__contains__`, a C loop) on
short chat messages cost a few microseconds; the list is broad on purpose, because a message dropped
here is never seen again: stage 2 (`features.py`) and the model narrow it down.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import yaml

__all__ = ["PrefilterConfig", "config", "passes"]


@dataclass(frozen=True, slots=True)
class PrefilterConfig:
    """The substrings of `prefilter.yaml`, lowercased."""

    needles: tuple[str, ...]
    extensions: tuple[str, ...]
    release_phrases: tuple[str, ...]


@functools.cache
def config() -> PrefilterConfig:
    """Load the pre-filter lists once."""
    raw = resources.files("moderation.data").joinpath("prefilter.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    hosts = [str(h).lower() for h in data["hosts"]]
    exts = [str(e).lower() for e in data["extensions"]]
    words = [str(k).lower() for k in data["keywords"]]
    # Most frequent first: `any()` stops at the first hit.
    return PrefilterConfig(
        needles=tuple(dict.fromkeys([*hosts, *exts, *words])),
        extensions=tuple(e.strip() for e in exts if e.startswith(".")),
        release_phrases=tuple(str(p).lower() for p in data["release_phrases"]),
    )


def passes(text: str, attachments: Sequence[str] = ()) -> bool:
    """Whether the message might announce a release and must go to the next stage."""
    cfg = config()
    for name in attachments:
        if name.lower().endswith(cfg.extensions):
            return True
    low = text.lower()
    return any(n in low for n in cfg.needles)
