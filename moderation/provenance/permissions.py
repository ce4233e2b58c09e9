"""Creators' stated permissions, read from announcement text: "no merges", "please credit" and the like.

Civitai has structured flags (allowDerivatives, allowNoCredit); chat announcements have phrases. The
phrases below are matched case-insensitively; negative forms are tried before positive ones, because
"no credit required" contains "credit required". The result is stored in `ReleaseFields.extra` as
`allow_derivatives` / `require_credit` = "true" | "false", and read back as `ParentFacts` for the
`parent_permissions` and `license_flowdown` norms. Unknown stays unknown (None): silence is not consent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["ALLOW_DERIVATIVES", "REQUIRE_CREDIT", "parse_permissions", "permission_of"]

ALLOW_DERIVATIVES = "allow_derivatives"
REQUIRE_CREDIT = "require_credit"

_W = r"[\s\-]*"
_FORBID_DERIVATIVES = re.compile(
    r"\b(?:no|without)\s+(?:merg(?:es?|ing)|derivatives?|remix(?:es)?|fine-?tunes?\s+of\s+(?:it|this))\b"
    r"|\b(?:merg(?:es?|ing)|derivatives?|remix(?:es|ing)?)\s+(?:are\s+|is\s+)?(?:not\s+(?:allowed|permitted|ok)|"
    r"prohibited|forbidden|disallowed)\b"
    r"|\b(?:do\s+not|don'?t|please\s+don'?t|may\s+not|must\s+not)\s+(?:merge|remix|use\s+(?:it|this)\s+(?:in|for)\s+"
    r"merg(?:es|ing))\b"
    r"|\bnot\s+for\s+(?:merging|merges|derivatives)\b",
    re.IGNORECASE,
)
_ALLOW_DERIVATIVES = re.compile(
    r"\b(?:merg(?:es?|ing)|derivatives?|remix(?:es|ing)?)\s+(?:are\s+|is\s+)?(?:allowed|permitted|welcome|ok|fine)\b"
    r"|\bfeel\s+free\s+to\s+(?:merge|remix|fine-?tune)\b|\bfree\s+to\s+merge\b",
    re.IGNORECASE,
)
_NO_CREDIT = re.compile(
    r"\bno\s+credit\s+(?:needed|required|necessary)\b|\bcredit\s+(?:is\s+)?(?:not\s+(?:needed|required)|optional)\b",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"\bcredit\s+(?:is\s+)?required\b|\bplease\s+credit\b|\bmust\s+credit\b|\bcredit\s+me\b"
    r"|\battribution\s+(?:is\s+)?required\b|\brequires?\s+(?:credit|attribution)\b",
    re.IGNORECASE,
)


def parse_permissions(text: str) -> dict[str, str]:
    """`{"allow_derivatives": "false", "require_credit": "true"}` for what the text states (may be empty)."""
    text = text[:20000]
    out: dict[str, str] = {}
    if _FORBID_DERIVATIVES.search(text):
        out[ALLOW_DERIVATIVES] = "false"
    elif _ALLOW_DERIVATIVES.search(text):
        out[ALLOW_DERIVATIVES] = "true"
    if _NO_CREDIT.search(text):
        out[REQUIRE_CREDIT] = "false"
    elif _CREDIT.search(text):
        out[REQUIRE_CREDIT] = "true"
    return out


def permission_of(extra: Mapping[str, str], name: str) -> bool | None:
    """Read one permission back from `ReleaseFields.extra` (None when not stated)."""
    value = str(extra.get(name, "")).lower()
    return True if value == "true" else False if value == "false" else None
