"""Names as real announcements state them: model-card headings, "[Release] X" titles, "we release X",
Hugging Face repo ids, and the model a release was made from ("fine-tuned version of X", `base_model: X`).

The first extractors were written against chat-style posts ("**Neon v2** LoRA for SDXL"); on real README news,
model cards, forum posts and Civitai notes they found a name in a quarter of the announcements
(docs/detection.md). These rules come from the train and dev splits of the real corpus; each is one shape
that recurs across many sources, and each pattern is bounded (no two unbounded quantifiers that can trade
characters), so extraction stays linear in the message length.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "MODEL_TOKEN",
    "before_verb",
    "civitai_slug_name",
    "cjk_verb_object",
    "first_line_names",
    "heading_name",
    "hf_repo_name",
    "linked_repo",
    "model_token",
    "recipe_name",
    "stated_base",
    "subject_name",
    "tag_name",
    "title_name",
    "verb_object",
]

_HEADING = re.compile(r"^[ \t]{0,3}#{1,3}[ \t]+([^\n]{1,160})")
_GENERIC_HEADINGS = frozenset(
    {
        "model description", "model card", "model details", "model summary", "model overview", "introduction",
        "overview", "news", "updates", "update", "changelog", "release notes", "dataset summary", "description",
        "about", "summary", "usage", "model", "readme", "intro", "news and updates", "latest news", "what's new",
        "whats new", "highlights", "abstract", "announcement", "announcements", "release", "releases", "models",
        "model information", "model introduction", "model card for model id", "todo", "features", "installation",
        "dataset card", "citation", "license", "training", "evaluation", "results", "limitations", "table of contents",
        "about the model", "informations", "information", "model info", "details", "example", "examples", "blog",
        "简介", "介绍", "模型介绍", "更新", "新闻", "概要", "はじめに", "описание", "новости",
        # section titles that train and dev cards were named after (session 12)
        "局限性", "主要功能", "功能介绍", "模型下载", "常见问题", "开发中的特性",
    }
)  # fmt: skip
_HEADING_TAIL = re.compile(
    r"(?i)[ \t]+(?:is|are|was|-|–|—|\|)[ \t]+|[ \t]+on[ \t]+stable[ \t]+diffusion(?:[ \t]|$)|"
    r"[ \t]+(?:trained|fine-?tuned)[ \t]+(?:by|on|with)[ \t]"
)
_TRAINER_HEADING = re.compile(
    r"(?i)^(?:(?:sdxl[ \t]+)?(?:lora[ \t]+)?"
    r"(?:text2image[ \t]+fine-?tuning|dreambooth|controlnet|textual[ \t]+inversion)"
    r"[ \t]+[-–—][ \t]+([^ \t]{1,120})$|dreambooth[ \t]+model[ \t]+for[ \t]+the[ \t]+(.{1,60}?)[ \t]+concept(?![\w-]))"
)
_RELEASE_TAG = re.compile(
    r"(?i)^[ \t]{0,3}[\[(【](?:release[ds]?|new[ \t]release|model[ \t]release|new[ \t]model|resource|"
    r"open[ \t]?source|oc|update|model)[\])】][ \t]{0,3}[:\-–—]?[ \t]{0,3}([^\n]{2,160})"
)
_VERB = re.compile(
    r"(?i)(?<![\w-])(?:we|i|i've|we've|we're|i'm|have|has|just|today|now)?[ \t]{0,2}"
    r"(?:releas(?:e|es|ed|ing)|open[- ]?sourc(?:e|es|ed|ing)|introduc(?:e|es|ed|ing)|present(?:s|ed|ing)?|"
    r"publish(?:es|ed|ing)?|(?:re-?)?upload(?:s|ed|ing)?|launch(?:es|ed|ing)?|announc(?:e|es|ed|ing)|"
    r"introduct|say[ \t]hello[ \t]to|meet|dropped|drop|made|trained|merged|fine-?tuned|finetuned|quantized|quantised|"
    r"updated|update)(?![\w-])[ \t]{1,3}"
    r"(?:(?:the|our|a|an|new|my|first|latest|updated|improved|official|two|three|both|of|version|model|"
    r"weights|checkpoints?)[ \t]{1,3}){0,4}"
)
_MD_LINK_AT = re.compile(r"\[([^\]\n]{1,100})\]\(")
MODEL_TOKEN = re.compile(
    # ASCII boundaries: a token glued to CJK text is still one ("发布XVERSE-13B-2-Chat", "中文MacBERT已发布")
    r"(?<![A-Za-z0-9_/.-])(?:[A-Za-z][A-Za-z0-9]{0,30}(?:[-_.][A-Za-z0-9]{1,30}){1,8}|[A-Za-z]{1,30}\d[A-Za-z0-9]{0,30}|"
    r"[A-Z][a-z]{1,20}[A-Z][A-Za-z0-9]{0,30})(?![A-Za-z0-9_/])"
)
_CAP_WORD = re.compile(r"[A-Z0-9][\w.+-]{0,40}")
_NAME_END_WORDS = frozenset(
    {
        "is", "are", "was", "a", "an", "the", "on", "in", "at", "for", "to", "with", "and", "which", "that", "series",
        "model", "models", "weights", "checkpoint", "checkpoints", "family", "from", "by", "under", "of", "as",
        "here", "now", "today", "we", "it", "its", "this", "our",
    }
)  # fmt: skip
_NOT_MODEL_TOKENS = frozenset(
    {
        "e.g", "i.e", "etc", "v1", "v2", "v3", "fp16", "fp32", "bf16", "int8", "int4", "4-bit", "8-bit", "md", "pdf",
        "lora", "loras", "gguf", "sdxl", "sd1.5", "sd15", "lycoris", "locon", "controlnet", "checkpoint", "safetensors",
        "comfyui", "huggingface", "civitai", "github", "readme.md", "readme", "q4_k_m", "q8_0", "nsfw", "sfw",
    }
)  # fmt: skip
_HF_REPO = re.compile(
    r"(?i)(?:huggingface\.co|hf\.co)/(?!datasets/|spaces/|papers/|docs/|blog/|collections/)([\w.-]{1,96})/([\w.-]{1,96})"
)
_BASE_FIELD = re.compile(
    r"(?im)^[ \t-]{0,4}base[_ ]model[ \t]{0,2}:[ \t]{0,2}(?:\n[ \t]{0,4}-[ \t]{0,2})?([^\n]{1,200})"
)
_BASE_PHRASES = (
    # (priority, pattern): an explicit "base" beats "fine-tuned from", which beats "merge of" / "LoRA for"
    (
        1,
        r"(?:(?:is|are)[ \t]+based[ \t]+on|based[ \t]+on(?:[ \t]+the)?|built[ \t]+(?:up)?on(?:[ \t]+top[ \t]+of)?|"
        r"(?<![\w-])base(?:[ \t]+model)?[ \t]{0,2}[:=]|基于|基座[:：]?|底模[:：]?|をベースに)",
    ),
    (
        2,
        r"(?:fine-?tuned[ \t]+(?:version[ \t]+)?(?:of|from|on[ \t]+top[ \t]+of)|"
        r"finetuned[ \t]+(?:version[ \t]+)?(?:of|from)|"
        r"fine-?tune[ \t]+of|quanti[sz]ed[ \t]+(?:version[ \t]+)?of|quants?[ \t]+of|"
        r"(?:\d{1,2}[- ]?bit|fp16|bf16|int[48]|onnx|mlx|coreml|shortened|pruned|converted)[ \t]+version[ \t]+of|"
        r"(?:^|(?<=\n)|(?<=#[ \t]))export[ \t]+of|"  # "# Export of [X](…)" heads a converted card
        r"gguf[ \t]+(?:quants?[ \t]+|version[ \t]+)?of|trained[ \t]+on[ \t]+top[ \t]+of|derived[ \t]+from|"
        r"initiali[sz]ed[ \t]+(?:from|with)(?:[ \t]+the)?|continued[ \t]+pre-?training[ \t]+(?:of|on|from)|"
        r"improved[ \t]+from|distilled[ \t]+from)",
    ),
    (3, r"(?:merge[ \t]+of|lora[ \t]+(?:for|of|on)|adapter[ \t]+(?:for|of))"),
    # "fine-tuning Vicuna-13B on", "fine-tuned the Qwen3:4B model": only a model-like object (see stated_base)
    (2, r"(?<![\w-])fine-?tun(?:e|ed|ing)[ \t]+(?:the[ \t]+|[A-Z][a-z]{1,20}'s[ \t]+)?"),
)
_MODEL_LIKE_GROUP = "p2_3"
_BASE_PHRASE = re.compile(
    "(?:" + "|".join(f"(?P<p{prio}_{i}>{pattern})" for i, (prio, pattern) in enumerate(_BASE_PHRASES)) + r")[ \t]{0,3}",
    re.IGNORECASE,
)


def _strip_markup(s: str) -> str:
    s = re.sub(r"\[([^\]\n]{0,160})\]\([^)\n]{0,400}\)", r"\1", s)
    s = re.sub(r"<[^>\n]{0,200}>", " ", s)
    s = s.replace("**", " ").replace("__", " ").replace("`", " ")
    return re.sub(r"\s+", " ", s).strip()


_GENERIC_LINKS = frozenset(
    {
        "model weights", "weights", "models", "model", "here", "download", "checkpoints", "checkpoint", "paper",
        "code", "demo", "huggingface", "hugging face", "hf", "link", "this", "repo", "repository", "github",
        "modelscope", "civitai", "technical report", "report", "blog", "website", "project page", "model download",
        "inference code", "training code", "hugging face hub", "huggingface hub", "lora", "gguf", "dataset",
        "arxiv", "docs", "documentation", "colab", "space", "spaces", "the model", "our model", "our models",
    }
)  # fmt: skip


_CJK_LEAD_VERB = re.compile(r"^(?:正式)?(?:开源|開源|发布|發布|开放|推出|更新|新增|公開|公开)了?[ \t]{0,2}(?=[A-Za-z])")
_SERIES = re.compile(r"(?i)[ \t]+(?:series|family|models)$")


def _clean_name(s: str) -> str | None:
    s = s.strip(" \t*_`'\"“”‘’:;,.!?-–—|#~🎉🔥🚀✨📢🆕⚡️🤗👉")
    s = re.sub(r"^[^\w\[(]{1,4}", "", s).strip()
    # "开源Anima 33B的DPO alignment版本模型", "MacBERT预训练模型": the Latin name inside the CJK sentence
    s = _CJK_LEAD_VERB.sub("", s)
    if s[:1].isascii() and s[:1].isalnum():
        cjk = _CJK_RUN.search(s)
        s = s[: cjk.start()].rstrip(" \t-_(（") if cjk is not None else s
    s = _SERIES.sub("", s)  # "the Qwen2-VL series" is Qwen2-VL
    low = s.lower()
    if not s or len(s) > 80 or len(s.split()) > 8 or low in _GENERIC_HEADINGS or low in _GENERIC_LINKS:
        return None
    if s.startswith("http") or not any(c.isalpha() for c in s) or _DATE_LIKE.match(s):
        return None
    return s


def heading_name(raw: str) -> str | None:
    """The first markdown heading of a model card ("# Qwen2.5-Coder-7B-GGUF"), unless it is a section title."""
    first = raw.lstrip("\ufeff \n\t")
    if first.startswith("---"):  # YAML front matter: the heading follows it
        end = first.find("\n---", 3)
        first = first[end + 4 :].lstrip() if 0 < end < 3000 else first
    m = _HEADING.match(first)
    if m is None:
        return None
    text = _strip_markup(m.group(1))
    # trainer templates: "# LoRA text2image fine-tuning - owner/repo", "# DreamBooth model for the `x` concept",
    # "### x on Stable Diffusion via Dreambooth"
    template = _TRAINER_HEADING.match(text)
    if template is not None:
        text = template.group(1) or template.group(2) or text
    elif len(text) > 40:
        text = re.split(r"[ \t]+(?:[-–—|:][ \t]+)", text, maxsplit=1)[0]
    text = re.sub(r"(?i)[ \t]+(?:model[ \t]+card|card|(?:technical[ \t]+)?report)$", "", text)
    text = re.sub(r"(?i)^model[ \t]+card[ \t]+(?:for|of)[ \t]+", "", text)  # "Model Card for qwen_lora_adapter"
    text = _HEADING_TAIL.split(text, maxsplit=1)[0]
    text = re.sub(r"(?i)[ \t]+(?:dreambooth|lora|fine-?tuned)[ \t]+model$", "", text)  # "knight_big Dreambooth model"
    return _clean_name(text)


def tag_name(raw: str) -> str | None:
    """A forum title's "[Release] X - what it is" form."""
    m = _RELEASE_TAG.match(raw.lstrip())
    if m is None:
        return None
    text = _strip_markup(m.group(1))
    text = re.split(r"[ \t]+[-–—|:][ \t]+|[:,!?(]", text, maxsplit=1)[0]
    return _clean_name(text)


_REPO_ID = re.compile(r"[\w.-]{1,96}/[\w.-]{1,96}")


def _is_name_word(word: str) -> bool:
    """A word that can be (part of) a model name: capitalised, or model-like with a capital or a digit, or a
    Hugging Face repo id ("Qwen/Qwen2.5-7B-Instruct")."""
    if _REPO_ID.fullmatch(word) and not word.startswith(("http", "www.")):
        # "Qwen/Qwen2.5-7B", and lowercase ids too ("klue/bert-base"), but not "and/or"
        return any(c.isupper() or c.isdigit() or c in "-_" for c in word)
    if MODEL_TOKEN.fullmatch(word):
        return any(c.isupper() or c.isdigit() for c in word)
    return bool(_CAP_WORD.fullmatch(word)) and any(c.isalpha() for c in word)


def _phrase_at(text: str, pos: int, *, skip: int = 4, versions: bool = False) -> str | None:
    """A model name starting at `pos`: a markdown link's text, or the run of name words that follows at
    most `skip` lowercase words ("a high-quality I2VGen-XL model", "code of mPLUG-Owl")."""
    rest = text[pos : pos + 240].split("\n", 1)[0].lstrip(" \t")
    link = _MD_LINK_AT.match(rest)
    if link is not None:
        return _clean_name(link.group(1))
    rest = rest.lstrip(" *_`\"'“‘")
    words: list[str] = []
    skipped = 0
    for raw_word in rest.split()[:12]:
        word = _TRAILING_JUNK.sub("", raw_word.strip("*_`\"'”’,;:!?.()"))
        if raw_word.startswith("[") and not words:
            inner = _MD_LINK_AT.match(raw_word)
            word = raw_word[1:].split("](", 1)[0].strip("*_`") if inner is None else inner.group(1)
        if not words:
            if word and _is_name_word(word):
                words.append(word)
            elif skipped < skip and word and word.lower() not in _NAME_END_WORDS - {"a", "an", "the", "of", "our"}:
                skipped += 1
                continue
            else:
                break
        elif (word and word.lower() not in _NAME_END_WORDS and _is_name_word(word)) or (
            versions and _VERSION_WORD.fullmatch(word)  # "Stable Diffusion 1.5", "Vicuna v1.3"
        ):
            words.append(word)
        else:
            break
        if raw_word[-1:] in ",;:!?)" or raw_word.endswith(".") or "](" in raw_word:
            break
    if not words:
        return None
    # "our SoTA Mantis-8B-Idefics2": an adjective before the model token is not part of the name
    # ("Pony Diffusion V6 XL" keeps its first words: a bare version word is no model token of its own)
    numbered = [i for i, w in enumerate(words) if MODEL_TOKEN.fullmatch(w) and any(c.isdigit() for c in w)]
    if (
        numbered
        and numbered[0] > 0
        and not _VERSION_WORD.fullmatch(words[numbered[0]])
        and not any(c.isdigit() or c == "-" for c in words[0])
    ):
        words = words[numbered[0] :]
    return _clean_name(" ".join(words[:6]))


_VERSION_WORD = re.compile(r"[vV]?\d{1,2}(?:\.\d{1,2}){1,2}|[vV]\d{1,2}")
_TRAILING_JUNK = re.compile(r"[^\w.+)\]-]{1,8}$")
_DATE_LIKE = re.compile(
    r"(?i)(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-./]\d|\d{1,4}[-./]\d{1,2}[-./]\d{1,4}"
)


_PASSIVE = re.compile(
    r"(?i)(?:[ \t]{1,3}(?:is|are|has[ \t]been|have[ \t]been)?[ \t]{0,3}(?:now[ \t]{1,3})?"
    r"(?:released|out|here|available|live|open-?sourced|updated|uploaded|published)(?![\w-])|"
    r"[ \t]{0,2}(?:已|正式)?(?:发布|開源|开源|公開|リリース|上线))"
)


def before_verb(text: str) -> str | None:
    """The model token right before a release verb: "Tigerbot-70b released", "ELECTRA-180g已发布"."""
    head = text[:1500]
    for m in _PASSIVE.finditer(head):
        start = max(0, m.start() - 80)
        before = head[start : m.start()]
        tokens = list(MODEL_TOKEN.finditer(before))
        if tokens and tokens[-1].end() >= len(before.rstrip(" *_`)]】")):
            tok = tokens[-1].group(0)
            if any(c.isupper() or c.isdigit() for c in tok) and tok.lower() not in _NOT_MODEL_TOKENS:
                return tok
        # "Dreamforge XL is out": the capitalised words right before the verb, on its line
        words: list[str] = []
        for raw_word in reversed(before.rsplit("\n", 1)[-1].split()[-5:]):
            word = raw_word.strip("*_`\"'“”()[]")
            if not word or word.lower() in _NAME_END_WORDS:
                break
            if not (_is_name_word(word) or _VERSION_WORD.fullmatch(word)):  # "Kandinsky 3.1 Released"
                break
            words.append(word)
        while words and not _is_name_word(words[-1]):  # the name starts with a name word, not "3.1"
            words.pop()
        verb = m.group(0).strip()
        if words and (verb.lower().startswith(("is", "are", "has", "have", "now")) or verb[:1].isupper()):
            return _clean_name(" ".join(reversed(words)))
    return None


_TITLE = re.compile(r"^[ \t]{0,3}([^\n:：]{2,60})[ \t]{0,2}[:：][ \t]{1,3}[^\n]{8,200}$")


def title_name(text: str) -> str | None:
    """A post title's "Name: what it does" form, when the part before the colon looks like a name."""
    first = text.lstrip().split("\n", 1)[0]
    m = _TITLE.match(first)
    if m is None:
        return None
    words = m.group(1).split()
    if not 1 <= len(words) <= 5 or not all(_is_name_word(w.strip("*_`\"'")) for w in words):
        return None
    return _clean_name(m.group(1))


def verb_object(text: str) -> str | None:
    """The object of the first release verb: "We release [LLaMA-Omni2](...)", "open-sourced Qwen2-VL"."""
    for m in _VERB.finditer(text[:3000]):
        name = _phrase_at(text, m.end())
        if name is not None:
            return name
    return None


_CIVITAI_SLUG = re.compile(r"(?i)civitai\.com/models/\d{1,12}/([\w.-]{2,120})")


def civitai_slug_name(text: str) -> str | None:
    """The slug of the first Civitai model link ("civitai.com/models/4242/realmix" -> "realmix"): Civitai spells
    the page title into it, as Hugging Face does the repo name, so it is a name the text states."""
    m = _CIVITAI_SLUG.search(text)
    return m.group(1) if m is not None else None


_RECIPE = re.compile(
    r"(?m)^[ \t*_>-]{0,6}[\"“'*_]{0,3}([^\n\"“”'=*_]{2,60}?)[\"”'*_]{0,3}[ \t]{0,2}=[ \t]{0,2}"
    r"(?:\d{1,3}(?:\.\d{1,2})?[ \t]?%|0?\.\d{1,3}[ \t]?[*x×(]?[ \t]?[A-Za-z])(?=[^\n]{0,200}\+)"
)
_CODE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")  # "lr = 0.5 * a + b" in a README's code is no recipe


def recipe_name(text: str) -> str | None:
    """The left side of a merge recipe: `"Dreamforge XL" = 60% Juggernaut XL v9 + 40% RealVisXL v4`. The creator
    names the model as plainly as a "Name:" line does, so `model_name` takes it as stated. A recipe has two
    ingredients or more (a "+"), and a lowercase identifier on the left is code ("lr = 0.5 * a + b")."""
    m = _RECIPE.search(text[:3000])
    if m is None or _CODE_NAME.fullmatch(m.group(1).strip()):
        return None
    return _clean_name(m.group(1).strip())


def hf_repo_name(text: str) -> str | None:
    """The model part of the first Hugging Face model link ("huggingface.co/Qwen/Qwen2.5-7B" -> "Qwen2.5-7B")."""
    for m in _HF_REPO.finditer(text):
        name = m.group(2).removesuffix(".git")
        if name and name.lower() not in ("tree", "blob", "resolve", "discussions"):
            return name
    return None


def model_token(text: str) -> str | None:
    """The first model-like token of the headline ("Atom-7B" in a Chinese news line)."""
    head = re.sub(r"https?://\S{1,2000}", " ", text[:400].split("\n", 1)[0])
    for m in MODEL_TOKEN.finditer(head):
        tok = m.group(0)
        if (
            tok.lower() not in _NOT_MODEL_TOKENS
            and any(c.isupper() or c.isdigit() for c in tok)
            and not re.fullmatch(r"[vV]?\d[\d.]*|\d{4}[-.]\d{1,2}([-.]\d{1,2})?", tok)
            and not _DATE_LIKE.match(tok)
        ):
            return tok
    return None


@functools.lru_cache(maxsize=128)
def stated_base(text: str) -> tuple[str, int] | None:
    """The model a release says it was made from, as written: a `base_model:` card line, or the object of
    "fine-tuned version of", "based on", "quants of", "merge of", "基于" ..., with the strength of the
    statement (0 a card's field, 1 "based on", 2 "fine-tuned from", 3 "merge of" / "LoRA for"). Cached: the
    name pool and the base-model field both ask it of the same text, and it is the rule stage's costliest step."""
    m = _BASE_FIELD.search(text)
    if m is not None:
        value = m.group(1).strip()
        link = _MD_LINK_AT.match(value)  # "- Base model: [owner/name](https://…)": the link's text
        value = (link.group(1) if link is not None else value).strip("'\"[]")
        if value and not value.startswith(("-", "null", "none")):
            return value.split(",")[0].strip().strip("'\""), 0
    best: tuple[int, int, str] | None = None
    for m in _BASE_PHRASE.finditer(text[:5000]):
        name = _phrase_at(text, m.end(), versions=True, skip=0 if m.lastgroup == _MODEL_LIKE_GROUP else 4)
        if name is None:  # CJK: the model token right after 基于
            after = MODEL_TOKEN.match(text, m.end())
            name = after.group(0) if after is not None else None
        if name is not None and name in _ENCODERS:  # "built upon SigLIP and Phi-2": the language model
            rest = re.match(r"[^\n]{0,60}?[ \t]and[ \t]+", text[m.end() + len(name) : m.end() + len(name) + 80])
            name = _phrase_at(text, m.end() + len(name) + rest.end(), skip=0) if rest is not None else None
        name = _not_a_base(name)
        group = m.lastgroup or "p3_0"
        if name is None or (group == _MODEL_LIKE_GROUP and not _model_like(name)):
            continue
        if group == _MODEL_LIKE_GROUP and re.match(r"[^\n]{0,3}concept", text[text.find(name, m.end()) + len(name) :]):
            continue  # DreamBooth cards: "fine-tuned the house-emblem concept" names the concept, not a model
        rank = (int(group[1]), m.start(), name)
        if best is None or rank < best:
            best = rank
    for prio, name, at in _named_before(text[:5000]):
        if best is None or (prio, at) < best[:2]:
            best = (prio, at, name)
    linked = _LINKED_BASE.search(text[:5000])  # "This model is a [kobart](…) fine-tuned on …"
    if linked is not None and (best is None or (2, linked.start()) < best[:2]):
        name = _not_a_base(_clean_name(linked.group(1)))
        if name is not None:
            best = (2, linked.start(), name)
    return (best[2], best[0]) if best is not None else None


def linked_repo(text: str, label: str) -> str | None:
    """The Hugging Face repository name that a markdown link labelled `label` points to: "[Bloom](https://
    huggingface.co/bigscience/bloom-7b1)" names one model twice, so when "Bloom" is the base, "bloom-7b1" is the
    base too and not the release's own name. A plain search: a pattern built from each text's label would be
    compiled per text."""
    head, opener = text[:5000], f"[{label}]("
    at = head.find(opener)
    while at >= 0:
        start = at + len(opener)
        end = head.find(")", start, start + 401)
        url = head[start:end] if end > start else ""
        if url and not any(c.isspace() for c in url):
            repo = _HF_REPO.search(url)
            return repo.group(2) if repo is not None else None
        at = head.find(opener, at + 1)
    return None


_LINKED_BASE = re.compile(
    r"(?i)\b(?:is|are)[ \t]+an?[ \t]+\[([^\]\n]{1,80})\]\([^)\s]{1,300}\)[ \t]+fine-?tuned[ \t]+(?:on|with|for)\b"
)


_ENCODERS = frozenset({"SigLIP", "CLIP", "EVA-CLIP", "ViT", "CLIP-ViT", "OpenCLIP"})
"""Vision encoders a multimodal model is "built upon" beside its language model, which the labels count as the
base ("It is built upon SigLIP and Phi-2")."""
_METHODS = frozenset({"lora", "qlora", "dpo", "sft", "rlhf", "ppo", "grpo", "orpo", "peft", "dreambooth"})
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")


def _model_like(name: str) -> bool:
    """A name with a digit, a hyphen or an inner capital ("Vicuna-13B", "gemma-2 9B"), not a plain word
    ("fine-tuned Japanese model", "fine-tuned Stable Diffusion model")."""
    return any(c.isdigit() or c in "-_/" for c in name) or any(c.isupper() for w in name.split() for c in w[1:])


def _not_a_base(name: str | None) -> str | None:
    """`name` as a base model, or None: a Latin name glued to CJK text ends where the CJK starts ("基于LLaMA和医学
    文献..." is LLaMA), and a training method ("基于QLoRA", "基于DPO的对齐训练") or a license is not a model."""
    if name is None:
        return None
    if name[:1].isascii():
        cjk = _CJK_RUN.search(name)
        name = name[: cjk.start()].rstrip(" \t-_(（") if cjk is not None else name
    if not name or name.lower() in ("a", "the", "our", "my", "model", "models") or name.lower() in _METHODS:
        return None
    from moderation.extraction.tables import tables  # the tables import this module's neighbours; late import

    if tables().licenses.lookup(name, strong=True) is not None:  # "Llama2" alone names the model as well
        return None
    return name


_BEFORE_CUES = (
    # (priority, pattern): the model is named *before* the cue
    (1, re.compile(r"[ \t]?(?:기반|的基础上|をベースに|をベース)")),
    (2, re.compile(r"(?i)(?<=[\w)])[ \t]+model[ \t]+fine-?tuned(?![\w-])|[ \t]?をファインチューニング")),
    (2, re.compile(r"(?i)(?<=[\w)])[ \t]{1,3}base[ \t]+model(?![\w-])")),
)
_BEFORE_WORD = re.compile(r"[\w.+:-]{1,60}")


def _named_before(text: str) -> list[tuple[int, str, int]]:
    """Bases named before their cue: Korean "Polyglot-ko 5.8B 기반", Chinese "在LLaMA-13B的基础上", Japanese
    "ACertainThingsをベースに", and model-card templates ("This is a Stable Diffusion model fine-tuned on ...",
    "with the v1-5 base model"). The name is the run of name words right before the cue, at most three."""
    out: list[tuple[int, str, int]] = []
    for prio, cue in _BEFORE_CUES:
        for m in cue.finditer(text):
            before = text[max(0, m.start() - 80) : m.start()].rsplit("\n", 1)[-1]
            before = re.sub(r"[*_`\[\]🤗🐧]", " ", before)
            cjk = list(_CJK_RUN.finditer(before))
            if cjk:
                before = before[cjk[-1].end() :]
            words: list[str] = []
            for word in reversed(before.split()):
                if not _BEFORE_WORD.fullmatch(word) or word.lower() in _NAME_END_WORDS or len(words) >= 3:
                    break
                if not (_is_name_word(word) or (words and word[:1].isalpha())):
                    break
                words.append(word)
            if words and "model" in m.group(0).lower() and "fine" in m.group(0).lower():
                # "This is a Stable Diffusion model fine-tuned on ...": only in that statement
                lead = before[: len(before) - len(" ".join(reversed(words)))].rstrip()
                if not re.search(r"(?i)(?:is|are)[ \t]+an?$", lead):
                    continue
            name = _not_a_base(_clean_name(" ".join(reversed(words)))) if words else None
            if name is not None and name.lower() not in _NOT_MODEL_TOKENS:
                out.append((prio, name, m.start()))
            if len(out) > 20:
                return out
    return out


_NEWS_BULLET = re.compile(r"^[ \t]{0,4}(?:[-*+>][ \t]{0,3})?(?:\*\*|__|`)?[ \t]{0,2}[\[(]?\d{1,4}[-./年]\d")
_TITLE_PARTS = re.compile(r"[ \t]+[-–—|·•][ \t]+|[ \t]*[:：][ \t]+")
_TITLE_TAG = re.compile(r"^[\[(【][^\])】\n]{1,30}[\])】][ \t]{0,3}(?:[-–—:][ \t]{0,3})?")
_TRAILING_PAREN = re.compile(r"[ \t]*[(（][^()（）\n]{0,60}[)）]$")
_SENTENCE_WORDS = frozenset(
    {"i", "i'm", "i've", "we", "we're", "you", "my", "our", "this", "here", "it", "is", "are", "was", "have", "has",
     "just", "made", "trained", "released", "can", "will", "hey", "hi", "hello", "thanks", "please", "how", "what",
     "why"}
)  # fmt: skip


def first_line_names(text: str) -> list[tuple[str, str]]:
    """A title line's name, as ("first_line", whole) and ("first_line_part", segment) pairs.

    A Civitai page, a forum post and a Rentry open with their title: "Nova Orange XL", "Fantasy Warriors -
    Japan", "Lenovo UltraReal - Z-Image", "Qwen-Image - Smartphone Snapshot Photo Reality LoRa - Release".
    The whole line is one candidate and each of its first three " - " / " | " / ": " segments another; the
    ranker learns which to trust. A line of more than ten words, or one that reads as a sentence ("I made
    ..."), is no title.
    """
    first = text.lstrip("\ufeff \n\t").split("\n", 1)[0]
    if _NEWS_BULLET.match(first):  # "- [2023.09.06] 我们发布了 ...", "* 2025/06 — ...": a dated news line
        return []
    first = _strip_markup(first.lstrip("# \t"))
    first = _TITLE_TAG.sub("", _clean_name(first) or "")
    first = _TRAILING_PAREN.sub("", first)  # "Ideogram 4.0 Realism Engine Lora (Beta)"
    words = first.split()
    if not 1 <= len(words) <= 10 or any(w.lower().strip(",.!?") in _SENTENCE_WORDS for w in words):
        return []
    out: list[tuple[str, str]] = []
    whole = _clean_name(first)
    if whole is not None:
        out.append(("first_line", whole))
    parts = _TITLE_PARTS.split(first)
    if len(parts) > 1:
        for part in parts[:3]:
            name = _clean_name(_TRAILING_PAREN.sub("", part))
            if name is not None and len(name.split()) <= 6:
                out.append(("first_line_part", name))
    return out


_SUBJECT = re.compile(
    r"(?m)(?:^|(?<=[.!?][ \t]))[ \t>*_`•-]{0,6}((?:[^\n.!?]|\.(?=\S)){1,60}?)[*_`]{0,3}"
    r"[ \t]+(?:is|are)[ \t]+(?:a|an|the|our)[ \t]"
)
_CJK_SUBJECT = re.compile(
    r"(?m)^[ \t>*_`•-]{0,6}([A-Za-z][A-Za-z0-9_.+/-]{0,60}(?:[ \t][A-Za-z0-9][A-Za-z0-9_.+/-]{0,30}){0,3})[*_`]{0,3}"
    r"[ \t]{0,2}(?:是一|是首|は、|는[ \t]|은[ \t])"
)
_EDITION = re.compile(r"\[[a-z][\w.-]{0,20}\]")  # "FLUX.1 Kontext [dev]"
_NOT_SUBJECTS = frozenset(
    {"this", "that", "it", "there", "here", "he", "she", "they", "which", "what", "this model", "the model",
     "our model", "it also", "this version", "this lora", "this checkpoint", "this merge", "this one"}
)  # fmt: skip


def subject_name(text: str) -> str | None:
    """The subject of the opening definition: "Equinox is a flexible semi-realistic XL model", "**ChatGLM3** is a
    generation of ...", "MOSS是一个...", "Orion-14B-Baseは、...": a card or a Civitai page defines its model in
    its first sentences. Only name words count ("This is a", "It is an" are no names)."""
    head = text[:3000]
    for m in _SUBJECT.finditer(head):
        raw = _strip_markup(m.group(1)).strip(" *_`\"'“”")
        words = raw.split()
        if not 1 <= len(words) <= 5 or raw.lower() in _NOT_SUBJECTS:
            continue
        if all(
            _is_name_word(w.strip("*_`\"'“”()[]")) or _VERSION_WORD.fullmatch(w) or _EDITION.fullmatch(w) for w in words
        ):
            name = _clean_name(raw)
            if name is not None and name.lower() not in _NOT_MODEL_TOKENS:
                return name
    m2 = _CJK_SUBJECT.search(head)
    return _clean_name(m2.group(1)) if m2 is not None else None


_CJK_VERB_OBJECT = re.compile(
    r"(?:发布|發布|开源|開源|推出|新增|开放|開放|命名为|上线|公开|公開)了?[ \t]{0,2}((?:中文)?"
    r"[A-Za-z][A-Za-z0-9_.+/-]{0,60}(?:[ \t][A-Za-z0-9][A-Za-z0-9_.+/-]{0,30}){0,3})"
)


def cjk_verb_object(text: str) -> str | None:
    """The Latin name right after a Chinese release verb: "发布XVERSE-13B-2-Chat GGUF、GPTQ量化模型",
    "开源中文Mixtral基础模型", "命名为AltCLIP-m18" (the rules of `verb_object` need a space after the verb)."""
    for m in _CJK_VERB_OBJECT.finditer(text[:3000]):
        name = _clean_name(m.group(1))
        if name is not None and name.lower() not in _NOT_MODEL_TOKENS and not _VERSION_WORD.fullmatch(name):
            return name
    return None
