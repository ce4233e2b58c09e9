"""The real-text corpus (tests/data/corpus/corpus.jsonl) and its training supplement (supplement.jsonl): their
invariants, and the detection issue's requirements as `shared/tools/corpus-check.py` states them."""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.detection.evaluate import LANG_GROUPS, load_examples

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "corpus" / "corpus.jsonl"
SUPPLEMENT = REPO / "tests" / "data" / "corpus" / "supplement.jsonl"
SUPPLEMENT2 = REPO / "tests" / "data" / "corpus" / "supplement2.jsonl"
SHARED = REPO.parent / "shared"
TYPES = {"llm", "finetune", "checkpoint", "adapter", "lora", "quantization", "merge", "embedding", "other"}


def _records(path: Path = CORPUS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", [CORPUS, SUPPLEMENT, SUPPLEMENT2], ids=["corpus", "supplement", "supplement2"])
def test_records_have_the_corpus_fields(path: Path) -> None:
    rows = _records(path)
    assert len(rows) >= (4000 if path == CORPUS else 1000)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert {"id", "text", "is_release", "fields", "source", "split", "lang"} <= set(r), r["id"]
        assert isinstance(r["is_release"], bool) and r["split"] in ("train", "dev", "test")
        assert str(r["source"]).startswith(("http://", "https://")), r["id"]
        assert (r["category"] == "release") == r["is_release"], r["id"]
        fields = r["fields"]
        assert isinstance(fields, dict)
        if not r["is_release"]:
            assert fields == {}, r["id"]
        elif "model_type" in fields:
            assert fields["model_type"] in TYPES, r["id"]


@pytest.mark.parametrize("path", [CORPUS, SUPPLEMENT, SUPPLEMENT2], ids=["corpus", "supplement", "supplement2"])
def test_links_are_every_url_of_the_text_in_order(path: Path) -> None:
    """The label rule for links, checked on every positive (build.py applies it; this keeps it applied)."""
    url = re.compile(r"https?://[^\s<>\"'`\]\[)(]+")
    for r in _records(path):
        if r["is_release"]:
            want = [m.group(0).rstrip(".,;:!?*_~") for m in url.finditer(str(r["text"]))]
            assert r["fields"].get("links", []) == want, r["id"]  # type: ignore[union-attr]


def test_no_source_in_two_splits() -> None:
    splits: dict[str, set[str]] = collections.defaultdict(set)
    for r in _records():
        splits[str(r["source_key"])].add(str(r["split"]))
    assert all(len(s) == 1 for s in splits.values())


@pytest.mark.parametrize(
    ("path", "against"),
    [(SUPPLEMENT, [CORPUS]), (SUPPLEMENT2, [CORPUS, SUPPLEMENT])],
    ids=["supplement", "supplement2"],
)
def test_the_supplement_is_training_data_from_new_sources(path: Path, against: list[Path]) -> None:
    """Every supplement record is in train, and no source, text or id of it is in the corpus (or an earlier
    supplement): dev and test stay exactly what earlier figures were measured on, and no source is in two
    splits."""
    corpus = [r for p in against for r in _records(p)]
    supplement = _records(path)
    assert {r["split"] for r in supplement} == {"train"}
    assert not {r["source_key"] for r in supplement} & {r["source_key"] for r in corpus}
    norm = lambda r: re.sub(r"\s+", " ", str(r["text"]).lower())  # noqa: E731
    assert not {norm(r) for r in supplement} & {norm(r) for r in corpus}
    assert not {r["id"] for r in supplement} & {r["id"] for r in corpus}
    assert sum(r["is_release"] for r in supplement) >= 0.25 * len(supplement)


@pytest.mark.skipif(
    not (SHARED / "eval" / "excluded-sources.txt").is_file(), reason="shared/ is not beside the checkout"
)
def test_no_excluded_reddit_post_under_another_address() -> None:
    """A Reddit post has several addresses (`/r/<sub>/comments/<id>`, `/comments/<id>`): the exclusion list's
    posts are matched by id, in the source and in the place the text was read from."""
    listed = (SHARED / "eval" / "excluded-sources.txt").read_text(encoding="utf-8")
    post = re.compile(r"reddit\.com/(?:r/\w+/)?comments/(\w+)")
    excluded = {m.group(1) for m in post.finditer(listed)}
    assert excluded
    for r in _records() + _records(SUPPLEMENT):
        for address in (str(r["source"]), str(r.get("via") or "")):
            m = post.search(address)
            assert m is None or m.group(1) not in excluded, r["id"]


def test_every_split_has_releases_and_non_english_text() -> None:
    examples = load_examples(CORPUS)
    for split in ("train", "dev", "test"):
        rows = [e for e in examples if e.split == split]
        assert sum(e.is_release for e in rows) >= 0.15 * len(rows), split
        assert sum(e.lang_group != "en" for e in rows) >= 0.08 * len(rows), split
    assert {e.lang_group for e in examples} >= set(LANG_GROUPS) - {"es"}


@pytest.mark.skipif(not (SHARED / "tools" / "corpus-check.py").is_file(), reason="shared/ is not beside the checkout")
def test_corpus_meets_the_detection_issue_requirements() -> None:
    """Size, sources, at most 20 per source, negatives, non-English, no excluded source, no duplicate."""
    proc = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "corpus-check.py"), str(SHARED / "eval" / "excluded-sources.txt")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all checks hold" in proc.stdout


def test_the_supplement_trains_detection_but_not_extraction() -> None:
    """`normbot detect train` reads both supplements for detection; extraction's learned parts are fitted
    without them (the first lowered them on dev), however the path to them is written."""
    from moderation.detection.train import DEFAULT_AUGMENT, DEFAULT_AUGMENTS, extraction_rows_of, train_rows_of

    assert SUPPLEMENT in DEFAULT_AUGMENTS and SUPPLEMENT2 in DEFAULT_AUGMENTS
    everything = {e.id for e in train_rows_of(CORPUS, (), DEFAULT_AUGMENTS)}
    supplement = {str(r["id"]) for path in (SUPPLEMENT, SUPPLEMENT2) for r in _records(path)}
    assert supplement <= everything
    relative = [p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p for p in (SUPPLEMENT, SUPPLEMENT2)]
    for augment in (DEFAULT_AUGMENTS, (*relative, DEFAULT_AUGMENT)):
        extraction = {e.id for e in extraction_rows_of(CORPUS, (), augment)}
        assert not extraction & supplement and extraction == everything - supplement
