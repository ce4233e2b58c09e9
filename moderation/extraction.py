"""Extract release metadata from an announcement (first cut; see docs/detection.md).

Never raises: any input gives a `ReleaseFields`, possibly empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from norms.fields import FileRef, Link, ReleaseFields

__all__ = ["extract"]

_URL = re.compile(r"https?://[^\s<>()\[\]`\"']+")


def _kind(url: str) -> str:
    low = url.lower()
    if "huggingface.co" in low or "hf.co/" in low:
        return "huggingface"
    if "civitai.com" in low:
        return "civitai"
    if "github.com" in low:
        return "github"
    return "other"


def extract(text: str, attachments: Sequence[str] = ()) -> ReleaseFields:
    """Return the fields stated in `text` (and the attached file names)."""
    try:
        links = tuple(Link(u, _kind(u)) for u in dict.fromkeys(m.group(0) for m in _URL.finditer(text)))
        files = tuple(FileRef(a, a.rsplit(".", 1)[-1].lower() if "." in a else "other") for a in attachments)
        return ReleaseFields(links=links, files=files)
    except Exception:
        return ReleaseFields()
