"""Invisible control characters in member text are shown as a visible code, never passed on raw.

Why: a model name, flag reason or note is shown to other people in chat and on the registry. Raw, a bidi
override (U+202E RIGHT-TO-LEFT OVERRIDE) makes `evil<U+202E>gpj.exe` read as `evilexe.jpg` and can flip the order of
whole lines ("Trojan Source", CVE-2021-42574); NUL and the other C0/C1 controls are invisible or worse (ESC
starts a terminal escape sequence in the console). So every such character becomes the visible text
`[U+202E]` (its code point): the text stays readable, nothing is reordered, and a moderator can *see* that
someone slipped a control character in, which stripping would hide. The stored text is unchanged (what
members typed is kept); only what is shown is neutralised. The JSON API returns the data as stored.

What counts: C0 controls except tab, line feed and carriage return (which platforms show as whitespace), DEL,
C1 controls (U+0080–U+009F), and the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
Left alone on purpose: the bidi *marks* LRM/RLM/ALM (U+200E, U+200F, U+061C), which right-to-left writers use
and which cannot reorder more than their neighbour; zero-width joiners (emoji sequences and Persian need
them); the word joiner the Telegram renderer itself inserts after `@`.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE", "visible"]

UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _code(match: re.Match[str]) -> str:
    return f"[U+{ord(match.group()):04X}]"


def visible(text: str) -> str:
    """`text` with each invisible control character replaced by its visible code, like `[U+202E]`."""
    return UNSAFE.sub(_code, text) if UNSAFE.search(text) else text
