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


# Rules added for issue 19 item 4, each with snippets of train/dev announcements (verbatim, shortened).


@pytest.mark.parametrize(
    ("text", "base"),
    [
        # named right after "for" / "trained on": the base, as specific as the text says it
        (
            "Over the past few months I've been working on SatEdit, a LoRA for Qwen-Image-Edit-2511",
            "Qwen-Image-Edit-2511",
        ),
        ("This is a LoRA for FLUX.2 Klein 9B designed to generate a font atlas", "FLUX.2 Klein 9B"),
        ("Trained on Pony Diffusion V6 XL with 63 pictures.", "Pony"),
        # name before the cue: Korean 기반, Chinese 的基础上
        (
            "- [🤗Polyglot-ko 5.8B 기반 KoAlpaca-Polyglot-5.8B-v1.1b fp16 모델](https://huggingface.co/beomi/x) 공개",
            "Polyglot-ko 5.8B",
        ),
        ("开放[BELLE-LLaMA-EXT-13B](https://huggingface.co/x/y)，在LLaMA-13B的基础上扩展中文词表", "LLaMA-13B"),
        # a DreamBooth card's template sentences
        ("This is a Stable Diffusion model fine-tuned on the mazapan concept with DreamBooth.", "Stable Diffusion"),
        ("### clay_icon Dreambooth model trained by andrewburns with the v1-5 base model", "v1-5"),
        # a Latin name glued to the Chinese sentence ends where the Chinese starts
        ("[2023/04/24] 增加了基于LLaMA和医学文献进行指令微调的模型发布。", "LLaMA"),
        # "built upon <vision encoder> and <LLM>": the language model
        ("Bunny-v1.0-3B-zh is released! It is built upon SigLIP and MiniCPM-2B.", "MiniCPM-2B"),
        ("We developed Flacuna by fine-tuning Vicuna-13B on the Flan collection.", "Vicuna-13B"),
        ("Anouncing OtterHD-8B, improved from Fuyu-8B.", "Fuyu-8B"),
        # a chat post's "base SDXL" and "SD 1.5 based" still count
        ("Merge of A (0.6) + B (0.4), base SDXL", "SDXL 1.0"),
    ],
)
def test_stated_base_models(text: str, base: str) -> None:
    assert _comparable("base_model", extract(text).base_model) == _comparable("base_model", base)


@pytest.mark.parametrize(
    "text",
    [
        # a training method or a license after 基于 is not a model
        "开源了第一个基于QLoRA的中文33B大语言模型",
        "Aquila系列模型的源代码基于 [Apache 2.0 协议](https://www.apache.org/licenses/LICENSE-2.0)",
        # "fine-tuned the <x> concept" names a DreamBooth concept, "fine-tuned Japanese model" a language
        "This your the Stable Diffusion model fine-tuned the house-emblem concept taught to Stable Diffusion",
        "- Fine-tuned Japanese model: https://huggingface.co/a/b",
    ],
)
def test_no_base_model_stated(text: str) -> None:
    assert extract(text).base_model is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "# Model Card for qwen_lora_adapter_0115_s\n\nThis model is a fine-tuned version of a model.",
            "qwen_lora_adapter_0115_s",
        ),
        ("### knight_big Dreambooth model trained by iakl with TheLastBen's fast-DreamBooth notebook", "knight_big"),
        (
            "# 开源Anima 33B的DPO alignment版本模型\n\n我们针对我们开源的Anima 33B训练了DPO alignment的版本。",
            "Anima 33B",
        ),
    ],
)
def test_names_in_card_headings_and_cjk(text: str, name: str) -> None:
    assert _comparable("model_name", extract(text).model_name) == _comparable("model_name", name)


def test_a_base_elsewhere_on_a_for_line_is_not_the_base(corpus: dict[str, Example]) -> None:
    """A Civitai description (longer than a chat post) that says "most SDXL models trained on the Danbooru
    dataset ..." names SDXL, but not as its base: the old rule took any known base on a line with "trained on"."""
    example = corpus["civitai-0301"]
    assert example.split == "train" and "most SDXL models trained on the Danbooru" in example.text
    assert example.fields.get("base_model") is None
    assert extract(example.text).base_model is None


def test_the_stated_base_is_not_the_name() -> None:
    """`base_model:` in a card's front matter (a mergekit card) and "fine-tuned version of X" name the parent."""
    card = (
        "---\nbase_model:\n- unsloth/Meta-Llama-3.1-8B-Instruct\nlibrary_name: transformers\ntags:\n- mergekit\n"
        "- merge\n\n---\n# ties_1_0845\n\nThis is a merge of pre-trained language models created using mergekit."
    )
    assert extract(card).model_name == "ties_1_0845"
    dialo = (
        "## Chizuru Ichinose as a DialoGPT model\n\nThis model is a fine-tuned version of "
        "[DialoGPT-medium](https://huggingface.co/microsoft/DialoGPT-medium/) trained on the show's lines."
    )
    assert extract(dialo).model_name != "DialoGPT-medium"


def test_a_research_checkpoint_is_typed_by_its_words() -> None:
    """ "Checkpoint" outside an image-model text means weights: the type model reads the rest (a speech model
    here); in a diffusion text it stays a checkpoint."""
    speech = "We've uploaded the checkpoints of our speech recognition model for the paper; see the README."
    assert extract(speech, infer_type=False).model_type == "checkpoint"
    assert extract(speech).model_type != "checkpoint"
    assert extract("New checkpoint for SDXL, trained on 2k images").model_type == "checkpoint"


def test_one_long_line_of_license_aliases_stays_linear() -> None:
    """40,000 context-only license aliases ("Qwen") on one 200,000-character line: the license extractor lowered
    and searched the whole line once per hit (86 s); it now reads each line once (well under a second)."""
    import time

    started = time.monotonic()
    extract("Qwen-" * 40_000)
    assert time.monotonic() - started < 10
