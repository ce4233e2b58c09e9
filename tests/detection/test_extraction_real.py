"""Extraction on real announcements: cases drawn from the corpus's train split (loaded by id, verbatim) and
the newcomer's posts the detection issue reports, plus the learned parts (type model, name ranker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moderation.detection.evaluate import Example, _comparable, load_examples
from moderation.extraction import extract, name_candidates_of
from moderation.extraction.model_type import TYPES, TypeModel
from moderation.extraction.name_rank import _CROSSED, _KINDS, N_FEATURES, Candidate, NameRanker, group_features
from moderation.extraction.names import (
    before_verb,
    cjk_verb_object,
    first_line_names,
    heading_name,
    subject_name,
    verb_object,
)

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
    assert f.model_name == "Dreamforge XL"
    assert f.model_type == "merge"


@pytest.mark.parametrize(
    "text",
    [
        '"Dreamforge XL" = 60% Juggernaut XL v9 + 40% RealVisXL v4, grab it here https://civitai.com/models/999',
        "Dreamforge XL = 60% Juggernaut XL v9 + 40% RealVisXL v4\nhttps://civitai.com/models/999/juggernaut-xl",
        "**Dreamforge XL** = 0.6 Juggernaut XL v9 + 0.4 RealVisXL v4",
    ],
)
def test_the_left_side_of_a_merge_recipe_is_the_name_as_stated(text: str) -> None:
    """A recipe's left side names the model as plainly as a "Name:" line: the ranker is not asked (it abstained
    on it, having seen few recipes), a Civitai link to an ingredient does not outvote it, and a clause after the
    last weighted ingredient is no parent."""
    assert "recipe" in next(c.rules for c in name_candidates_of(text) if c.text == "Dreamforge XL")
    f = extract(text)
    assert f.model_name == "Dreamforge XL"
    assert f.parents[:2] == ("Juggernaut XL v9", "RealVisXL v4") or not f.parents


@pytest.mark.parametrize(
    "text", ["lr = 0.5 * base_lr + warmup", "x_out = 0.3 * x + 0.7 * y", "weight = 50% of the time"]
)
def test_code_and_sentences_with_an_equals_sign_are_no_recipe(text: str) -> None:
    assert not any("recipe" in c.rules for c in name_candidates_of(text))


def test_a_weighted_recipe_keeps_only_its_weighted_parts() -> None:
    f = extract('"Dreamforge XL" = 60% Juggernaut XL v9 + 40% RealVisXL v4, grab it here')
    assert f.parents == ("Juggernaut XL v9", "RealVisXL v4")
    unweighted = extract("This is a merge of DreamShaper, RealVis and Juggernaut")
    assert unweighted.parents == ("DreamShaper", "RealVis", "Juggernaut")


def test_a_civitai_link_slug_is_a_candidate_name() -> None:
    """Civitai spells the page title into the link, as Hugging Face spells the repo: the ranker weighs it (on
    real Civitai notes the links often point to ingredients, so it is a candidate, not the answer)."""
    cands = name_candidates_of("finally finished my first checkpoint! https://civitai.com/models/4242/realmix")
    assert any(c.text == "realmix" and "civitai_slug" in c.rules for c in cands)
    assert not any("civitai_slug" in c.rules for c in name_candidates_of("see https://civitai.com/models/4242"))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("reuploading Pony Diffusion V6 XL here since civitai took it down", "Pony Diffusion V6 XL"),
        ("We release Stable Cascade v2 today", "Stable Cascade v2"),
        ("we present our SoTA Mantis-8B-Idefics2 model", "Mantis-8B-Idefics2"),
    ],
)
def test_a_version_word_does_not_cut_the_name_before_it(text: str, name: str) -> None:
    """An adjective before a model token is dropped ("our SoTA Mantis-8B-Idefics2"); but "V6" in "Pony Diffusion
    V6 XL" is a version of the words before it, not a model token of its own (the name came out as "V6 XL")."""
    assert verb_object(text) == name


def test_hugging_face_fine_tune_and_its_quant_are_named() -> None:
    """A fine-tune and its GGUF quant posted as bare Hugging Face links were "untitled"."""
    tune = extract(
        "New fine-tune: https://huggingface.co/jdoe/Qwen2.5-7B-Instruct-Roleplay-v1 (base: Qwen/Qwen2.5-7B-Instruct)"
    )
    assert tune.model_name == "Qwen2.5-7B-Instruct-Roleplay-v1"
    assert tune.base_model == "Qwen/Qwen2.5-7B-Instruct" and tune.model_type == "finetune"
    quant = extract("GGUF quants are up: https://huggingface.co/jdoe/Qwen2.5-7B-Instruct-Roleplay-v1-GGUF")
    assert quant.model_name == "Qwen2.5-7B-Instruct-Roleplay-v1-GGUF" and quant.model_type == "quantization"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Civitai notes say it in a sentence
        ("Things To know:\n\nYou should use the trigger word hkwarrior\n\nUsage Tips for Pony:", ("hkwarrior",)),
        ("Things To know:\n\nThe trigger word is fsstyle, use it at the start.", ("fsstyle",)),
        ("Use the trigger words `mgestyle` for best results", ("mgestyle",)),
        # DreamBooth cards name their instance prompt
        (
            "It can be used by modifying the `instance_prompt`: **a photo of wbchaop wallbed**\n\nThis model was",
            ("a photo of wbchaop wallbed",),
        ),
        ("instance_prompt: **vasyalozhkin style** or **vasyalozhkin**", ("vasyalozhkin style", "vasyalozhkin")),
        ("Trigger words: romerorzeternos (optional)", ("romerorzeternos",)),
        # a line that says there is none, and sentences about trigger words that name none
        ("Trigger words: This LoRA is without Trigger Words, just put it in and enjoy", ()),
        ("No trigger words needed, the style is always on.", ()),
        ("The trigger words are not required for this one.", ()),
    ],
)
def test_trigger_words_as_real_cards_state_them(text: str, words: tuple[str, ...]) -> None:
    """From the corpus's train and dev Civitai notes and DreamBooth cards, where "Trigger: x" lines were rare:
    the extractor found 1 of 22 labelled trigger lists before these forms (docs/detection.md)."""
    assert extract(text).trigger_words == words


def test_a_merge_card_lists_its_ingredients() -> None:
    """mergekit's card template: its "a merge of pre-trained language models" is boilerplate, not a parent; the
    list after "The following models were included in the merge:" is (a linked item is its link text)."""
    card = (
        "---\nbase_model:\n- unsloth/Meta-Llama-3.1-8B-Instruct\ntags:\n- mergekit\n- merge\n---\n# pt_gl_ties\n\n"
        "This is a merge of pre-trained language models created using [mergekit](https://github.com/cg123/mergekit)."
        "\n\n## Merge Details\n### Merge Method\n\nThis model was merged using the TIES merge method.\n\n"
        "### Models Merged\n\nThe following models were included in the merge:\n"
        "* D:/models/llama_full_remerge_2\n* [Nos-PT/Llama-Carvalho-PT-GL](https://huggingface.co/Nos-PT/Llama-Carvalho-PT-GL)"
        "\n\n### Configuration\n\nThe following YAML configuration was used to produce this model:\n"
    )
    assert extract(card).parents == ("D:/models/llama_full_remerge_2", "Nos-PT/Llama-Carvalho-PT-GL")
    assert "pre-trained language models" not in " ".join(extract(card[: card.index("## Merge")]).parents)
    japanese = (
        "# Defmix-v1.0\n\n<strong>Defmix</strong>は、<strong>ACertainThings</strong>をベースに下記のモデルを"
        "U-Netの階層ごとに重みを変化させてマージしたモデルです。\n\n- <strong>*Counterfeit v1.0*</strong>\n"
        "- <strong>*Basil Mix*</strong>\n\nVaeファイルは好みのものを使用してください。"
    )
    assert extract(japanese).parents == ("Counterfeit v1.0", "Basil Mix")
    # an inline list is the recipe rules' ("merged models: A, B"), and what follows it is no ingredient
    inline = extract("Merged models: DreamShaper, RealVis\n\nEnjoy!\nhttps://civitai.com/models/1")
    assert inline.parents == ("DreamShaper", "RealVis")
    assert extract("This is a merge of the following models:\n\nEnjoy the results.").parents == ()


@pytest.mark.parametrize(
    "text",
    [
        "This codebase and all models are released under CC-BY-NC-SA-4.0 License.",
        "## [v0.2.0](https://github.com/allenai/LLM/releases/tag/v0.2.0) - 2023-12-08\n### Added",
        "### 텔레그램 봇: 한국어 5.8B v1.1b 모델 및 LLAMA 7B v1.0 모델 사용가능",
        "- 🔥 2023.10.17: Supported **int4**, **int8** models",
        "## What it does\n\n- Fetches images per model version",
        "# Model Card for Model ID\n\n<!-- Provide a quick summary of what the model is/does. -->",
    ],
)
def test_things_that_name_no_model_are_no_name(text: str) -> None:
    """Dev's false prompts were named after a licence, a bare version, size or number format, a section title
    that asks, or the card template's "Model ID"; and the detector weighs "a name was found"."""
    got = extract(text).model_name
    assert got is None or got.lower() not in {
        "cc-by-nc-sa-4.0", "v0.2.0", "5.8b", "int4", "what it does", "model id",
    }  # fmt: skip


def test_a_model_that_shares_a_context_only_licence_alias_keeps_its_name() -> None:
    """A licence alias that counts only on a licensing line ("gemma") is still a model name as a candidate."""
    from moderation.extraction.fields import _no_name
    from moderation.extraction.tables import tables

    assert tables().licenses.lookup("gemma") is not None and tables().licenses.lookup("gemma", strong=True) is None
    assert not _no_name("Gemma") and not _no_name("Qwen3") and _no_name("apache-2.0") and _no_name("v2.1")


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
    model = TypeModel.fit(texts, labels)
    guess = model.predict("a new speech recognition model")
    assert guess is not None and guess[0] == "other"
    assert model.predict("!!! ...") is None  # punctuation has character n-grams but no words
    model.save(tmp_path / "t.npz")
    assert TypeModel.load(tmp_path / "t.npz").predict("chat llm 7b")[0] == "llm"  # type: ignore[index]


def test_type_model_file_round_trip(tmp_path: Path) -> None:
    """The shipped format (float16 weights) gives the fitted model's probabilities back to float16 precision,
    every type fitted or ruled out, the same on every load; a file in the old layout is refused, not misread."""
    texts = ["speech recognition model", "Qwen2.5-7B-Instruct chat model", "GGUF quants Q4_K_M", "SDXL LoRA"] * 3
    labels = ["other", "llm", "quantization", "lora"] * 3
    model = TypeModel.fit(texts, labels)
    model.save(tmp_path / "t.npz")
    loaded = TypeModel.load(tmp_path / "t.npz")
    for text in ("a speech model", "Llama-3-8B-Instruct GGUF", "新しいチェックポイント"):
        p, q = model.probabilities(text), loaded.probabilities(text)
        assert p is not None and q is not None and p.shape == (len(TYPES),)
        assert np.allclose(p, q, atol=2e-3) and abs(float(q.sum()) - 1.0) < 1e-9
        assert np.array_equal(q, TypeModel.load(tmp_path / "t.npz").probabilities(text))
        assert float(q[TYPES.index("merge")]) < 1e-9  # no merge among the training labels
    np.savez_compressed(tmp_path / "old.npz", weights=np.zeros((1 << 14, len(TYPES)), dtype=np.float16))
    with pytest.raises(ValueError, match="type model"):
        TypeModel.load(tmp_path / "old.npz")
    one = TypeModel.fit(["an sdxl lora"] * 2, ["lora"] * 2).predict("anything at all")
    assert one is not None and one[0] == "lora" and one[1] > 0.999


@pytest.mark.parametrize(
    "text",
    [
        "- 2024.3.20 开源12B版本chat模型及量化版本",  # train nonenglish-0119, labelled llm
        "* 2024.09.19: The instruction-tuned [Qwen2-VL-72B model](https://huggingface.co/Qwen/Qwen2-VL-72B-Instruct)"
        " and its quantized version [[AWQ](https://huggingface.co/Qwen/Qwen2-VL-72B-Instruct-AWQ), [GPTQ-Int4]"
        "(https://huggingface.co/Qwen/Qwen2-VL-72B-Instruct-GPTQ-Int4)]",  # dev readme-llm-0002, labelled llm
        "[11/1/2023] 🔥开源**XuanYuan-70B-Chat模型及8-bit和4bit量化模型**",  # train nonenglish-0363, labelled llm
    ],
)
def test_quants_released_alongside_a_model_are_not_its_type(text: str) -> None:
    """Quantized files named after "and its"/"及" come with the release; they do not make it a quantization."""
    assert extract(text, infer_type=False).model_type != "quantization"


def test_a_quant_release_is_still_a_quantization() -> None:
    assert extract("Qwen2.5-7B-Instruct GGUF quants are up: Q4_K_M and Q8_0").model_type == "quantization"
    assert extract("Llama-3-8B, quantized to 4 bits with AWQ", infer_type=False).model_type == "quantization"


@pytest.mark.parametrize(
    "text",
    [
        # dev hfcards-0557 (labelled llm): a "+" and a "%" in a training note, not a recipe
        "PromptCLUE：全中文任务零样本学习模型\n\n这个模型是基于PromptCLUE-base进一步训练(+50%步数)，以及更多任务(+50%任务)",
        # train civitai-0007's kind (labelled checkpoint): ingredients joined by "+", no weights
        "VAE baked in\n\nv15 tinkered with Illustrij13, Editijon K:POP, Fireflij, ILijelle3, Animij2 + new unpublished",
    ],
)
def test_an_unweighted_plus_is_not_a_merge_recipe(text: str) -> None:
    assert extract(text, infer_type=False).model_type != "merge"


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
        # session 12, from the supplement's cards (extraction is not fitted on them): conversions and exports,
        # a linked base before "fine-tuned on", a lowercase repo id, a "Base model:" line holding a link
        ("This Model is 8bit Version of EleutherAI/gpt-j-6B. It is converted by bitsandbytes.", "EleutherAI/gpt-j-6B"),
        (
            "# Export of [sentence-transformers/paraphrase-MiniLM-L6-v2](https://huggingface.co/x) for ONNX",
            "sentence-transformers/paraphrase-MiniLM-L6-v2",
        ),
        ("This model is a [kobart](https://huggingface.co/hyunwoongko/kobart) fine-tuned on the news corpus", "kobart"),
        ("# bert-base for KLUE RE\nFine-tuned klue/bert-base using KLUE RE dataset.", "klue/bert-base"),
        (
            "- Base model: [ayaka14732/bart-base-jax](https://github.com/ayaka14732/bart-base-jax)\n",
            "ayaka14732/bart-base-jax",
        ),
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


def test_a_linked_base_and_its_repository_are_not_the_name() -> None:
    """Dev's README news (session 13): "基于[Bloom](…/bigscience/bloom-7b1)" names the base twice, by its link
    text and by its repository, and neither is the release's name; the line names no model of its own."""
    text = "[2023/07/19] 增加了基于[Bloom](https://huggingface.co/bigscience/bloom-7b1)进行指令微调的模型发布。"
    fields = extract(text)
    assert fields.base_model is not None and fields.model_name is None


def test_a_context_only_licence_alias_can_be_the_base() -> None:
    """ "Llama2" is also the name of a licence, but only in a licence's context: "基于LLama2的…7B模型" is based on
    the model (dev), while a strong licence name after 基于 still is no base."""
    fields = extract("Anima大语言模型更新发布了基于LLama2的可商用开源的7B模型，支持100K的输入窗口长度！")
    assert _comparable("base_model", fields.base_model) == _comparable("base_model", "Llama 2")
    assert fields.model_name != "LLama2"
    assert (
        extract("Aquila系列模型的源代码基于 [Apache 2.0 协议](https://www.apache.org/licenses/LICENSE-2.0)").base_model
        is None
    )


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


# Naming rules of session 10 round 2 (names-r2), each with snippets of train/dev announcements (verbatim,
# shortened). They propose candidates; the ranker chooses, so the rules are tested directly.


@pytest.mark.parametrize(
    ("text", "rule", "name"),
    [
        # a Civitai page / forum post opening with its title line, whole and by segment
        (
            "Nova Orange XL\n\nNova Orange XL is anime checkpoint with detailed skin and depth",
            "first_line",
            "Nova Orange XL",
        ),
        (
            "Lenovo UltraReal - Z-Image\nHi all. I noticed everyone is hyped about Z-Image.",
            "first_line_part",
            "Lenovo UltraReal",
        ),
        (
            "Ideogram 4.0 Realism Engine Lora (Beta)\n* It improve on missing anatomic knowledge",
            "first_line",
            "Ideogram 4.0 Realism Engine Lora",
        ),
    ],
)
def test_title_line_names(text: str, rule: str, name: str) -> None:
    assert (rule, name) in first_line_names(text)


@pytest.mark.parametrize(
    "text",
    [
        # a dated README news line and a sentence are no title
        "- [2023.09.06] 我们发布了新一代开源模型 [Baichuan 2](https://github.com/baichuan-inc/Baichuan2)，包含 7B",
        "I pre-trained a 700m on 18B tokens optimized for Python and Wikitext\nI know this is the 1000000th new model",
    ],
)
def test_no_title_line_name(text: str) -> None:
    assert first_line_names(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Equinox is a flexible semi-realistic XL model.\nBuilt on top of Illustrious‑XL foundations", "Equinox"),
        (
            "`FLUX.1 Kontext [dev]` is a 12 billion parameter rectified flow transformer capable of editing images",
            "FLUX.1 Kontext [dev]",
        ),
        ("MOSS是一个支持中英双语和多种插件的开源对话语言模型", "MOSS"),
        ("- Orion-14B-Baseは、140億のパラメータを持つマルチランゲージの大規模モデルで", "Orion-14B-Base"),
        ("This is a merge of pre-trained language models created using mergekit.", None),
    ],
)
def test_subject_of_the_opening_definition(text: str, name: str | None) -> None:
    assert subject_name(text) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("- **[2024/03/25]** 发布XVERSE-13B-2-Chat GGUF、GPTQ量化模型，支持llama.cpp", "XVERSE-13B-2-Chat GGUF"),
        (
            "- 🚀 开源中文Mixtral基础模型，该模型在[Mixtral-8x7B-v0.1](https://huggingface.co/mistralai/Mixtral-8x7B-v0.1)的基础上",
            "中文Mixtral",
        ),
        ("继双语模型AltCLIP与9语模型AltCLIP-m9之后，我们训练了18语CLIP模型。命名为AltCLIP-m18。", "AltCLIP-m18"),
    ],
)
def test_latin_name_after_a_chinese_release_verb(text: str, name: str) -> None:
    assert cjk_verb_object(text) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("2024/12/15: Kandinsky 3.1 Released", "Kandinsky 3.1"),  # a version inside the name, a title-case verb
        ("2020/11/3 预训练好的中文MacBERT已发布，使用方法与BERT一致。", "MacBERT"),  # a token glued to CJK
    ],
)
def test_name_before_the_release_verb(text: str, name: str) -> None:
    assert before_verb(text) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "# LoRA text2image fine-tuning - mary-ruiliii/genshin-style_character_generator\n\nThese are LoRA",
            "mary-ruiliii/genshin-style_character_generator",
        ),
        (
            "# DreamBooth model for the `mazapan` concept trained by kokuma on the `kokuma/figuritas-de-mazapan`",
            "mazapan",
        ),
        ("### dulls on Stable Diffusion via Dreambooth\n#### model by thomasjeon", "dulls"),
        ("# Wan Fun v1.1 Report\n\nIn Wan-Fun v1.1, we updated six models", "Wan Fun v1.1"),
    ],
)
def test_trainer_template_headings(text: str, name: str) -> None:
    assert heading_name(text) == name


def test_a_bold_name_glued_to_cjk_ends_where_the_cjk_starts() -> None:
    cands = [c.text for c in name_candidates_of("[1/19/2023] 🔥开源**XuanYuan-13B-Chat模型**")]
    assert "XuanYuan-13B-Chat" in cands and "XuanYuan-13B-Chat模型" not in cands


def test_ranker_sees_other_candidates_and_host_links() -> None:
    """A candidate spelt in a Civitai link's path, and one contained in other candidates, say so."""
    raw = "Outfit Transfer Helper Lora for Qwen Edit\n[x](https://civitai.com/models/2111450/outfit-transfer-helper)"
    cands = [Candidate("Outfit Transfer Helper", {"first_line_part"}), Candidate("Qwen Edit", {"first_line_part"})]
    feats = group_features(cands, raw)
    assert len(feats[0]) == N_FEATURES
    in_host = N_FEATURES - 1 - len(_KINDS) * len(_CROSSED) - 2  # the host-link fact, before name_like
    assert feats[0][in_host] == 1.0 and feats[1][in_host] == 0.0


def test_a_ranker_fitted_on_other_features_is_refused(tmp_path: Path) -> None:
    NameRanker(weights=np.zeros(N_FEATURES - 3), threshold=0.5).save(tmp_path / "r.npz")
    old = NameRanker.load(tmp_path / "r.npz")
    assert old.weights.shape != (N_FEATURES,)  # load_name_ranker returns None for such a file


@pytest.mark.parametrize(
    ("text", "not_the_name"),
    [
        # an issue reply that @-addresses the person who asked (train)
        (
            "@Hammer-888 Hello, I have uploaded the weights to [GDrive](https://drive.google.com/drive/folders/1X).",
            "Hammer-888",
        ),
        # a contributor thanked through a linked handle, the model named after it
        (
            "增加Embedding量化模型[ChatGLM-6B-INT4-QE](https://huggingface.co/THUDM/chatglm-6b-int4-qe)。（感谢 [@LemonQu-GIT](https://github.com/LemonQu-GIT)）",
            "LemonQu-GIT",
        ),
        # a link to a section of the same README
        (
            "- [12/08/2023] Tigerbot releases updated models [[Model Download](#Model-Download)][[Eval](#Eval)]",
            "Model-Download",
        ),
        # changelog dates in bold (train)
        (
            "- **Apr-28-24**- LoRA, fully fine-tuned and [S2](https://github.com/bfshi/s2) fine-tuned models added!",
            "Apr-28-24",
        ),
        ("- **Dec-27-23**- GLaMM training and evaluation codes, pretrained checkpoints are released", "Dec-27-23"),
        ("***New December 30, 2019 ***\n\nChinese models are released.", "New December 30"),
        # half of a Markdown link
        (
            "**[2023/08/07] 增加了基于[活字](https://github.com/HIT-SCIR/huozi)进行指令微调的模型发布。**",
            "增加了基于[活字](https",
        ),
    ],
)
def test_a_handle_a_section_link_a_date_or_link_syntax_is_no_name(text: str, not_the_name: str) -> None:
    """Session 15: names that were an @-handle, a #-anchor, a changelog line's date or a fragment of Markdown
    link syntax; none names a model, so none may be chosen (the release, if any, may still be named otherwise)."""
    assert not_the_name not in [c.text for c in name_candidates_of(text)]
    assert extract(text).model_name != not_the_name


def test_a_date_inside_a_name_and_a_handle_also_written_plainly_are_kept() -> None:
    """Only a date opening the candidate is a changelog date; a name written plainly somewhere is a name even if
    the text also @-mentions it."""
    from moderation.extraction.fields import _no_name, _only_a_pointer

    assert not _no_name("gpt-4o-2024-08-06") and not _no_name("Marching-9") and _no_name("Jun-08-23")
    assert not _only_a_pointer("Foo", "@Foo thanks! Foo v2 is out: [Foo](https://hf.co/x/Foo)")
    assert not _only_a_pointer("Foo", "see [here](https://huggingface.co/x/Foo)")
    assert _only_a_pointer("Foo", "@Foo the weights are up")
