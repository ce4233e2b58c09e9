"""The release fields that extraction produces and norms evaluate.

They live in `norms/` because it is the lowest layer: `moderation/` extracts them, `norms/` judges them,
`storage/` persists them as JSON. Field names are a public contract (`normbot detect` emits them), so
change them only with a schema version bump.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FIELD_NAMES", "FileRef", "Hash", "Link", "ReleaseFields"]

LINK_KINDS = ("huggingface", "civitai", "github", "other")
HASH_KINDS = ("sha256", "autov2")


@dataclass(frozen=True, slots=True)
class Link:
    """A URL in an announcement, classified by host so norms can ask for 'a huggingface link'."""

    url: str
    kind: str = "other"


@dataclass(frozen=True, slots=True)
class Hash:
    """A file hash as published: full SHA-256 (64 hex) or Civitai AutoV2 (first 10 hex of the SHA-256)."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class FileRef:
    """A weight file named in a message or attached to it; `format` drives the safe-format norm."""

    name: str
    format: str = "other"


@dataclass(frozen=True, slots=True)
class ReleaseFields:
    """Structured metadata of one release, as far as the announcement states it.

    `None` or an empty tuple means "not stated": norms with `require` fail on it, and `normbot detect`
    omits it from its output.
    """

    model_name: str | None = None
    version: str | None = None
    links: tuple[Link, ...] = ()
    license: str | None = None
    base_model: str | None = None
    model_type: str | None = None
    trigger_words: tuple[str, ...] = ()
    nsfw: bool | None = None
    hashes: tuple[Hash, ...] = ()
    parents: tuple[str, ...] = ()
    files: tuple[FileRef, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)

    def is_present(self, name: str) -> bool:
        """Whether the field `name` was stated (the meaning of `require: [name]` in a norm file)."""
        value = getattr(self, name, None)
        if value is None:
            return False
        if isinstance(value, tuple | list | dict | str):
            return len(value) > 0
        return True

    def to_json(self) -> dict[str, Any]:
        """The `fields` object of `normbot detect`: absent fields are omitted, not null."""
        out: dict[str, Any] = {}
        for name in FIELD_NAMES:
            if not self.is_present(name):
                continue
            value = getattr(self, name)
            if name == "links":
                out[name] = [{"url": v.url, "kind": v.kind} for v in value]
            elif name == "hashes":
                out[name] = [{"kind": v.kind, "value": v.value} for v in value]
            elif name == "files":
                out[name] = [{"name": v.name, "format": v.format} for v in value]
            elif isinstance(value, tuple):
                out[name] = list(value)
            else:
                out[name] = value
        if self.extra:
            out["extra"] = dict(self.extra)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReleaseFields:
        """Inverse of `to_json`; unknown keys are ignored so old rows keep loading."""
        return cls(
            model_name=data.get("model_name"),
            version=data.get("version"),
            links=tuple(Link(d["url"], d.get("kind", "other")) for d in data.get("links", ())),
            license=data.get("license"),
            base_model=data.get("base_model"),
            model_type=data.get("model_type"),
            trigger_words=tuple(data.get("trigger_words", ())),
            nsfw=data.get("nsfw"),
            hashes=tuple(Hash(d["kind"], d["value"]) for d in data.get("hashes", ())),
            parents=tuple(data.get("parents", ())),
            files=tuple(FileRef(d["name"], d.get("format", "other")) for d in data.get("files", ())),
            extra=dict(data.get("extra", {})),
        )


FIELD_NAMES: tuple[str, ...] = (
    "model_name",
    "version",
    "links",
    "license",
    "base_model",
    "model_type",
    "trigger_words",
    "nsfw",
    "hashes",
    "parents",
    "files",
)
