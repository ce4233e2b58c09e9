"""Telegram's HTML parse mode, as strict as the real server: unknown tags and stray `<`, `>`, `&` are errors.

The fake parses every `parse_mode=HTML` text with this, so an adapter that forgets to escape a model name
gets the same `400 Bad Request: can't parse entities` it would get from Telegram, and tests can read the
plain text a user would see.
"""

from __future__ import annotations

import html
import re

__all__ = ["HtmlError", "parse_html"]

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
}
_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\")?)*)\s*>"
    r"|&(?P<entity>lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
    r"|(?P<stray>[<>&])"
)


class HtmlError(ValueError):
    """What Telegram answers with `Bad Request: can't parse entities: ...`."""


def parse_html(text: str) -> str:
    """The plain text a user sees; raises HtmlError where Telegram would refuse the message."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        if m.group("stray"):
            raise HtmlError(f"unsupported start tag or character {m.group('stray')!r} at byte offset {m.start()}")
        if m.group("entity"):
            out.append(html.unescape(m.group(0)))
            continue
        tag = m.group("tag").lower()
        if tag not in ALLOWED:
            raise HtmlError(f'unsupported start tag "{tag}" at byte offset {m.start()}')
        if m.group("close"):
            if not stack or stack[-1] != tag:
                raise HtmlError(f'unexpected end tag "{tag}" at byte offset {m.start()}')
            stack.pop()
        else:
            stack.append(tag)
    out.append(text[pos:])
    if stack:
        raise HtmlError(f'can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
