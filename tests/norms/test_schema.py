"""The shipped JSON Schema: valid for its draft, and satisfied by every valid file and built-in pack."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from norms._schema import schema
from norms._yaml import read_yaml

CASES = Path(__file__).parent / "cases"
PACKS = resources.files("norms").joinpath("packs")


def _files() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text("utf-8")) for p in sorted((CASES / "valid").glob("*.yaml"))]
    out += [(f"<builtin>/{p.name}", p.read_text("utf-8")) for p in PACKS.iterdir() if p.name.endswith(".yaml")]
    return out


def test_schema_is_a_valid_2020_12_schema() -> None:
    """Editors can load it."""
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize(("name", "text"), _files(), ids=[n for n, _ in _files()])
def test_valid_files_validate(name: str, text: str) -> None:
    """What the loader accepts, the schema accepts (editors and lint agree; YAML 1.2 scalars: `off` is a string)."""
    doc, problems = read_yaml(text, name)
    assert problems == [] and doc is not None
    jsonschema.Draft202012Validator(schema()).validate(doc.data)


def test_schema_rejects_an_unknown_key() -> None:
    """The schema is closed: an unknown key at norm level is an error for editors too."""
    bad = {
        "schema_version": 1,
        "id": "x",
        "version": "1.0.0",
        "norms": [{"id": "a", "need": "credit", "severity": "warn", "requir": ["license"]}],
    }
    assert not jsonschema.Draft202012Validator(schema()).is_valid(bad)
