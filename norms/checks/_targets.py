"""What `forbid`/`match` patterns look at: one name per piece of a release.

Why the cap: pattern work grows with the characters scanned, so a target's values are cut to
`MAX_SUBJECT` characters in total (and `MAX_VALUES` values); see norms/patterns.py.
"""

from __future__ import annotations

from norms.model import ReleaseContext
from norms.patterns import MAX_SUBJECT, clip

__all__ = ["MAX_VALUES", "TARGETS", "values_for"]

TARGETS = (
    "text",
    "links",
    "files",
    "trigger_words",
    "model_name",
    "license",
    "base_model",
    "version",
    "model_type",
    "parents",
    "hashes",
)


MAX_VALUES = 100
"""Values of one list target a pattern sees (each search has a fixed overhead, however short the value)."""


def values_for(target: str, ctx: ReleaseContext) -> tuple[str, ...]:
    """The strings a pattern on `target` is matched against (empty when the release does not state it),
    cut to MAX_SUBJECT characters in total and MAX_VALUES values."""
    out: list[str] = []
    room = MAX_SUBJECT
    for value in _all_values(target, ctx)[:MAX_VALUES]:
        if room <= 0:
            break
        out.append(clip(value, room))
        room -= len(value)
    return tuple(out)


def _all_values(target: str, ctx: ReleaseContext) -> tuple[str, ...]:
    f = ctx.fields
    if target == "text":
        return (ctx.text,) if ctx.text else ()
    if target == "links":
        return tuple(link.url for link in f.links)
    if target == "files":
        return tuple(ref.name for ref in f.files)
    if target == "hashes":
        return tuple(h.value for h in f.hashes)
    if target in ("trigger_words", "parents"):
        return tuple(getattr(f, target))
    value = getattr(f, target, None)
    return (value,) if isinstance(value, str) and value else ()
