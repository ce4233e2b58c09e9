"""Extraction on real announcements: cases drawn from the corpus's train split (loaded by id, verbatim) and
the newcomer's posts the detection issue reports, plus the learned parts (type model, name ranker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.detection.evaluate import Example, _comparable, load_examples
from moderation.extraction import extract
from moderation.extraction.model_type import TypeModel
from moderation.extraction.name_rank import Candidate, NameRanker

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus" / "corpus.jsonl"


@pytest.fixture(scope="module")
def corpus() -> dict[str, Example]:
    return {e.id: e for e in load_examples(CORPUS)}


@pytest.mark.parametrize(
    ("ident", "fields"),
    [
        # a trainer-generated model card: heading name, "fine-tuned version of [owner/base](...)"
        ("hfcards-0011", ("model_name", "base_model", "model_type")),
        # Chinese model introduction: name token, "基于 [ChatGLM-6B](...)"
        ("nonenglish-0258", ("model_name", "base_model", "model_type")),
        # README news with a bold name after a (misspelt) release verb
        ("toolnotes-0135", ("model_name", "model_type")),
        # Chinese changelog with the name in bold after 新增
        ("nonenglish-0142", ("model_name",)),
        # "We release the X family, including <code>X-tiny</code>": the release verb's object
        ("readme-llm-0326", ("model_name",)),
        # a Civitai version note of a merge
        ("civitai-0059", ("model_name", "model_type")),
        # an issue comment posting GGUF quants: the name is the first Hugging Face repo
        ("chat-0332", ("model_name", "model_type")),
    ],
)
def test_corpus_cases(corpus: dict[str, Example], ident: str, fields: tuple[str, ...]) -> None:
    example = corpus[ident]
    assert example.split == "train", "cases come from the train split, never from test"
    got = extract(example.text).to_json()
    for name in fields:
        assert _comparable(name, got.get(name)) == _comparable(name, example.fields.get(name)), (name, got)


def test_merge_recipe_with_an_equals_sign() -> None:
    """The issue's newcomer: `"Dreamforge XL" = 60% Juggernaut XL v9 + 40% RealVisXL v4` was named after a
    parent ("Juggernaut XL v4"); the parents are the recipe's parts, with their versions."""
    f = extract('"Dreamforge XL" = 60% Juggernaut XL v9 + 40% RealVisXL v4')
    assert f.parents[:2] == ("Juggernaut XL v9", "RealVisXL v4")
    assert f.model_name != "Juggernaut XL v4"
    assert f.model_type == "merge"


def test_hugging_face_fine_tune_and_its_quant_are_named() -> None:
    """A fine-tune and its GGUF quant posted as bare Hugging Face links were "untitled"."""
    tune = extract(
        "New fine-tune: https://huggingface.co/jdoe/Qwen2.5-7B-Instruct-Roleplay-v1 (base: Qwen/Qwen2.5-7B-Instruct)"
    )
    assert tune.model_name == "Qwen2.5-7B-Instruct-Roleplay-v1"
    assert tune.base_model == "Qwen/Qwen2.5-7B-Instruct" and tune.model_type == "finetune"
    quant = extract("GGUF quants are up: https://huggingface.co/jdoe/Qwen2.5-7B-Instruct-Roleplay-v1-GGUF")
    assert quant.model_name == "Qwen2.5-7B-Instruct-Roleplay-v1-GGUF" and quant.model_type == "quantization"


def test_a_license_line_is_not_a_trigger_word() -> None:
    f = extract("Trigger: neonpunk\nLicense: openrail++\nhttps://civitai.com/models/123/neon")
    assert f.trigger_words == ("neonpunk",) and f.license == "openrail++"


def test_no_type_is_guessed_for_what_the_rule_features_read() -> None:
    """The rule features must say what the text states: no inferred type without a keyword."""
    text = "We release InternVideo2.5 weights on Hugging Face"
    assert extract(text, infer_type=False).model_type is None
    assert extract(text).model_type is not None


def test_type_model_learns_and_abstains_on_no_words(tmp_path: Path) -> None:
    texts = ["speech recognition model released", "text to speech voice model", "chat llm 7b instruct model"] * 4
    labels = ["other", "other", "llm"] * 4
    model = TypeModel.fit(texts, labels, steps=200)
    guess = model.predict("a new speech recognition model")
    assert guess is not None and guess[0] == "other"
    assert model.predict("!!! ...") is None
    model.save(tmp_path / "t.npz")
    assert TypeModel.load(tmp_path / "t.npz").predict("chat llm 7b")[0] == "llm"  # type: ignore[index]


def test_name_ranker_learns_which_rule_to_trust() -> None:
    """Trained where the heading is the name and the bold text is a date, it picks the heading."""

    def propose(text: str) -> list[Candidate]:
        head, bold = text.split("|")
        return [Candidate(bold, {"bold"}), Candidate(head, {"heading"})]

    rows = [(f"Model{i}-7B|2024.0{i % 9 + 1}", f"Model{i}-7B") for i in range(30)]
    ranker = NameRanker.fit(rows, propose, lambda a, b: a == b)
    assert ranker.choose(propose("Zeta-3B|2025.01"), "Zeta-3B|2025.01") == "Zeta-3B"
    assert ranker.choose([], "") is None
