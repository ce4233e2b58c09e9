"""Problems as data: what the loader found wrong with a norm file, and how to print it.

Why data and not exceptions: a moderator fixing a norm file wants *every* mistake at once, each with a
`file:line:col`, in whatever format the consumer reads (a terminal, a JSON pipeline, GitHub annotations on
a pull request, a chat reply). So the loader collects `Problem` values and separate reporters render them.
Positions are 1-based like every editor; a problem with no known position uses line 1, column 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

__all__ = ["FORMATS", "SEVERITIES", "Problem", "render_problems"]

SEVERITIES = ("error", "warning")
FORMATS = ("text", "json", "github", "chat")
CHAT_LIMIT = 15
"""Problems shown in a chat reply; the rest are counted (a chat message is not a log file)."""


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One finding in one file; sorts by file, then position, then code."""

    file: str
    line: int
    column: int
    code: str
    severity: str = "error"
    message: str = ""
    hint: str | None = None
    path: str = ""
    """Where in the document, as a dotted/indexed path (`norms[2].forbid.files`); empty for the root."""

    def to_json(self) -> dict[str, object]:
        """A plain dict for the JSON reporter and chat adapters."""
        return asdict(self)

    def text(self) -> str:
        """The parsable one-line form `file:line:col: severity code: message (hint)`."""
        out = f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code}: {self.message}"
        if self.hint:
            out += f" ({self.hint})"
        return out


def _github_escape(value: str, *, prop: bool = False) -> str:
    """Escape per GitHub's workflow-command rules, so a message with newlines or colons stays one annotation."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_problems(problems: Iterable[Problem], fmt: str = "text") -> str:
    """Render problems as `text` (one per line), `json` (a list), `github` (workflow annotations) or `chat`.

    `chat` drops the file name (the user just uploaded it), and shows at most CHAT_LIMIT problems.

    Raises ValueError on an unknown format: the CLI validates the option first, so this is a bug guard.
    """
    items = sorted(problems)
    if fmt == "text":
        return "\n".join(p.text() for p in items)
    if fmt == "json":
        return json.dumps([p.to_json() for p in items], indent=2, ensure_ascii=False)
    if fmt == "github":
        lines = []
        for p in items:
            level = "error" if p.severity == "error" else "warning"
            msg = f"{p.code}: {p.message}" + (f" ({p.hint})" if p.hint else "")
            lines.append(
                f"::{level} file={_github_escape(p.file, prop=True)},line={p.line},col={p.column},"
                f"title={_github_escape(p.code, prop=True)}::{_github_escape(msg)}"
            )
        return "\n".join(lines)
    if fmt == "chat":
        shown = [
            f"line {p.line}, col {p.column}: {p.message}" + (f" ({p.hint})" if p.hint else "")
            for p in items[:CHAT_LIMIT]
        ]
        if len(items) > CHAT_LIMIT:
            shown.append(f"... and {len(items) - CHAT_LIMIT} more")
        return "\n".join(shown)
    raise ValueError(f"unknown problem format {fmt!r}; expected one of {', '.join(FORMATS)}")
