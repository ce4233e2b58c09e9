"""Read untrusted YAML into plain data plus a position for every key and value.

Why not `yaml.safe_load`: it forgets positions, keeps the last of two duplicate keys silently, expands
aliases without limit (the "billion laughs"), recurses once per nesting level (10,000 `[` is a
RecursionError) and reads `off`/`yes`/`no` as booleans (YAML 1.1). Norm files come from chat uploads and
pull requests, so we compose the node tree with PyYAML's pure-Python composer under caps on size, depth and
expanded nodes, resolve scalars with YAML 1.2 core rules (only true/false are booleans, dates stay
strings), and report everything as `Problem`s at their marks. Nothing here raises on bad input.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from norms.problems import Problem

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "MAX_SCALAR", "Document", "Path", "path_str", "read_yaml"]

MAX_BYTES = 512 * 1024
"""A norm file is a few kilobytes; half a megabyte is generous and bounds parse time and memory."""
MAX_DEPTH = 32
"""The schema nests at most five levels; anything deeper is a mistake or an attack."""
MAX_NODES = 20_000
"""Nodes visited after alias expansion; an alias bomb hits this long before it hurts."""
MAX_SCALAR = 16 * 1024
"""Longest single value (a long `description` is ~2 KB)."""

Path = tuple[str | int, ...]
_STD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def path_str(path: Path) -> str:
    """`("norms", 2, "forbid")` -> `norms[2].forbid`, the form problems and JSON reporters show."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Limit(Exception):
    """Internal: a cap was hit while composing; carries the mark."""

    def __init__(self, line: int, column: int, code: str, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.code, self.message = line, column, code, message


class _Loader(Reader, Scanner, Parser, Composer, SafeConstructor, Resolver):
    """Pure-Python safe loader with a depth cap in the composer and YAML 1.2 booleans."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Limit(mark.line + 1, mark.column + 1, "too-deep", f"nesting deeper than {MAX_DEPTH} levels")
            node: Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in value if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for key, value in Resolver.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass
class Document:
    """Plain data (dict/list/str/int/float/bool/None) plus where each piece came from."""

    data: Any = None
    value_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def mark(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of `path` (its key if `key`), falling back to the nearest ancestor that has one."""
        p = path
        while True:
            table = self.key_marks if key else self.value_marks
            if p in table:
                return table[p]
            if not key and p in self.key_marks:
                return self.key_marks[p]
            if not p:
                return (1, 1)
            p = p[:-1]
            key = False


def _pos_of_offset(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _Walker:
    """Turns the node graph into data, counting expanded nodes and spotting cycles and duplicate keys."""

    def __init__(self, loader: _Loader, name: str, doc: Document) -> None:
        self.loader, self.name, self.doc = loader, name, doc
        self.problems: list[Problem] = []
        self.visited = 0
        self.stack: set[int] = set()

    def problem(self, node: Node, code: str, message: str, path: Path, hint: str | None = None) -> None:
        m = node.start_mark
        self.problems.append(Problem(self.name, m.line + 1, m.column + 1, code, "error", message, hint, path_str(path)))

    def walk(self, node: Node, path: Path) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise _Limit(
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                "too-many-nodes",
                f"more than {MAX_NODES} values after expanding aliases (an alias bomb?)",
            )
        if len(path) > MAX_DEPTH:
            raise _Limit(
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                "too-deep",
                f"nesting deeper than {MAX_DEPTH} levels after expanding aliases",
            )
        if id(node) in self.stack:
            self.problem(node, "alias-cycle", "an alias refers to a node that contains it (cyclic alias)", path)
            return None
        self.doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _STD_TAGS:
            self.problem(
                node,
                "unsupported-tag",
                f"unsupported YAML tag {node.tag!r}",
                path,
                "norm files use plain YAML: strings, numbers, true/false, lists and mappings",
            )
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        self.stack.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.walk(child, (*path, i)) for i, child in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
        finally:
            self.stack.discard(id(node))
        return None  # pragma: no cover - the composer makes only these three node kinds

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        if len(node.value) > MAX_SCALAR:
            self.problem(node, "too-long", f"value is {len(node.value)} characters; the limit is {MAX_SCALAR}", path)
            return None
        try:
            return self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.problem(node, "bad-scalar", f"cannot read value: {exc}", path)
            return None

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(
                    key_node,
                    "merge-key",
                    "merge keys (<<) are not supported in norm files",
                    path,
                    "repeat the keys, or use extends/overrides",
                )
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _STD_TAGS:
                self.problem(key_node, "bad-key", "mapping keys must be plain strings", path)
                continue
            key = key_node.value
            kpath = (*path, key)
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in seen:
                first = seen[key]
                self.problem(key_node, "duplicate-key", f"duplicate key {key!r} (first at line {first[0]})", kpath)
                continue
            seen[key] = (line, col)
            self.doc.key_marks[kpath] = (line, col)
            out[key] = self.walk(value_node, kpath)
        return out


def _decode(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    if len(raw) > MAX_BYTES:
        return None, [
            Problem(
                name,
                1,
                1,
                "too-large",
                "error",
                f"file is {len(raw)} bytes; norm files are limited to {MAX_BYTES} bytes",
            )
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", "replace")
        line, col = _pos_of_offset(before, len(before))
        return None, [
            Problem(
                name,
                line,
                col,
                "bad-encoding",
                "error",
                f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); norm files must be UTF-8",
            )
        ]
    return text, []


_SYNTAX: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(rx), message, hint)
    for rx, message, hint in (
        (r"found character '\\t' that cannot start", "a tab character", "YAML indents with spaces, not tabs"),
        (r"found character '(.)' that cannot start", "{0!r} cannot start a value", "quote the value"),
        (r"^parsing a block mapping.*found '-'", "a list item where a key was expected", "check the indentation"),
        (
            r"^parsing a block (mapping|collection).*expected <block end>",
            "this line is indented differently from the {0:kind} it belongs to{opened}",
            "indent every key of a mapping (or item of a list) by the same amount",
        ),
        (r"single document in the stream", "a second YAML document ('---')", "a norm file is one document"),
        (r"scanning a simple key.*could not find expected ':'", "expected `key: value` here{opened}", None),
        (
            r"^parsing a flow (mapping|sequence).*expected '(.)' or '(.)'",
            "a {0:kind} is not closed: expected {1!r} or {2!r} here{opened}",
            "quote values that contain , [ ] { } or :",
        ),
        (r"mapping values are not allowed here", "an unexpected ':'", "quote values that contain ': '"),
        (r"sequence entries are not allowed here", "a list item ('- ') where a value was expected", None),
        (r"expected the node content, but found '(.*)'", "a value is missing before {0!r}", None),
        (r"quoted scalar.*end of stream", "a quoted string is never closed{opened}", None),
        (r"quoted scalar.*document separator", "a quoted string runs into a document separator{opened}", None),
        (
            r"unknown escape character '?(.)",
            "unknown escape \\{0} in a double-quoted string",
            "write patterns in single quotes: '\\d+'",
        ),
        (r"found duplicate anchor '(.*)'", "anchor &{0} is defined twice", None),
        (r"found undefined alias '(.*)'", "alias *{0} refers to no anchor", None),
        (r"expected '<document start>'", "text after the end of the document", "check the indentation of this line"),
    )
)
"""PyYAML's messages mapped to plain ones (`{0}`.. are the pattern's groups, `{opened}` the context line)."""


class _Words(string.Formatter):
    """`{0:kind}` names a YAML collection the way the norm-file docs do (a flow sequence is a list)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "kind":
            return {"sequence": "list", "collection": "list"}.get(str(value), str(value))
        return str(super().format_field(value, format_spec))


def _syntax_message(exc: yaml.MarkedYAMLError) -> tuple[str, str | None]:
    """A moderator-readable message (and hint) for a PyYAML syntax error; its own words as a fallback."""
    raw = " ".join(x for x in (exc.context, exc.problem) if x).removeprefix("while ")
    ctx, prob = exc.context_mark, exc.problem_mark
    opened = f" (the enclosing part starts at line {ctx.line + 1})" if ctx and prob and ctx.line != prob.line else ""
    for rx, message, hint in _SYNTAX:
        m = rx.search(raw)
        if m:
            return _Words().format(message, *m.groups(), opened=opened), hint
    return raw or "invalid YAML", None


def read_yaml(source: str | bytes, name: str) -> tuple[Document | None, list[Problem]]:
    """Parse one YAML document into a `Document`; on any problem return `(None | partial, problems)`.

    The document is returned even when walking found problems (so schema checks can add theirs), but
    never when the YAML itself did not parse.
    """
    if isinstance(source, bytes):
        text, problems = _decode(source, name)
        if text is None:
            return None, problems
    else:
        text = source
        if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            return None, [Problem(name, 1, 1, "too-large", "error", f"text is over {MAX_BYTES} bytes")]
        text = text.removeprefix("\ufeff")
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _pos_of_offset(text, bad.start())
        return None, [
            Problem(
                name, line, col, "bad-character", "error", f"character U+{ord(bad.group()):04X} is not allowed in YAML"
            )
        ]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except _Limit as exc:
        return None, [Problem(name, exc.line, exc.column, exc.code, "error", exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what, hint = _syntax_message(exc)
        return None, [Problem(name, line, col, "syntax", "error", f"syntax error: {what}", hint)]
    except yaml.YAMLError as exc:
        return None, [Problem(name, 1, 1, "syntax", "error", f"syntax error: {exc}")]
    except RecursionError:  # pragma: no cover - the depth cap should make this unreachable
        return None, [Problem(name, 1, 1, "too-deep", "error", "nesting too deep")]
    finally:
        loader.dispose()
    doc = Document()
    if node is None:
        return doc, [Problem(name, 1, 1, "empty", "error", "the file is empty; a norm file is a YAML mapping")]
    walker = _Walker(loader, name, doc)
    try:
        doc.data = walker.walk(node, ())
    except _Limit as exc:
        return None, [*walker.problems, Problem(name, exc.line, exc.column, exc.code, "error", exc.message)]
    return doc, walker.problems
