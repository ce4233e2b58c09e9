"""The hardened YAML reader: positions, YAML 1.2 scalars, and every hostile input bounded."""

from __future__ import annotations

from norms._yaml import MAX_BYTES, MAX_DEPTH, MAX_NODES, MAX_SCALAR, read_yaml


def _codes(source: str | bytes) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.code) for p in read_yaml(source, "t.yaml")[1]]


def test_values_and_keys_keep_their_positions() -> None:
    """Every key and value has a 1-based (line, column)."""
    doc, problems = read_yaml("a: 1\nb:\n  - x\n  - {c: d}\n", "t.yaml")
    assert problems == [] and doc is not None
    assert doc.data == {"a": 1, "b": ["x", {"c": "d"}]}
    assert doc.mark(("b", 1, "c")) == (4, 9)
    assert doc.mark(("b", 1, "c"), key=True) == (4, 6)
    assert doc.mark(("a",), key=True) == (1, 1)
    assert doc.mark(("nope", 3)) == (1, 1)


def test_yaml_12_scalars_only_true_false_are_booleans() -> None:
    """`off`, `yes`, `no` stay strings (an override `off`, answers [yes, no]); dates stay strings."""
    doc, _ = read_yaml("a: [off, yes, no, on, true, False]\nd: 2024-01-02\nv: 1.0\n", "t.yaml")
    assert doc is not None
    assert doc.data == {"a": ["off", "yes", "no", "on", True, False], "d": "2024-01-02", "v": 1.0}


def test_duplicate_keys_are_reported_at_the_second() -> None:
    """The second occurrence is the problem; the first value is kept."""
    doc, problems = read_yaml("id: a\nx: 1\nid: b\n", "t.yaml")
    assert [(p.line, p.column, p.code) for p in problems] == [(3, 1, "duplicate-key")]
    assert doc is not None and doc.data["id"] == "a"


def test_syntax_error_at_its_mark() -> None:
    """A parse error becomes one `syntax` problem at the parser's mark."""
    assert _codes("a: [1, 2\nb: 3\n") == [(2, 2, "syntax")]


def test_alias_bomb_is_bounded() -> None:
    """Nested aliases that would expand to 10^9 nodes stop at the node cap."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(10)) + "]")
        prev = name
    problems = read_yaml("\n".join(lines), "t.yaml")[1]
    assert [p.code for p in problems] == ["too-many-nodes"]
    assert str(MAX_NODES) in problems[0].message


def test_deep_nesting_is_bounded_without_recursion_error() -> None:
    """10,000 nested flow lists stop at the depth cap with a position."""
    problems = read_yaml("[" * 10_000 + "]" * 10_000, "t.yaml")[1]
    assert [p.code for p in problems] == ["too-deep"]
    assert problems[0].line == 1 and problems[0].column == MAX_DEPTH + 1


def test_cyclic_alias_is_a_problem() -> None:
    """An anchor that contains its own alias does not loop forever."""
    assert [c for _, _, c in _codes("&s\nid: x\nchild: *s\n")] == ["alias-cycle"]


def test_huge_input_is_refused_before_parsing() -> None:
    """Over the size cap: one `too-large` problem at 1:1."""
    assert _codes(b"a: " + b"x" * MAX_BYTES) == [(1, 1, "too-large")]


def test_huge_scalar_within_size_cap_is_a_problem() -> None:
    """A single value longer than the scalar cap is reported at its position."""
    assert _codes("a: b\nc: " + "x" * (MAX_SCALAR + 1) + "\n") == [(2, 4, "too-long")]


def test_nul_byte_is_located() -> None:
    """A NUL byte is a `bad-character` at its line and column."""
    assert _codes(b"a: b\nid: x\x00y\n") == [(2, 6, "bad-character")]


def test_invalid_utf8_is_located() -> None:
    """Invalid UTF-8 is a `bad-encoding` problem at the byte's position."""
    assert _codes(b"a: b\nc: d\xff\n") == [(2, 5, "bad-encoding")]


def test_bom_is_accepted() -> None:
    """A UTF-8 byte-order mark is not an error."""
    doc, problems = read_yaml(b"\xef\xbb\xbfa: 1\n", "t.yaml")
    assert problems == [] and doc is not None and doc.data == {"a": 1}


def test_custom_tags_are_refused() -> None:
    """`!!python/...` and local tags are problems, never constructed."""
    assert [c for _, _, c in _codes("a: !!python/object:os.system x\nb: !foo 1\n")] == [
        "unsupported-tag",
        "unsupported-tag",
    ]


def test_empty_document() -> None:
    """An empty file is one `empty` problem."""
    assert _codes("") == [(1, 1, "empty")]


def test_multiple_documents_are_a_syntax_problem() -> None:
    """A norm file is one document."""
    assert [c for _, _, c in _codes("a: 1\n---\nb: 2\n")] == ["syntax"]
