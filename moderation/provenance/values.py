"""What can be claimed: full SHA-256, Civitai AutoV2, tensor-only SHA-256, and model links.

Links are reduced to the model's identity so that cosmetic differences do not hide a re-upload:
`https://civitai.com/models/1234/ink-wash?modelVersionId=9` -> `civitai.com/models/1234`, and
`https://huggingface.co/Ada/Neon/blob/main/x.safetensors` -> `huggingface.co/ada/neon`. Only Hugging Face and
Civitai model links count: an arbitrary link (a blog, a Ko-fi page) says nothing about who made the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from norms.fields import ReleaseFields

__all__ = ["KINDS", "ClaimValue", "claim_values", "normalise_link", "parse_claim_value"]

KINDS = ("sha256", "autov2", "tensor_sha256", "link")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_HEX10 = re.compile(r"[0-9a-fA-F]{10}")
_HF_HOSTS = ("huggingface.co", "hf.co")
_HF_NON_REPO = {"datasets", "spaces", "docs", "blog", "models", "papers", "settings", "organizations", "collections"}


@dataclass(frozen=True, slots=True, order=True)
class ClaimValue:
    """One claimable value, normalised (hashes lower-case; links reduced to the model's identity)."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        """How people see it: `sha256 4f1c2b8e…a3b2c`."""
        v = self.value if len(self.value) <= 24 else f"{self.value[:12]}…{self.value[-6:]}"
        return f"{self.kind.replace('_', '-')} {v}"


def normalise_link(url: str) -> str | None:
    """The model identity of a Hugging Face or Civitai URL, or None for any other link."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    segs = [s for s in parts.path.split("/") if s]
    if host in _HF_HOSTS:
        if len(segs) >= 2 and segs[0].lower() not in _HF_NON_REPO:
            return f"huggingface.co/{segs[0].lower()}/{segs[1].lower()}"
        return None
    if host == "civitai.com":
        if len(segs) >= 2 and segs[0].lower() == "models" and segs[1].isdigit():
            return f"civitai.com/models/{int(segs[1])}"
        if len(segs) >= 4 and segs[:2] == ["api", "download"] and segs[2] == "models" and segs[3].isdigit():
            return f"civitai.com/model-versions/{int(segs[3])}"
        return None
    return None


def parse_claim_value(text: str) -> ClaimValue | None:
    """What the `claim` command was given: a 64-hex SHA-256, a 10-hex AutoV2, or a model link."""
    text = text.strip().strip("<>`")
    if _HEX64.fullmatch(text):
        return ClaimValue("sha256", text.lower())
    if _HEX10.fullmatch(text):
        return ClaimValue("autov2", text.lower())
    link = normalise_link(text)
    return ClaimValue("link", link) if link else None


def claim_values(fields: ReleaseFields) -> list[ClaimValue]:
    """Every claimable value an announcement states, de-duplicated, in a stable order."""
    out: set[ClaimValue] = set()
    for h in fields.hashes:
        if h.kind == "sha256" and _HEX64.fullmatch(h.value):
            out.add(ClaimValue("sha256", h.value.lower()))
        elif h.kind == "autov2" and _HEX10.fullmatch(h.value):
            out.add(ClaimValue("autov2", h.value.lower()))
    for link in fields.links:
        if link.kind in ("huggingface", "civitai"):
            norm = normalise_link(link.url)
            if norm:
                out.add(ClaimValue("link", norm))
    return sorted(out, key=lambda v: (KINDS.index(v.kind), v.value))
