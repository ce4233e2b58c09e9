"""Read a `.safetensors` file's header and hash its tensors, without loading any tensor.

Layout: 8 bytes little-endian u64 `N`, then `N` bytes of JSON (tensor index plus an optional
`__metadata__` object of string -> string), then the raw tensor bytes. We read only the length and the
header (refusing headers over 10 MB, which no honest file has and which would otherwise let a hostile
upload make us allocate gigabytes), keep the `modelspec.*` and `ss_*` metadata keys, and stream the rest
of the file through SHA-256 in 1 MiB chunks: the **tensor-only SHA-256**. It stays the same when someone
re-packs a model with a new name, author or license in the header, which the whole-file hash does not.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MAX_HEADER", "SafetensorsError", "SafetensorsInfo", "read_safetensors"]

MAX_HEADER = 10 * 1024 * 1024
CHUNK = 1024 * 1024
_KEEP_PREFIXES = ("modelspec.", "ss_")
_AUTHOR_KEYS = ("modelspec.author", "ss_author", "ss_creator")
_LICENSE_KEYS = ("modelspec.license", "ss_license")
_MERGED_KEYS = ("modelspec.merged_from", "ss_merged_from", "modelspec.merge_sources")
_TRIGGER_KEYS = ("modelspec.trigger_phrase", "ss_trigger_phrase", "ss_trigger_words")
_TITLE_KEYS = ("modelspec.title", "ss_output_name")


class SafetensorsError(ValueError):
    """The file is not a readable safetensors file; the message says why and is safe to show."""


@dataclass(frozen=True, slots=True)
class SafetensorsInfo:
    """What the header says about the model, plus the tensor-only hash."""

    metadata: Mapping[str, str]
    tensor_sha256: str
    header_bytes: int
    tensor_bytes: int
    tensors: int
    author: str | None = None
    license: str | None = None
    title: str | None = None
    trigger_phrase: str | None = None
    merged_from: tuple[str, ...] = field(default=())


def _first(meta: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for k in keys:
        value = meta.get(k)
        if value and value.strip():
            return value.strip()[:300]
    return None


def _split_list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    text = value.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list):
            return tuple(str(i).strip()[:200] for i in items if str(i).strip())
    return tuple(p.strip()[:200] for p in text.replace(";", ",").split(",") if p.strip())


def read_safetensors(path: str | Path, *, max_header: int = MAX_HEADER) -> SafetensorsInfo:
    """Header metadata and tensor-only SHA-256 of a local file; `SafetensorsError` for anything malformed."""
    p = Path(path)
    try:
        fh = p.open("rb")
    except OSError as exc:
        raise SafetensorsError(f"cannot open {p.name}: {exc.strerror or exc}") from None
    with fh:
        prefix = fh.read(8)
        if len(prefix) < 8:
            raise SafetensorsError(f"{p.name} is too short to be a safetensors file")
        (size,) = struct.unpack("<Q", prefix)
        if size > max_header:
            raise SafetensorsError(f"{p.name} declares a {size}-byte header; refusing headers over {max_header} bytes")
        header_raw = fh.read(size)
        if len(header_raw) < size:
            raise SafetensorsError(f"{p.name} ends inside its header ({len(header_raw)} of {size} bytes)")
        try:
            header = json.loads(header_raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise SafetensorsError(f"{p.name}: the header is not valid UTF-8 JSON") from None
        if not isinstance(header, dict):
            raise SafetensorsError(f"{p.name}: the header is not a JSON object")
        raw_meta = header.get("__metadata__") or {}
        if not isinstance(raw_meta, dict):
            raise SafetensorsError(f"{p.name}: __metadata__ is not an object")
        meta = {
            str(k)[:200]: str(v)[:2000]
            for k, v in raw_meta.items()
            if isinstance(k, str) and k.startswith(_KEEP_PREFIXES)
        }
        digest = hashlib.sha256()
        total = 0
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            total += len(chunk)
    tensors = sum(1 for k in header if k != "__metadata__")
    return SafetensorsInfo(
        metadata=meta,
        tensor_sha256=digest.hexdigest(),
        header_bytes=size,
        tensor_bytes=total,
        tensors=tensors,
        author=_first(meta, _AUTHOR_KEYS),
        license=_first(meta, _LICENSE_KEYS),
        title=_first(meta, _TITLE_KEYS),
        trigger_phrase=_first(meta, _TRIGGER_KEYS),
        merged_from=_split_list(_first(meta, _MERGED_KEYS)),
    )
