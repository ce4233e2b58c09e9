"""Text clean-up and the small scanners extraction is built from (links, hashes, files, lines).

Every pattern here is fixed and reviewed to run in linear time: each one is anchored on a literal
("http", a hex run, a file extension) and never has two unbounded quantifiers that can trade characters.
File names are found by locating the extension first and scanning backwards a bounded distance, because
the obvious `[\\w.-]+\\.safetensors` backtracks quadratically on long runs of word characters.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping

from norms.fields import FileRef, Hash, Link

__all__ = [
    "Lines",
    "clean",
    "find_files",
    "find_hashes",
    "find_links",
    "link_kind",
]

_MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\((https?://[^)\s]{1,2000})\)")
_ANGLE_URL = re.compile(r"<(https?://[^>\s]{1,2000})>")
_EMPHASIS = re.compile(r"\*\*|__|~~|\|\||```[a-z]{0,12}")
_QUOTE_PREFIX = re.compile(r"(?m)^[ \t]{0,8}(?:#{1,6}|>{1,3}|[-*•]) ?")
_URL = re.compile(
    r"(?:https?://|(?<![\w.])(?=(?:www\.)?(?:huggingface\.co|hf\.co|civitai\.com|github\.com)/))"
    r"[^\s<>()\[\]`\"'|\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]{1,2000}",
    re.IGNORECASE,
)
_TRAIL = ".,;:!?*_~'\"»)】」’”"
_SHA256 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-zA-Z])")
_HEX10 = re.compile(r"(?<![0-9a-zA-Z])[0-9a-fA-F]{10}(?![0-9a-zA-Z])")
_HASH_CONTEXT = ("autov2", "hash", "sha", "ハッシュ", "哈希", "хеш", "хэш")
_FILE_EXT = re.compile(r"\.(safetensors|sft|ckpt|pth|pt|bin|gguf|onnx|zip|7z|exl2)(?![0-9A-Za-z_])", re.IGNORECASE)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.+[]()@")
_HOSTS: tuple[tuple[str, str], ...] = (
    ("huggingface.co", "huggingface"),
    ("hf.co", "huggingface"),
    ("civitai.com", "civitai"),
    ("civitai.green", "civitai"),
    ("github.com", "github"),
    ("githubusercontent.com", "github"),
)


def clean(text: str) -> str:
    """Flatten Discord/Telegram markdown to plain text while keeping URLs and backticks.

    `[label](url)` becomes `label url`, `<url>` (Discord's suppressed embed) becomes `url`, emphasis and
    code-fence markers go, and list/heading/quote prefixes are dropped.
    """
    text = _MD_LINK.sub(r"\1 \2", text)
    text = _ANGLE_URL.sub(r"\1", text)
    text = _EMPHASIS.sub(" ", text)
    return _QUOTE_PREFIX.sub("", text)


def link_kind(url: str) -> str:
    """Classify a URL by host: huggingface, civitai, github or other."""
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split("@")[-1].split(":")[0].lower()
    for suffix, kind in _HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return kind
    return "other"


def find_links(text: str) -> list[Link]:
    """Every distinct URL, trailing punctuation stripped, bare model-host URLs given a scheme."""
    seen: dict[str, Link] = {}
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_TRAIL)
        if "://" not in url:
            url = "https://" + url
        if len(url) < 12 or "." not in url.split("://", 1)[1]:
            continue
        if url not in seen:
            seen[url] = Link(url, link_kind(url))
    return list(seen.values())


class Lines:
    """Line lookup by character offset (for 'is this match on a license line?')."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def index(self, pos: int) -> int:
        """0-based line number of a character offset."""
        return bisect.bisect_right(self._starts, pos) - 1

    def start(self, idx: int) -> int:
        """Offset where line `idx` starts."""
        return self._starts[idx]

    def line(self, idx: int) -> str:
        """The text of line `idx` (without its newline)."""
        start = self._starts[idx]
        end = self._starts[idx + 1] - 1 if idx + 1 < len(self._starts) else len(self.text)
        return self.text[start:end]

    def line_at(self, pos: int) -> str:
        """The line holding offset `pos`."""
        return self.line(self.index(pos))


def find_hashes(text: str, lines: Lines) -> list[Hash]:
    """SHA-256 (64 hex, lowercased) and AutoV2 (10 hex, uppercased; only on a line that mentions a hash).

    A 64-hex value implies nothing else: we do not derive its AutoV2 prefix, because the announcement did
    not state it.
    """
    out: dict[tuple[str, str], Hash] = {}
    for m in _SHA256.finditer(text):
        h = Hash("sha256", m.group(0).lower())
        out[(h.kind, h.value)] = h
    for m in _HEX10.finditer(text):
        value = m.group(0)
        line = lines.line_at(m.start()).lower()
        if not any(c in line for c in _HASH_CONTEXT):
            continue
        if value.isdigit():  # a 10-digit number next to "hash" is far more often an id than a hash
            continue
        h = Hash("autov2", value.upper())
        out[(h.kind, h.value)] = h
    return list(out.values())


def file_format(name: str, formats: Mapping[str, str]) -> str:
    """The format of a file name by extension; 'diffusers' for diffusers folders/archives."""
    low = name.lower().rstrip("/")
    if "diffusers" in low:
        return "diffusers"
    ext = low.rsplit(".", 1)[-1] if "." in low else ""
    return formats.get(ext, "other")


def find_files(text: str, attachments: tuple[str, ...], formats: Mapping[str, str]) -> list[FileRef]:
    """Attached files first, then weight-file names mentioned in the text (deduplicated by name)."""
    out: dict[str, FileRef] = {}
    for name in attachments:
        name = name.strip().rsplit("/", 1)[-1] if "/" in name.strip().rstrip("/") else name.strip()
        if name and name not in out:
            out[name] = FileRef(name, file_format(name, formats))
    for m in _FILE_EXT.finditer(text):
        start = m.start()
        i = start
        while i > 0 and start - i < 200 and text[i - 1] in _NAME_CHARS:
            i -= 1
        name = text[i : m.end()].lstrip("([.-")
        if len(name) <= len(m.group(0)):
            continue  # ".safetensors" alone is a format mention, not a file
        if name not in out:
            out[name] = FileRef(name, file_format(name, formats))
    return list(out.values())
