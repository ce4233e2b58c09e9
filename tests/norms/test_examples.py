"""run_examples: the engine of `normbot norms test`."""

from __future__ import annotations

from collections.abc import Sequence

from norms import ReleaseFields, load_pack_text, run_examples
from norms.fields import Link

PACK = """
schema_version: 1
id: ex
version: 1.0.0
norms:
  - {id: lic, need: ownership, severity: warn, require: [license]}
  - {id: link, need: credit, severity: nudge, require: [links]}
examples:
  - name: stated
    text: "license mit"
    fields: {license: mit}
    expect: {lic: pass}
  - name: wrong on purpose
    text: "nothing"
    expect: {lic: pass}
  - name: extraction feeds fields, fields override it
    text: "see https://huggingface.co/a/b"
    fields: {links: []}
    expect: {link: fail}
  - name: extraction alone
    text: "see https://huggingface.co/a/b"
    expect: {link: pass}
"""


def _extract(text: str, attachments: Sequence[str] = ()) -> ReleaseFields:
    """A stand-in extractor: links only, like the first-cut extractor."""
    return ReleaseFields(links=tuple(Link(w) for w in text.split() if w.startswith("https://")))


def test_outcomes_report_expected_and_actual() -> None:
    """One outcome per expectation; a wrong expectation is reported, not hidden."""
    pack = load_pack_text(PACK)
    outcomes = run_examples(pack, _extract)
    assert [(o.example.name, o.norm_id, o.expected, o.actual, o.ok) for o in outcomes] == [
        ("stated", "lic", "pass", "pass", True),
        ("wrong on purpose", "lic", "pass", "fail", False),
        ("extraction feeds fields, fields override it", "link", "fail", "fail", True),
        ("extraction alone", "link", "pass", "pass", True),
    ]
    bad = outcomes[1]
    assert bad.label() == "<text>:13: example 2 (wrong on purpose)"
    assert bad.evidence == ("missing: license",)
