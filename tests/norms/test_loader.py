"""The loader: golden (line, col, code) for invalid files, valid files load, extends/overrides, digest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from norms import NormFileError, Problem, lint_path, lint_text, load_builtin, load_pack, load_pack_text, resolve_pack
from tests.conftest import examples

CASES = Path(__file__).parent / "cases"
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
VALID = sorted((CASES / "valid").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (\d+):(\d+) ([a-z-]+)$", re.M)


def test_corpora_are_not_empty() -> None:
    """The golden corpora exist (a glob that finds nothing would make the tests below vacuous)."""
    assert len(INVALID) >= 20 and len(VALID) >= 5


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_file_problems_are_exactly_the_expected(path: Path) -> None:
    """Each invalid file lists its expected `# expect: line:col code` and gets exactly those problems."""
    expected = sorted((int(a), int(b), c) for a, b, c in _EXPECT.findall(path.read_text()))
    assert expected, f"{path.name} has no '# expect:' lines"
    problems = lint_path(path)
    mine = sorted((p.line, p.column, p.code) for p in problems if Path(p.file).resolve() == path.resolve())
    assert mine == expected
    with pytest.raises(NormFileError):
        load_pack(path)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_files_load(path: Path) -> None:
    """Every valid case loads with no problems."""
    assert lint_path(path) == []
    assert load_pack(path).id


@pytest.mark.parametrize("text", ["~", "null", "42", "just text", "[]"])
def test_non_mapping_documents_are_one_problem(text: str) -> None:
    """A document that is not a mapping (even YAML null) is `not-a-mapping` at 1:1."""
    assert [(p.line, p.column, p.code) for p in lint_text(text)] == [(1, 1, "not-a-mapping")]


def test_did_you_mean_hints() -> None:
    """Typos in keys, enum values, extends and override ids get a suggestion."""
    hints = {p.code: p.hint for p in lint_path(CASES / "invalid" / "unknown-key.yaml")}
    assert hints["unknown-key"] == "did you mean 'require'?"
    [p] = lint_path(CASES / "invalid" / "override-unknown-norm.yaml")
    assert p.hint == "did you mean 'credit-base-model'?"


def test_norm_file_error_lists_every_problem() -> None:
    """str(NormFileError) names the count and each problem with file:line:col."""
    with pytest.raises(NormFileError) as info:
        load_pack(CASES / "invalid" / "three-mistakes.yaml")
    text = str(info.value)
    assert text.startswith("norm file has 3 problems")
    assert text.count("three-mistakes.yaml:") == 3


def test_extends_with_override_and_off() -> None:
    """A child re-grades one inherited norm, switches one off, adds its own; the rest is inherited."""
    base = load_builtin("baseline")
    child = load_pack(CASES / "valid" / "extends-baseline.yaml")
    ids = [n.id for n in child.norms]
    assert "harm-intended-use" not in ids and child.switched_off == ("harm-intended-use",)
    assert ids[-1] == "credit-sample-prompt"
    assert len(ids) == len(base.norms)  # one off, one added
    over = child.norm("credit-base-model")
    assert over is not None and over.severity == "block" and over.fix == "Name it or the post is hidden."
    assert over.title == base.norm("credit-base-model").title  # type: ignore[union-attr]
    assert over.source.endswith("extends-baseline.yaml")
    assert child.review == base.review


def test_relative_extends_chain() -> None:
    """child -> ./parent -> baseline: overrides and review settings merge along the chain."""
    child = load_pack(CASES / "valid" / "relative-child.yaml")
    assert child.review.quorum == 4 and child.review.window.total_seconds() == 48 * 3600
    assert child.norm("own-takedown-path") is None
    parent_only = child.norm("parent-only")
    assert parent_only is not None and parent_only.severity == "warn"
    assert len(child.source_files) == 3


def test_extends_cycle_is_reported() -> None:
    """a -> b -> a is an `extends-cycle` problem, not a RecursionError."""
    codes = {p.code for p in lint_path(CASES / "invalid" / "extends-cycle-a.yaml")}
    assert "extends-cycle" in codes


def test_relative_extends_from_text_needs_a_base_dir(tmp_path: Path) -> None:
    """Text uploaded in chat may extend built-ins only, unless a base directory is given."""
    (tmp_path / "p.yaml").write_text("schema_version: 1\nid: p\nversion: 1.0.0\n")
    text = "schema_version: 1\nid: c\nversion: 1.0.0\nextends: [./p.yaml]\n"
    assert [p.code for p in lint_text(text)] == ["unknown-extends"]
    assert load_pack_text(text, base_dir=tmp_path).source_files == ("<text>", str((tmp_path / "p.yaml").resolve()))


def test_text_packs_cannot_extend_outside_their_folder(tmp_path: Path) -> None:
    """An uploaded pack may not reach files outside base_dir (it could echo their contents in problems)."""
    packs = tmp_path / "packs"
    packs.mkdir()
    (tmp_path / "secret.yaml").write_text("schema_version: 1\nid: s\nversion: 1.0.0\n")
    text = "schema_version: 1\nid: c\nversion: 1.0.0\nextends: [../secret.yaml]\n"
    [p] = lint_text(text, base_dir=packs)
    assert (p.line, p.column, p.code) == (4, 11, "unknown-extends") and "outside" in p.message
    # The same file on disk may use ../ (a repository layout is the author's own choice).
    (packs / "c.yaml").write_text(text)
    assert load_pack(packs / "c.yaml").source_files[-1] == str((tmp_path / "secret.yaml").resolve())


def test_own_norm_may_not_shadow_an_inherited_one() -> None:
    """Redefining an inherited id is a duplicate; the hint says to use overrides."""
    text = (
        "schema_version: 1\nid: c\nversion: 1.0.0\nextends: [baseline]\nnorms:\n"
        "  - id: credit-base-model\n    need: credit\n    severity: info\n    require: [base_model]\n"
    )
    [p] = lint_text(text)
    assert (p.line, p.column, p.code) == (6, 9, "duplicate-norm-id") and "overrides" in (p.hint or "")


def test_resolve_pack_names_and_paths(tmp_path: Path) -> None:
    """resolve_pack takes a built-in name or a path relative to base_dir."""
    assert resolve_pack("baseline").id == "baseline"
    (tmp_path / "x.yaml").write_text("schema_version: 1\nid: x\nversion: 1.0.0\n")
    assert resolve_pack("x.yaml", tmp_path).id == "x"
    with pytest.raises(NormFileError, match="no such file"):
        resolve_pack("missing.yaml", tmp_path)


def test_digest_is_stable_and_content_sensitive(tmp_path: Path) -> None:
    """Same content -> same digest (whatever the file name, comments or key order); any change -> new digest."""
    a = (
        "schema_version: 1\nid: d\nversion: 1.0.0\nnorms:\n"
        "  - {id: n, need: credit, severity: warn, require: [license]}\n"
    )
    b = (
        "# comment\nversion: 1.0.0\nid: d\nschema_version: 1\nnorms:\n  - id: n\n    severity: warn\n"
        "    need: credit\n    require: [license]\n"
    )
    (tmp_path / "a.yaml").write_text(a)
    assert load_pack_text(a).digest == load_pack_text(b, "other.yaml").digest == load_pack(tmp_path / "a.yaml").digest
    assert re.fullmatch("[0-9a-f]{64}", load_pack_text(a).digest)
    assert load_pack_text(a.replace("warn", "block")).digest != load_pack_text(a).digest
    assert load_pack_text(a.replace("1.0.0", "1.0.1")).digest != load_pack_text(a).digest
    # Review defaults spelled out explicitly resolve to the same pack.
    explicit = a + "review: {window: 3d, quorum: 2}\n"
    assert load_pack_text(explicit).digest == load_pack_text(a).digest


def test_builtin_digest_is_reproducible() -> None:
    """Loading the baseline twice gives the same digest (the core stores it with every check)."""
    assert load_builtin("baseline").digest == load_builtin("baseline").digest


def _load_problems(text: str) -> tuple[Problem, ...] | None:
    """None when the text loads; its problems when it raises NormFileError (anything else propagates)."""
    try:
        load_pack_text(text)
    except NormFileError as exc:
        return exc.problems
    return None


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_fuzz_loader_raises_only_norm_file_error(text: str) -> None:
    """Random text either loads or raises NormFileError; lint never raises."""
    linted = lint_text(text)
    assert all(p.line >= 1 and p.column >= 1 for p in linted)
    raised = _load_problems(text)
    assert (raised is None) == (linted == [])
    assert raised is None or list(raised) == linted


_yamlish = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=20),
        st.sampled_from(["off", "warn", "credit", "baseline", "(a)\\1", "24h", "[", "&a", "*a"]),
    ),
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "norms",
                    "need",
                    "severity",
                    "require",
                    "forbid",
                    "extends",
                    "overrides",
                    "review",
                    "when",
                    "examples",
                    "expect",
                    "text",
                    "x",
                ]
            ),
            kids,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yamlish)
def test_fuzz_structured_norm_files(body: object) -> None:
    """Norm-file-shaped random structures never crash the loader."""
    import yaml

    text = yaml.safe_dump({"schema_version": 1, "id": "f", "version": "1.0.0", "norms": body})
    problems = _load_problems(text)
    assert problems is None or all(p.line >= 1 for p in problems)


def test_failed_parent_does_not_cascade_into_override_problems() -> None:
    """A typo in extends is one problem; overrides of the unreachable parent's norms are not blamed too."""
    text = "schema_version: 1\nid: c\nversion: 1.0.0\nextends: [baselin]\noverrides:\n  credit-base-model: off\n"
    assert [(p.line, p.column, p.code) for p in lint_text(text)] == [(4, 11, "unknown-extends")]
