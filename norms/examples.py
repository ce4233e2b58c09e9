"""Run a pack's `examples:` (what `normbot norms test` does), reusable by the core and CI.

Why examples live in the norm file: a moderator who changes a norm should see at once which announcements
now get a different verdict (policy-bot's "simulate", conftest's tests).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from norms.evaluate import evaluate
from norms.fields import FileRef, Hash, Link, ReleaseFields
from norms.model import Example, NormPack, ReleaseContext

__all__ = ["ExampleOutcome", "Extractor", "example_context", "run_examples"]

Extractor = Callable[[str, Sequence[str]], ReleaseFields]
"""`moderation.extraction.extract(text, attachments)`, or any function of that shape."""


@dataclass(frozen=True, slots=True)
class ExampleOutcome:
    """One expectation of one example: what it said, what happened."""

    example: Example
    index: int
    norm_id: str
    expected: str
    actual: str
    evidence: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the pack behaved as the example says."""
        return self.expected == self.actual

    def label(self) -> str:
        """`file:line example 3 (name)` for reports."""
        name = f" ({self.example.name})" if self.example.name else ""
        return f"{self.example.source}:{self.example.line}: example {self.index + 1}{name}"


def _hash(value: str) -> Hash:
    return Hash("sha256" if len(value) == 64 else "autov2", value.lower() if len(value) == 64 else value.upper())


def _link(url: str) -> Link:
    low = url.lower()
    for kind, host in (("huggingface", "huggingface.co"), ("civitai", "civitai.com"), ("github", "github.com")):
        if host in low:
            return Link(url, kind)
    return Link(url)


def _file(name: str) -> FileRef:
    return FileRef(name, name.rsplit(".", 1)[-1].lower() if "." in name else "other")


def apply_fields(base: ReleaseFields, overrides: Mapping[str, Any]) -> ReleaseFields:
    """Replace extracted fields with an example's stated ones (`null` = not stated)."""
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key == "hashes":
            changes[key] = tuple(_hash(v) for v in value or ())
        elif key == "links":
            changes[key] = tuple(_link(v) for v in value or ())
        elif key == "files":
            changes[key] = tuple(_file(v) for v in value or ())
        elif key in ("trigger_words", "parents"):
            changes[key] = tuple(value or ())
        else:
            changes[key] = value
    return dataclasses.replace(base, **changes)


def example_context(example: Example, extract: Extractor) -> ReleaseContext:
    """The ReleaseContext an example stands for: extraction of its text, then its stated fields on top."""
    fields = apply_fields(extract(example.text, example.attachments), example.fields)
    return ReleaseContext(fields=fields, text=example.text, parents=example.parents, channel_nsfw=example.channel_nsfw)


def run_examples(pack: NormPack, extract: Extractor) -> list[ExampleOutcome]:
    """Evaluate every example of `pack`; one outcome per expected norm, in file order."""
    out: list[ExampleOutcome] = []
    for index, example in enumerate(pack.examples):
        results = {r.norm_id: r for r in evaluate(pack, example_context(example, extract))}
        for norm_id, expected in example.expect.items():
            r = results.get(norm_id)
            actual = r.outcome if r else "missing"
            out.append(ExampleOutcome(example, index, norm_id, expected, actual, r.evidence if r else ()))
    return out
