"""The resolved, immutable shapes norms/ hands to the rest of normbot.

Why frozen dataclasses: a `NormPack` is shared across tasks and identified by its digest; a
`ReleaseContext` is built once per announcement and every norm reads the same one (style.md example 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Protocol

from norms.fields import ReleaseFields

__all__ = [
    "NEEDS",
    "OUTCOMES",
    "SEVERITIES",
    "Check",
    "CheckOutcome",
    "Example",
    "Norm",
    "NormPack",
    "NormResult",
    "ParentFacts",
    "ReleaseContext",
    "ReviewSettings",
    "Text",
    "When",
    "in_language",
]

NEEDS = ("harms", "credit", "ownership")
SEVERITIES = ("info", "nudge", "warn", "block")
"""Ordered from mildest to strictest; severity alone picks the bot's action."""
OUTCOMES = ("pass", "fail", "needs_review", "not_applicable")


class Text(str):
    """A norm's words as the norm file gives them in several languages (`title: {en: …, zh: …}`).

    It *is* the default wording (English when given, else the first language listed), so every reader that
    wants one string (the digest, `norms lint`, the CLI) keeps working; readers that know their reader's
    language ask `in_language`. Why a `str` subclass rather than a mapping field beside `title`: a norm's
    title travels as a string through results, forms and the store, and only the places that show it need
    to know it has other languages."""

    translations: Mapping[str, str]

    def __new__(cls, value: str, translations: Mapping[str, str] | None = None) -> Text:
        text = super().__new__(cls, value)
        text.translations = MappingProxyType(dict(translations or {}))
        return text

    @classmethod
    def of(cls, value: object) -> str:
        """A norm file's value for a text key: a plain string stays one; `{en: …, zh: …}` becomes a `Text`."""
        if isinstance(value, Mapping):
            entries = {str(k): str(v) for k, v in value.items()}
            default = entries.get("en") or next(iter(entries.values()), "")
            return cls(default, entries)
        return str(value)

    def in_language(self, language: str) -> str:
        """The wording in `language`, else the default."""
        return self.translations.get(language) or str(self)


def in_language(value: str | None, language: str) -> str | None:
    """A norm's title, fix or question in `language` where the norm file gives one, else as it is."""
    return value.in_language(language) if isinstance(value, Text) else value


@dataclass(frozen=True, slots=True)
class ParentFacts:
    """What provenance knows about one parent model (a merge input or the base), supplied by moderation/."""

    name: str
    license: str | None = None
    allow_derivatives: bool | None = None
    require_credit: bool | None = None
    credited: bool = False


@dataclass(frozen=True, slots=True)
class ReleaseContext:
    """Everything a norm may look at for one release; built once per announcement."""

    fields: ReleaseFields
    text: str = ""
    parents: tuple[ParentFacts, ...] = ()
    channel_nsfw: bool | None = None


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """One check kind's verdict on one release: `pass`, `fail` or `needs_review`, with evidence."""

    outcome: str
    evidence: tuple[str, ...] = ()


class Check(Protocol):
    """A compiled check: `run` returns None when it cannot decide (the field it needs is unknown)."""

    @property
    def kind(self) -> str: ...

    def run(self, ctx: ReleaseContext) -> CheckOutcome | None: ...


class When(Protocol):
    """A compiled `when:` clause."""

    def applies(self, ctx: ReleaseContext) -> bool: ...


@dataclass(frozen=True, slots=True)
class NormResult:
    """The verdict of one norm on one release, as the core stores and renders it."""

    norm_id: str
    title: str
    need: str
    severity: str
    outcome: str
    evidence: tuple[str, ...] = ()
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class Norm:
    """One resolved norm (after extends and overrides) with its checks compiled."""

    id: str
    title: str
    need: str
    severity: str
    description: str | None = None
    fix: str | None = None
    question: str | None = None
    answers: tuple[str, ...] = ()
    when: When | None = field(default=None, compare=False)
    checks: tuple[Check, ...] = field(default=(), compare=False)
    config: Mapping[str, Any] = field(default_factory=dict)
    """The resolved YAML keys of this norm, as plain data (for the digest and `norms show`)."""
    source: str = ""
    """The file that defined this norm (or last overrode it)."""

    @property
    def check_kinds(self) -> tuple[str, ...]:
        """Names of the configured check kinds, in evaluation order (`require`, `forbid`, ...)."""
        kinds = tuple(c.kind for c in self.checks)
        return (*kinds, "question") if self.question else kinds


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """How peer review runs for releases checked against this pack."""

    window: timedelta = timedelta(hours=72)
    quorum: int = 2
    reviewers: tuple[str, ...] = ("members",)
    reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=60))
    flag_threshold: int = 3
    flag_rate_count: int = 5
    flag_rate_per: timedelta = timedelta(hours=1)
    escalate_after: timedelta = timedelta(hours=48)
    digest: str = "weekly"


@dataclass(frozen=True, slots=True)
class Example:
    """One `examples:` entry: an announcement and the outcome each named norm must produce."""

    text: str
    expect: Mapping[str, str]
    fields: Mapping[str, Any] = field(default_factory=dict)
    attachments: tuple[str, ...] = ()
    parents: tuple[ParentFacts, ...] = ()
    channel_nsfw: bool | None = None
    name: str = ""
    source: str = ""
    line: int = 1


@dataclass(frozen=True, slots=True)
class NormPack:
    """A loaded, fully resolved norm pack; `digest` identifies its content across machines."""

    id: str
    version: str
    title: str
    digest: str
    review: ReviewSettings
    norms: tuple[Norm, ...]
    examples: tuple[Example, ...] = ()
    source_files: tuple[str, ...] = ()
    extends: tuple[str, ...] = ()
    switched_off: tuple[str, ...] = ()
    """Inherited norm ids this pack switched off with `overrides: {id: off}`."""

    def norm(self, norm_id: str) -> Norm | None:
        """The norm with this id, or None."""
        return next((n for n in self.norms if n.id == norm_id), None)

    def questions(self) -> list[Norm]:
        """Norms that ask reviewers a question: the review checklist, in pack order."""
        return [n for n in self.norms if n.question]
