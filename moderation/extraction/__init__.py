"""Extract release metadata from an announcement: the single entry point is `extract()`.

Extraction is rules over normalisation tables (`moderation/data/*.yaml`), not a model: it must be fast on
every message the detector lets through, explainable to the creator whose release a norm flags, and
identical on every machine. It never raises: a message it cannot make sense of yields empty fields, and
an internal error in one field leaves that field empty rather than losing the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TypeVar

from moderation.extraction.fields import (
    Scan,
    base_model,
    implied_type,
    license_id,
    model_name,
    model_type,
    name_pool,
    nsfw,
    parents,
    trigger_words,
    version,
)
from moderation.extraction.name_rank import Candidate
from moderation.extraction.tables import tables
from moderation.extraction.text import clean, find_files, find_hashes, find_links
from moderation.kernel.redaction import redacting_logger
from norms.fields import FileRef, ReleaseFields

__all__ = ["MAX_CHARS", "extract", "name_candidates_of", "with_implied_type"]

MAX_CHARS = 200_000
"""Longer messages are cut here; no chat platform allows more than 4096 (Telegram) or 4000 (Discord)."""

_log = redacting_logger(__name__)
_T = TypeVar("_T")


def _safe(default: _T, fn: Callable[[], _T]) -> _T:
    try:
        return fn()
    except Exception:  # a bug in one field must not cost the others; logged for us to fix
        _log.exception("extraction of one field failed")
        return default


INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def _prepared(text: str) -> str:
    """The text as every extractor reads it: cut at `MAX_CHARS`, one kind of line break, no NUL, no invisible
    characters (zero-width space/joiners, soft hyphen, BOM would split words: "Ne\u200bon" must read as
    "Neon", or a look-alike name becomes a different model)."""
    return text[:MAX_CHARS].replace("\r\n", "\n").replace("\x00", " ").translate(INVISIBLE)


def extract(text: str, attachments: Sequence[str] = (), *, infer_type: bool = True) -> ReleaseFields:
    """Return the release fields stated in `text` and the attached file names.

    Args:
        text: the announcement as posted (markdown, emoji and all).
        attachments: names of files attached to the message.
        infer_type: type an announcement that states no type keyword from the words around it
            (`extraction_type`); the detector's rule features pass False, since they must say what the
            text states.

    Returns:
        A `ReleaseFields`; fields the message does not state are None or empty.
    """
    try:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        text = _prepared(text)
        names = tuple(str(a) for a in attachments if isinstance(a, str) and a.strip())
        t = tables()
        body = clean(text)
        scan = Scan.of(body, t)
        files: list[FileRef] = _safe([], lambda: find_files(body, names, t.file_formats))
        credited: list[str] = _safe([], lambda: parents(scan, t))
        name = _safe(None, lambda: model_name(text, scan, credited))
        base = _safe(None, lambda: base_model(scan, t, name, text))
        return ReleaseFields(
            model_name=name,
            version=_safe(None, lambda: version(scan)),
            links=tuple(_safe([], lambda: find_links(body))),
            license=_safe(None, lambda: license_id(scan, t)),
            base_model=base,
            model_type=_safe(
                None, lambda: model_type(scan, t, base, [f.format for f in files], infer=infer_type, parents=credited)
            ),
            trigger_words=tuple(_safe([], lambda: trigger_words(scan))),
            nsfw=_safe(None, lambda: nsfw(scan)),
            hashes=tuple(_safe([], lambda: find_hashes(body, scan.lines))),
            parents=tuple(credited),
            files=tuple(files),
        )
    except Exception:
        _log.exception("extraction failed; returning empty fields")
        return ReleaseFields()


def name_candidates_of(text: str) -> list[Candidate]:
    """The candidates `extract` chooses a name from, for `text` prepared as `extract` prepares it (for training
    the ranker)."""
    text = _prepared(text)
    t = tables()
    scan = Scan.of(clean(text), t)
    return name_pool(text, scan, _safe([], lambda: parents(scan, t)))


def with_implied_type(fields: ReleaseFields, text: str) -> ReleaseFields:
    """`fields` as `extract(text, infer_type=False)` gave them, with the type `extract(text)` would give: the
    detector's rule features need the stated type, an announcement the implied one, and extracting twice
    would run every extractor again for one field."""
    cleaned = clean(_prepared(text if isinstance(text, str) else str(text)))
    implied = _safe(fields.model_type, lambda: implied_type(fields.model_type, cleaned))
    return fields if implied == fields.model_type else dataclasses.replace(fields, model_type=implied)
