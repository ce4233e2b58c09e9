"""What `forbid`/`match` patterns look at: one name per piece of a release."""

from __future__ import annotations

from norms.model import ReleaseContext

__all__ = ["TARGETS", "values_for"]

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


def values_for(target: str, ctx: ReleaseContext) -> tuple[str, ...]:
    """The strings a pattern on `target` is matched against (empty when the release does not state it)."""
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
