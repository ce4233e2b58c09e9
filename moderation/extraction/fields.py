"""Field extractors that need the normalisation tables: license, base model, model type, version, name,
trigger words, NSFW and credited parents.

Each takes a `Scan` (the cleaned text, its lowercased form, tokens and line index, computed once) and
returns the field or an empty value. None of them raises on odd input; `extract()` still guards them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.extraction.model_type import load_type_model
from moderation.extraction.name_rank import Candidate, load_name_ranker
from moderation.extraction.names import (
    before_verb,
    civitai_slug_name,
    cjk_verb_object,
    first_line_names,
    heading_name,
    hf_repo_name,
    linked_repo,
    model_token,
    recipe_name,
    stated_base,
    subject_name,
    tag_name,
    title_name,
    verb_object,
)
from moderation.extraction.tables import AliasMatch, Tables, Token, key_of, tokenize
from moderation.extraction.tables import tables as load_tables
from moderation.extraction.text import Lines

__all__ = [
    "Scan",
    "base_model",
    "implied_type",
    "license_id",
    "model_name",
    "model_type",
    "name_pool",
    "nsfw",
    "parents",
    "trigger_words",
    "version",
]

_URLISH = re.compile(r"https?://\S{1,2000}|www\.\S{1,2000}")


@dataclass(slots=True)
class Scan:
    """One message prepared for the extractors."""

    text: str
    lower: str
    tokens: list[Token]
    lines: Lines
    base_hits: list[AliasMatch]

    @classmethod
    def of(cls, text: str, tables: Tables) -> Scan:
        """Prepare `text` (already cleaned). URLs are blanked for alias matching, keeping offsets."""
        lower = text.lower()
        no_urls = _URLISH.sub(lambda m: " " * len(m.group(0)), lower)
        tokens = tokenize(no_urls)
        return cls(text, lower, tokens, Lines(text), tables.base_models.find(tokens))


def _first_line_end(scan: Scan) -> int:
    """Offset where the headline (first non-blank line) ends."""
    text = scan.text
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def license_id(scan: Scan, tables: Tables) -> str | None:
    """The license, as a Hugging Face id.

    Context-only aliases ("MIT", "gemma", "llama3") count only on a line that talks about licensing.
    Among candidates, a licensing line beats any other line, a full alias beats a context-only one, and
    the hit closest after the word "license" wins (so "Llama-3.2 quants, license apache-2.0" is Apache).
    """
    best: tuple[int, int, int, str] | None = None
    contexts: dict[int, list[int]] = {}  # per line, computed once: a long line with many hits stays linear
    for hit in tables.licenses.find(scan.tokens):
        line_idx = scan.lines.index(hit.start)
        if line_idx not in contexts:
            line = scan.lines.line(line_idx).lower()
            contexts[line_idx] = [line.find(c) for c in tables.license_context if c in line]
        ctx = contexts[line_idx]
        if hit.weak and not ctx:
            continue
        line_start = scan.lines.start(line_idx)
        col = hit.start - line_start
        after = [col - c for c in ctx if c <= col]
        distance = min(after) if after else 10_000 + min((c - col for c in ctx), default=0)
        rank = (0 if ctx else 1, 1 if hit.weak else 0, distance)
        if best is None or rank < best[:3]:
            best = (*rank, hit.value)
    return best[3] if best else None


def base_model(scan: Scan, tables: Tables, name: str | None = None, raw: str | None = None) -> str | None:
    """The base model: what the text says it was made from ("fine-tuned version of X", "based on X",
    `base_model: X`, "Polyglot-ko 5.8B 기반"), else a known base named right after "for"/"trained on"/"base"
    (`_cued`), else (in a chat-length post only) the first known base anywhere. A table base the text names
    more specifically ("Qwen-Image-Edit-2511") is returned as written (`_as_written`).

    A stated base is returned as the text writes it unless the tables know it (then canonical). Aliases
    inside the model's own name ("Lumina Girls", an Illustrious fine-tune) lose to any alias outside it.
    The "anywhere" fallback is kept to short posts: a README or a model card names many models it is not
    based on (docs/detection.md has the measurement).
    """
    found = stated_base(raw if raw is not None else scan.text)
    stated, strength = found if found is not None else (None, 9)
    if stated is not None and stated != name and (strength < 3 or not _context_hit(scan)):
        words = stated.split()
        for k in range(len(words), 0, -1):  # "SDXL 1.0 Trigger" (a title-cased next word) is SDXL 1.0
            canonical = tables.base_models.lookup(" ".join(words[:k]))
            if canonical is not None:
                return canonical
        return stated
    hits = scan.base_hits
    if name:
        at = scan.text.find(name)
        if at >= 0:
            outside = [h for h in hits if h.end <= at or h.start >= at + len(name)]
            hits = outside or hits
    if not hits:
        return None
    for hit in hits:
        if _cued(scan.text, hit):
            return _as_written(scan.text, hit, tables)
    return _as_written(scan.text, hits[0], tables) if len(scan.text) <= _CHAT_LENGTH else None


_CUE_BEFORE = re.compile(
    r"(?i)(?:(?<![\w-])for|trained[ \t]+(?:on|with)|built[ \t]+(?:up)?on|building[ \t]+on|on[ \t]+top[ \t]+of|basis|"
    r"(?:tun|train)[a-z]{0,4}\b[^\n]{0,30}?[ \t]on|"
    r"(?<![\w-])base(?:[ \t]+model)?[ \t]{0,2}[:=]?|checkpoint[ \t]{0,2}:|model[ \t]{0,2}:|基于|底模[:：]?|基座[:：]?)"
    r"[ \t]{1,3}(?:(?:the|a|an)[ \t]{1,3})?[\[(*_\"'`]{0,3}(?:[\w.-]{1,40}/)?$|(?:基于|底模|基座)[:：]?$"
)
_CUE_AFTER = re.compile(
    r"(?i)^[\])*_\"'`]{0,3}(?:[ \t]{1,3}(?:as[ \t]+(?:a|the)[ \t]+)?base[ \t]+model\b|"
    r"[ \t-]based(?![\w-])(?![ \t]+(?:models?|checkpoints?|on|merges?)\b))"
)


def _cued(text: str, hit: AliasMatch) -> bool:
    """Whether a known base model is named *as* the base: right after "for", "trained on", "built on",
    "base:", "基于" ("LoRA for Qwen-Image", "Trained on Pony Diffusion V6 XL"), or right before "as a base
    model". Anywhere on such a line was the old rule: it took "Designed for comprehensive ... in the Qwen
    series" and "SDXL models trained on the Danbooru dataset" (docs/detection.md has the measurement)."""
    before = text[max(0, hit.start - 40) : hit.start].rsplit("\n", 1)[-1]  # bounded: linear over all hits
    return bool(_CUE_BEFORE.search(before)) or bool(_CUE_AFTER.match(text[hit.end : hit.end + 40]))


_SIZED = re.compile(r"\d(?:\.\d+)?[BM]$|\dx\d+B$")
_GLUED = re.compile(r"[-_.:]?[A-Za-z0-9][\w.:-]{0,40}")
_NOT_PART_OF_NAME = frozenset(
    {"based", "base", "style", "styles", "like", "lora", "loras", "lycoris", "gguf", "model", "models", "version",
     "checkpoint", "checkpoints", "merge", "finetune", "fine", "tune", "tuned", "compatible", "only", "and", "or",
     "the", "for", "with", "in", "on", "of", "to", "is", "are", "was", "it", "this", "that", "vae", "xl", "ti",
     "embedding", "embeddings", "quants", "quant", "adapter", "controlnet", "workflow", "versions"}
)  # fmt: skip


_VARIANT_WORDS = frozenset({"klein", "edit", "image", "kontext", "krea", "vl", "omni", "math", "coder", "turbo"})
_SIZE_OR_DATE = re.compile(r"\d{1,3}(?:\.\d)?[bBmM]|\d{4}|\d(?:\.\d)?")


def _as_written(text: str, hit: AliasMatch, tables: Tables) -> str:
    """The base as the text names it when the table knows only its family: "Qwen-Image-Edit-2511",
    "Qwen3.5-4B" and "FLUX.2 Klein 9B" are not "Qwen", "Qwen3" and "Flux.2 D". A table name with a size
    ("Llama 3 8B") is already specific and stays canonical."""
    if _SIZED.search(hit.value):
        return hit.value
    end = hit.end
    glued = _GLUED.match(text, end)
    if glued is not None and end < len(text) and not text[end].isspace():
        tail = glued.group(0).rstrip(".:-")
        if tail.strip("-_.:").lower() in _NOT_PART_OF_NAME:
            return hit.value
        end += len(tail)
    words = text[end : end + 60].split("\n", 1)[0].split(" ")
    extra: list[str] = []
    for word in words[1:3] if words and words[0] == "" else []:
        core = word.rstrip(",.;:!?)")
        if not (core.lower() in _VARIANT_WORDS or (extra and _SIZE_OR_DATE.fullmatch(core))):
            break
        extra.append(core)
        if core != word:
            break
    written = " ".join([text[hit.start : end], *extra]).strip()
    return written if written != text[hit.start : hit.end] else hit.value


_CHAT_LENGTH = 400
_SECTION_WORDS = frozenset(
    {"news", "update", "updates", "new", "hot", "important", "note", "notice", "changelog", "todo"}
)


def _context_hit(scan: Scan) -> bool:
    """Whether a known base model sits on a line that says "base"/"for"/"trained on" (it then beats a weak
    statement such as "merge of A + B, base SDXL")."""
    return any(_cued(scan.text, h) for h in scan.base_hits)


_IMAGE_DOMAIN = (
    "diffusion", "sdxl", "sd 1.5", "sd1.5", "sd 2", "dreambooth", "text-to-image", "text to image", "image generation",
    "flux", "pony", "illustrious", "noobai", "civitai", "stable cascade", "pixart", "video generation", "text-to-video",
    "文生图", "扩散", "画像生成",
)  # fmt: skip
_RECIPE_WEIGHT = r"(?:\d{1,3}[ \t]?%|\(0?\.\d{1,3}\))"
_RECIPE = re.compile(rf"{_RECIPE_WEIGHT}[^+\n]{{0,80}}[ \t]\+[ \t][^+\n]{{0,80}}?{_RECIPE_WEIGHT}")
"""A weighted recipe, "A (0.6) + B (0.4)" or "60% A + 40% B": a weight on each side of a spaced "+". Any "+" or
"%" with two parents used to do, and on train and dev it typed 5 of 5 announcements wrong as merges: "基于
PromptCLUE-base进一步训练(+50%步数)", "surpasses Llama-2-7B by 33%", a Civitai merge's "… + new unpublished Lora"."""
_STRONG_TYPES = frozenset({"lora", "quantization", "merge", "embedding", "adapter"})


def model_type(
    scan: Scan,
    tables: Tables,
    base: str | None,
    file_formats: list[str],
    *,
    infer: bool = False,
    parents: Sequence[str] = (),
) -> str | None:
    """The kind of release: the first strong type keyword (headline first), else weak, else inferred.

    "Fine-tuned" in an image-model announcement is a checkpoint (the label rules keep `finetune` for LLMs).
    With `infer`, an announcement whose keywords say nothing specific ("checkpoint" in a research README means
    weights, not a diffusion checkpoint; "we release X-7B" names no type at all) is typed by the words around
    it (`extraction_type`); rule features pass `infer=False`, because they must say what the text states.
    """
    found = _keyword_type(scan, tables, base, file_formats)
    if found not in _STRONG_TYPES and len(parents) >= 2 and _RECIPE.search(scan.text):
        found = "merge"  # "A (0.6) + B (0.4)", "= 60% A + 40% B": a recipe is a merge, said or not
    if found == "finetune" and any(cue in scan.lower for cue in _IMAGE_DOMAIN):
        found = "checkpoint"
    return implied_type(found, scan.text) if infer else found


def implied_type(stated: str | None, cleaned: str) -> str | None:
    """The type an announcement's words imply, given the type its keywords state (`model_type(infer=False)`)
    and its cleaned text: strong keywords stand, an image-domain "checkpoint" stands, anything else is read by
    the type model."""
    found = stated
    if found in _STRONG_TYPES:
        return found
    if found == "checkpoint":
        if any(cue in cleaned.lower() for cue in _IMAGE_DOMAIN):
            return found
        # "We release the checkpoints" in a research README means weights, not a diffusion checkpoint: the word
        # says little about the type, so the type model's reading wins unless it is unsure.
        model = load_type_model()
        guess = model.predict(cleaned) if model is not None else None
        return guess[0] if guess is not None and guess[1] >= _CHECKPOINT_OVERRULE else found
    model = load_type_model()
    guess = model.predict(cleaned) if model is not None else None
    if guess is None:
        return found
    # A keyword the text states is overruled only by a confident reading of the rest of it.
    return guess[0] if guess[1] >= (_OVERRULE if found is not None else _GUESS) else found


_OVERRULE = 0.5
_CHECKPOINT_OVERRULE = 0.2  # dev (TF-IDF type model): 0.0-0.3 tie, 0.45 loses one item, 0.5 three
_GUESS = 0.0


_ALONGSIDE = re.compile(r"(?:及其?|以及|和|与|\band(?: its| the)?|along with|as well as|\bplus)\s*\S{0,30}\s*$")
"""What precedes a quantization keyword that names files released *with* the model, not the model's type:
"Qwen2-VL-72B-Instruct and its quantized version [AWQ]", "开源12B版本chat模型及量化版本",
"XuanYuan-70B-Chat模型及8-bit和4bit量化模型". On train and dev, 12 announcements' first type keyword was such a
quantization: 10 were labelled `llm`, 1 `finetune`, 1 `quantization` (the label rules type the release)."""


def _stated_types(scan: Scan, tables: Tables) -> list[AliasMatch]:
    """The type keywords, less the quantization keywords that name files released alongside the model: one after
    "and (its)"/"及"/"以及" on its line (within 40 characters), and every quantization keyword after it on
    that line ("and its quantized version [AWQ, GPTQ-Int4]")."""
    kept: list[AliasMatch] = []
    along_from = -1  # where the current line's "alongside" quantization keywords started
    for hit in tables.model_types.find(scan.tokens):
        if hit.value == "quantization":
            line_start = scan.lower.rfind("\n", 0, hit.start) + 1
            before = scan.lower[max(line_start, hit.start - 40) : hit.start]
            if along_from >= line_start or _ALONGSIDE.search(before):
                along_from = max(along_from, line_start)
                continue
        kept.append(hit)
    return kept


def _keyword_type(scan: Scan, tables: Tables, base: str | None, file_formats: list[str]) -> str | None:
    hits = _stated_types(scan, tables)
    headline_end = _first_line_end(scan)
    strong = [h for h in hits if not h.weak]
    for group in ([h for h in strong if h.start < headline_end], strong, hits):
        if group:
            first = group[0]
            # "finetune checkpoint" / "fine-tuned checkpoint": the adjective yields to the noun.
            nxt = next((h for h in hits if h.start > first.start), None)
            if (
                first.value == "finetune"
                and nxt is not None
                and nxt.value == "checkpoint"
                and nxt.start - first.end <= 2
            ):
                return nxt.value
            return first.value
    if file_formats and all(f == "gguf" for f in file_formats):
        return "quantization"
    if base is not None and _is_llm_base(base, tables):
        return "llm"
    return None


def _is_llm_base(base: str, tables: Tables) -> bool:
    """Whether a base (canonical, or as written: "Qwen3.5-4B") belongs to an LLM family of the table."""
    if base in tables.llm_bases:
        return True
    hits = tables.base_models.find(tokenize(base.lower()))
    return bool(hits) and hits[0].start == 0 and hits[0].value in tables.llm_bases


_VERSION = re.compile(
    r"(?<![\w.-])(?:v|ver\.?|version|versión|versão|versione|バージョン|версия)\s?"
    r"(\d{1,4}(?:\.\d{1,4}){0,3}[a-z]?)(?![\w.]*\d)",
    re.IGNORECASE,
)


def version(scan: Scan) -> str | None:
    """The release version as "v<number>".

    Versions that belong to a base model ("Mistral 7B v0.3") or to a credited parent ("merge of
    RealVisXL V4") are skipped; a version on the headline wins over one further down.
    """
    skip = [(h.start, h.end + 1) for h in scan.base_hits]
    skip += [(m.start(1), m.end(1)) for m in _PARENTS.finditer(scan.text)]
    found: list[tuple[int, str]] = []
    headline_end = _first_line_end(scan)
    for m in _VERSION.finditer(scan.text):
        if any(a <= m.start() <= b for a, b in skip):
            continue
        found.append((0 if m.start() < headline_end else 1, "v" + m.group(1).lower()))
        if len(found) > 20:
            break
    return min(found)[1] if found else None


_NAME_FIELD = re.compile(
    r"(?im)^[ \t]{0,4}(?:model[ \t]?name|name|model|nombre(?: del modelo)?|modellname|nome(?: do modelo)?|"
    r"モデル名|名前|模型名称|名称|название(?: модели)?)[ \t]{0,3}[:：][ \t]{0,3}([^\n]{1,200})"
)
_MD_LINK_TEXT = re.compile(r"\[([^\]\n]{1,100})\]\(")
_BOLD_IN_RAW = re.compile(r"\*\*([^*\n]{2,100})\*\*|__([^_\n]{2,100})__")
_HEADLINE = re.compile(
    r"(?i)(?:releas(?:ed|ing)|introducing|presenting|announcing|just (?:dropped|published|uploaded)|"
    r"new (?:lora|checkpoint|merge|model|finetune|fine-tune|embedding|quants?|gguf)|"
    r"is (?:out|live|up)|out now|now (?:available|live|on)|lanzamiento|nuevo|neues?|veröffentlicht|"
    r"lançamento|novo|リリース|公開|发布|新模型(?:发布)?|релиз|выпустил|новая|новый)[ \t]{0,3}[:：!-]?[ \t]{0,3}"
)
_NAME_STOP = re.compile(
    r"(?i)\s(?:v\d|ver\.?\s?\d|version\s?\d|for\s|para\s|für\s|is\s|by\s|-\s|–\s|—\s|\(|\||\.\s)|[,!?:;，。、！（：]"
)
_NOT_NAMES = frozenset(
    {"new", "my", "the", "a", "lora", "checkpoint", "merge", "model", "update", "version", "release"}
)
_EDGE = " \t*_`'\"“”‘’:;,.!?-–—|[](){}<>#~"


_TAG_PREFIX = re.compile(r"^\s{0,3}[\[(][^\])\n]{0,30}[\])]\s{0,3}")
_TYPE_SUFFIX = re.compile(r"(?i)[\s_-]+(?:lora|locon|lycoris|checkpoint|merge|model|embedding|gguf|finetune)$")


def _tidy_name(raw: str) -> str | None:
    raw = re.sub(r"^[\u3040-\u309f]+", "", raw.strip())  # a Japanese verb ending before the name
    raw = _TAG_PREFIX.sub("", raw)  # "[SDXL] Name"
    stop = _NAME_STOP.search(" " + raw)
    if stop is not None:
        raw = (" " + raw)[: stop.start()]
    raw = "".join(c for c in raw if c.isalnum() or c in " ._-+'&[]()") if raw else raw
    raw = _TYPE_SUFFIX.sub("", raw.strip(_EDGE)).strip(_EDGE)
    cjk = _CJK.search(raw) if raw[:1].isascii() else None
    if cjk is not None:  # "**XuanYuan-13B-Chat模型**": the Latin name ends where the CJK starts
        raw = _TYPE_SUFFIX.sub("", raw[: cjk.start()].strip(_EDGE)).strip(_EDGE)
    if not raw or len(raw) > 80 or raw.lower() in _NOT_NAMES or raw.startswith("http"):
        return None
    if not any(c.isalpha() for c in raw) or raw.lower() in _SECTION_WORDS:
        return None  # "**2024/05/22**", "**News**": a date or a section title in bold is no name
    if load_tables().model_types.lookup(raw) is not None:
        return None  # "Новый мердж" is a type, not a name
    return raw


_NAME_WORD = re.compile(r"[^\W_][\w'+&.-]{0,40}")


def _before_version(scan: Scan) -> str | None:
    """The capitalised words right before the first release version ("... Moss Witch v1 for SDXL")."""
    skip = [(h.start, h.end + 1) for h in scan.base_hits]
    for m in _VERSION.finditer(scan.text[:3000]):
        if any(a <= m.start() <= b for a, b in skip):
            continue
        line_start = scan.text.rfind("\n", 0, m.start()) + 1
        before = re.split(r"[：:，、—–|]|\s-\s", scan.text[line_start : m.start()])[-1]
        before = re.sub(r"[「」『』（）]", " ", before).rstrip()
        words: list[str] = []
        for w in reversed(before.split()):
            core = w.strip("*_`'\"“”«»「」()[]")
            if (
                not _NAME_WORD.fullmatch(core)
                or core.lower() in _NAME_STOPWORDS
                or not (core[0].isupper() or core[0].isdigit() or any(c.isupper() for c in core[1:]))
            ):
                break
            words.append(core)
            if len(words) >= 5 or (w and core and w[0] != core[0]):
                break  # reached the word that opens a quote or a bracket
        if words:
            return " ".join(reversed(words))
        return None
    return None


_QUOTED = re.compile(r"'([^'\n]{2,60})'|\"([^\"\n]{2,60})\"|«([^»\n]{2,60})»|「([^」\n]{2,60})」|“([^”\n]{2,60})”")

_NAME_STOPWORDS = frozenset(
    {
        "lora",
        "loras",
        "locon",
        "checkpoint",
        "merge",
        "new",
        "my",
        "the",
        "of",
        "for",
        "is",
        "release",
        "released",
        "releasing",
        "update",
        "version",
        "model",
        "embedding",
        "ti",
        "gguf",
        "sdxl",
        "pony",
        "flux",
        "illustrious",
        "nuevo",
        "neues",
        "novo",
        "lora:",
        "drop",
        "out",
        "a",
        "an",
        "and",
        "de",
        "für",
        "para",
        "uploaded",
        "introducing",
        "announcing",
        "presenting",
        "published",
        "dropping",
        "just",
    }
)


def name_candidates(raw_text: str, scan: Scan) -> list[Candidate]:
    """Every rule's proposed name, in the fixed order that decides when no ranker is installed: a "Name:"
    field, a card heading or "[Release] X" title, the first bold phrase, the words before the version, the
    object of a release verb, the token before "released", a "Name: what it does" title, a quoted name, the
    words after a headline verb, a Hugging Face repo id, the first model-like token; then (for the ranker only)
    a merge recipe's left side (which `model_name` takes as stated), a Civitai link's slug, the title line and
    its segments, the subject of an opening "X is a ...", the Latin name after a Chinese release verb, every
    link text and bold phrase."""
    out: dict[str, Candidate] = {}

    def add(rule: str, value: str | None) -> None:
        if value:
            out.setdefault(value, Candidate(value, set())).rules.add(rule)

    m = _NAME_FIELD.search(scan.text)
    add("field", _tidy_name(m.group(1)) if m else None)
    add("heading", heading_name(raw_text))
    add("tag", tag_name(raw_text))
    for i, b in enumerate(_BOLD_IN_RAW.finditer(raw_text[:2000])):
        bold = b.group(1) or b.group(2) or ""
        linked = _MD_LINK_TEXT.match(bold.strip())
        add("bold" if i == 0 else "bold_any", _tidy_name(linked.group(1) if linked else bold))
        if i >= 5:
            break
    add("before_version", _before_version(scan))
    add("verb_object", verb_object(raw_text))
    add("before_verb", before_verb(raw_text))
    add("title", title_name(raw_text))
    q = _QUOTED.search(scan.text[:300].split("\n", 1)[0])
    add("quoted", _tidy_name(next(g for g in q.groups() if g is not None)) if q else None)
    if not _CJK.search(scan.text[:200]):  # a CJK headline is one unspaced run: this would take all of it
        head = _HEADLINE.search(scan.text[:600])
        add("headline", _tidy_name(scan.text[head.end() : head.end() + 200].split("\n", 1)[0]) if head else None)
    add("hf_repo", hf_repo_name(raw_text))
    add("token", model_token(raw_text))
    add("recipe", recipe_name(raw_text))
    add("civitai_slug", civitai_slug_name(raw_text))
    for rule, name in first_line_names(raw_text):  # for the ranker only: not in the fixed order
        add(rule, name)
    add("subject", subject_name(raw_text))
    add("cjk_verb", cjk_verb_object(raw_text))
    for i, link in enumerate(_MD_LINK_TEXT.finditer(raw_text[:3000])):
        add("link_text", _tidy_name(link.group(1)))
        if i >= 8:
            break
    return list(out.values())


_STATED = frozenset({"field", "recipe"})
_FIXED_ORDER = ("field", "heading", "tag", "bold", "before_version", "verb_object", "before_verb", "title",
                "quoted", "headline", "hf_repo", "token")  # fmt: skip


def name_pool(raw_text: str, scan: Scan, credited: Sequence[str] = ()) -> list[Candidate]:
    """The candidates a name is chosen from (and the ranker is trained on): every rule's, less a credited parent
    ("= 60% Juggernaut XL v9 + ...") and less the model the text says it was made from ("a fine-tuned version
    of [DialoGPT-medium](...)", a card's `base_model:`), which are never the release's own name."""
    parent_keys = [key_of(p) for p in credited]
    stated = stated_base(raw_text)
    base_keys: set[str] = set()
    if stated is not None and stated[1] <= 2:
        base_keys.add(key_of(stated[0].rsplit("/", 1)[-1]))
        repo = linked_repo(raw_text, stated[0])  # "基于[Bloom](…/bigscience/bloom-7b1)": bloom-7b1 is the base
        if repo is not None:
            base_keys.add(key_of(repo))
    pointers = _Pointers(raw_text)
    return [
        c
        for c in name_candidates(raw_text, scan)
        if not any(k.startswith(key_of(c.text)) for k in parent_keys)
        and key_of(c.text) not in base_keys
        and not _no_name(c.text)
        and not pointers.only(c.text)
    ]


_BARE_VERSION = re.compile(
    r"(?i)[vV]?\d{1,4}(?:\.\d{1,4}){0,3}[a-z]?|\d{1,4}(?:\.\d{1,2})?[ \t]?[bmk]|"
    r"(?:int|fp|bf|q)\d{1,2}(?:_[a-z0-9]{1,4}){0,2}|\d{1,2}[- ]?bits?"
)
_QUESTION_TITLE = re.compile(r"(?i)(?:what|how|why|when|where|which)[ \t]")
_NOT_NAME_WORDS = frozenset({"model id", "模型融合", "模型下载", "模型列表"})


_DATE = (
    r"(?:(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)[-. ]\d{1,2}(?:[-., ]{1,2}\d{2,4})?"
    r"|\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})"
)
_DATED_LINE = re.compile(rf"(?i)(?:new[ \t]+)?{_DATE}(?:[ \t]|$)")
"""A candidate that opens with a date ("Jun-08-23", "2022-02-24 English", "New December 30"): a changelog
entry's date taken for a name. Only at the start: a date inside a name is part of it ("gpt-4o-2024-08-06")."""


def _no_name(text: str) -> bool:
    """Candidates that dev's false prompts were named after and that name no model: a licence ("released under
    CC-BY-NC-SA-4.0"), a bare version, size or number format ("v0.2.0", "5.8B", "int4"), a section title that
    asks ("What it does", "How to use"), the template heading "Model Card for Model ID" without its prefix; and
    (session 15) a date opening a changelog line, and a fragment of Markdown link syntax ("增加了基于[活字](https")."""
    low = text.strip().lower()
    return (
        low in _NOT_NAME_WORDS
        or bool(_BARE_VERSION.fullmatch(low))
        or bool(_QUESTION_TITLE.match(low))
        or bool(_DATED_LINE.match(low))
        or "](" in low
        or load_tables().licenses.lookup(text, strong=True) is not None
    )


class _Pointers:
    """A text's opening lowered and its Markdown link targets, read once per text for all its candidates."""

    def __init__(self, raw_text: str) -> None:
        self._low = raw_text[:_POINTER_WINDOW].lower()
        self._targets = [m.span(1) for m in _LINK_TARGET.finditer(self._low)]  # in order, not overlapping
        self._starts = [a for a, _ in self._targets]

    def only(self, name: str) -> bool:
        """Whether the text writes `name` only as an @-handle or a #-anchor ("感谢 [@LemonQu-GIT](…)",
        "@BLING-1994 Hi, the weights are released", "[Model Download](#Model-Download)"): a person thanked or
        addressed, or a link to a section, never the model announced. A name also written plainly somewhere is
        kept; a Markdown link's target counts as neither (`](https://github.com/LemonQu-GIT)`), unless it is a
        section (`](#…)`)."""
        low, key, targets = self._low, name.lower(), self._targets
        pointer = False
        start = low.find(key)
        while start != -1:
            i = bisect.bisect_right(self._starts, start) - 1
            target = targets[i][0] if i >= 0 and start < targets[i][1] else None
            if target is None and (start == 0 or low[start - 1] not in "@#"):
                return False
            pointer = pointer or target is None or low[target] == "#"  # a handle, or a link to a section
            start = low.find(key, start + 1)
        return pointer


def _only_a_pointer(name: str, raw_text: str) -> bool:
    """`_Pointers(raw_text).only(name)`, for one name."""
    return _Pointers(raw_text).only(name)


_POINTER_WINDOW = 20_000
"""How much of the text `_Pointers` reads: the candidates come from its opening, and a bound keeps a
message of thousands of handles and links linear and cheap (each occurrence is placed among the link targets
by bisection)."""


_LINK_TARGET = re.compile(r"\]\(([^)\s]{1,2000})\)")


def model_name(raw_text: str, scan: Scan, credited: Sequence[str] = ()) -> str | None:
    """The model's name: the candidate of `name_pool` the learned ranker picks (`extraction_name_rank`), or,
    without a ranker, the first candidate in the fixed order of `name_candidates`."""
    candidates = name_pool(raw_text, scan, credited)
    for cand in candidates:
        if cand.rules & _STATED:  # "Name: X", '"X" = 60% A + 40% B': the creator saying it, nothing to infer
            return cand.text
    ranker = load_name_ranker()
    if ranker is not None:
        return ranker.choose(candidates, raw_text)
    for rule in _FIXED_ORDER:
        for cand in candidates:
            if rule in cand.rules:
                return cand.text
    return None


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


_TRIGGER = re.compile(
    r"(?i)(?:trigger(?:[ \t]?(?:words?|tokens?|phrases?|tags?))?|activation(?:[ \t]?(?:tokens?|words?|tags?))?|"
    r"trained[ \t]?words?|instance[ _\t]?prompts?|palabras?[ \t]?(?:clave|activadoras?|de activación)|"
    r"palavras?[- ]chave|gatilhos?|triggerw(?:ö|oe|o)rt(?:er)?|aktivierungsw(?:ö|o)rt(?:er)?|"
    r"トリガー(?:ワード)?|触发词|激活词|触发|триггер(?:ы|ное слово|ные слова)?)[`*_'\"]{0,3}[ \t]{0,3}[:：=][ \t]{0,3}"
    r"([^\n]{1,500})"
)
_NO_TRIGGER = re.compile(
    r"(?i)\b(?:without|no|not|none|don'?t|doesn'?t|isn'?t)\b[^\n]{0,30}?\b(?:trigger|needed|required|necessary)"
)
_TRIGGER_SAID = re.compile(
    # "You should use the trigger word hkwarrior", "The trigger word is fsstyle": said in a sentence, one word
    r"(?i)\btrigger[ \t]?(?:words?|tokens?|phrases?)[ \t]{1,3}(?:(?:is|are)[ \t]{1,3})?[`*_'\"“]{0,3}"
    r"([A-Za-z0-9][\w.-]{1,40})(?![\w'])"
)
_NOT_TRIGGERS = frozenset(
    {"is", "are", "was", "not", "no", "none", "needed", "required", "optional", "necessary", "in", "into", "for", "to",
     "the", "a", "an", "and", "or", "of", "on", "at", "with", "without", "below", "above", "here", "there", "list",
     "lists", "you", "your", "it", "its", "this", "that", "these", "those", "should", "must", "can", "may", "will",
     "if", "when", "as", "by", "from", "used", "use", "using", "works", "work", "helps", "help", "only", "also",
     "all", "any", "some", "each", "every", "too", "very", "but", "so", "then", "than", "like", "more", "less"}
)  # fmt: skip
_TRIGGER_END = re.compile(r"(?i)\.\s|\s[—–|·•]\s|\s{3,}|。|,\s?licen[cs]e|https?://")
_TRIGGER_TICK = re.compile(
    r"(?i)\btrigger(?:[ \t]?words?)?[ \t]{1,3}(`[^`\n]{1,80}`(?:[ \t]{0,2}[,+/][ \t]{0,2}`[^`\n]{1,80}`){0,10})"
)
_BACKTICKED = re.compile(r"`([^`\n]{1,80})`")
_SPLIT = re.compile(r"\s*(?:[,;、，|]|\s/\s|\sand\s|\sor\s|\sy\s|\sund\s|\sи\s)\s*")
_ASIDE = re.compile(r"\s*[(（][^()（）\n]{0,30}[)）]$")  # "romerorzeternos (optional)"


def trigger_words(scan: Scan) -> list[str]:
    """Words the LoRA/embedding is triggered by ("Trigger: `xyz`", "trigger words: a, b", a DreamBooth card's
    "`instance_prompt`: **a photo of sks dog**", "use the trigger word hkstyle"). A line that says there is
    none ("Trigger words: This LoRA is without Trigger Words") gives none."""
    out: list[str] = []
    for m in _TRIGGER_TICK.finditer(scan.text):
        for word in _BACKTICKED.findall(m.group(1)):
            if word.strip() and word.strip() not in out:
                out.append(word.strip())
    for m in _TRIGGER.finditer(scan.text):
        rest = m.group(1)
        if _NO_TRIGGER.search(rest):
            continue
        cut = _TRIGGER_END.search(rest)
        if cut is not None:
            rest = rest[: cut.start()]
        ticked = _BACKTICKED.findall(rest)
        parts = ticked if ticked else _SPLIT.split(rest)
        for part in parts:
            word = _ASIDE.sub("", part.strip()).strip(" \"'“”‘’*_.!").strip()
            if (
                word
                and len(word) <= 80
                and word.lower() not in ("none", "n/a", "no", "ninguna", "keine")
                and word not in out
            ):
                out.append(word)
        if len(out) >= 20:
            break
    if not out:  # only when no "Trigger: ..." line said it: a sentence names one word, a list line says it all
        for m in _TRIGGER_SAID.finditer(scan.text):
            word = m.group(1).rstrip(".-")
            if word.lower() not in _NOT_TRIGGERS and word not in out:
                out.append(word)
            if len(out) >= 5:
                break
    return out[:20]


_NEGATORS = frozenset({"no", "not", "non", "sin", "kein", "keine", "nicht", "sem", "não", "без", "не", "无", "非"})


def nsfw(scan: Scan) -> bool | None:
    """True when NSFW is stated, False when SFW is stated (or NSFW is negated), else None."""
    saw_sfw = False
    toks = scan.tokens
    for i, tok in enumerate(toks):
        if tok.text in ("nsfw", "r18", "18+"):
            prev = {t.text for t in toks[max(0, i - 2) : i]}
            nxt = toks[i + 1].text if i + 1 < len(toks) else ""
            if prev & _NEGATORS or nxt in ("no", "false", "none"):
                saw_sfw = True
                continue
            return True
        if tok.text == "sfw":
            saw_sfw = True
    return False if saw_sfw else None


_PARENTS = re.compile(
    r"(?i)(?:merged?[ \t]+(?:of|from|between)|mix[ \t]+of|blend[ \t]+of|recipe[ \t]{0,2}[:：]|"
    r"merged[ \t]+models?[ \t]{0,2}[:：]|parents?[ \t]{0,2}[:：]|credits?(?:[ \t]+to)?[ \t]{0,2}[:：]|"
    r"based[ \t]+on|built[ \t]+on(?:[ \t]+top[ \t]+of)?|derived[ \t]+from|fine-?tuned?[ \t]+(?:of|from)|"
    r"finetune[ \t]+of|fine-tune[ \t]+of|quants?[ \t]+(?:of|for)|quantizations?[ \t]+of|gguf[ \t]+(?:quants?[ \t]+)?of|"
    r"(?<=[\"”'\w])[ \t]{0,2}=[ \t]{0,2}(?=\d{1,3}[ \t]?%)|mezcla[ \t]+de|fusión[ \t]+de|basado[ \t]+en|"
    r"basiert[ \t]+auf|merge[ \t]+aus|mischung[ \t]+aus|"
    r"baseado[ \t]+em|mistura[ \t]+de|на[ \t]+основе|основан[аo]?[ \t]+на|мердж[ \t]+из|基于|融合了?|"
    r"をベースに|のマージ)[ \t]{0,3}([^\n]{1,300})"
)
_PARENT_SPLIT = re.compile(r"\s*(?:\+|,|&|\sand\s|\sx\s|\sy\s|\sund\s|\se\s|\sи\s|、|和|与|と)\s*")
_WEIGHT = re.compile(r"(?:^|(?<=[\s(@:*]))\(?\s?(?:0?\.\d{1,3}|1\.0|\d{1,3}\s?%)\s?\)?(?=\s|$|[),])")
_PARENT_END = re.compile(
    r"(?i)(?:\.\s|;|\s(?:for|with|using|to|trained|at|on|para|für|pour|для)\s|,\s?(?:base|based)\b|\(https?|https?://|\s[-—–|·]\s|!|。|，|的)"
)


_BASED_SUFFIX = re.compile(r"(?i)[\s-]+(?:based|base|basis)$")


def _unclosed_paren_cut(span: str) -> str:
    """Cut at a ')' that closes a parenthesis opened before the span ('(merge of A and B) for SDXL')."""
    depth = 0
    for i, c in enumerate(span):
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return span[:i]
            depth -= 1
    return span


_MERGE_LIST_INTRO = re.compile(
    r"(?im)^[^\n]{0,200}?(?:models?[ \t]+(?:were|was)[ \t]+(?:included|used)[ \t]+in[ \t]+(?:the|this)[ \t]+merge|"
    r"following[ \t]+models|models[ \t]+merged|merged[ \t]+models|merge[ \t]+ingredients|下記のモデル|以下のモデル|"
    r"以下模型|以下の(?:モデル|レシピ))[^\n]{0,200}$"
)
_HTML_TAG = re.compile(r"<[^<>\n]{1,40}>")
_INLINE_LIST = re.compile(r"[:：][ \t]{0,3}\S")
_TRAILING_URL = re.compile(r"[ \t]+https?://\S{1,2000}$")


def merge_list(text: str) -> list[str]:
    """The list a merge card gives its ingredients in: mergekit's "The following models were included in the
    merge:" and the same in other words or languages ("下記のモデルを…マージ"), followed by one model per line
    (the cleaned text has lost the bullets; a linked item reads "name url"). The first intro that a list follows
    wins; a line that is itself an intro or ends in a colon is not an item. An intro must announce a list: end
    in a colon, say "below" (下記, 以下), or be a short title ("Models Merged"); one that lists its models
    inline ("Merged models: A, B") is left to `parents`' recipe rules."""
    for intro in _MERGE_LIST_INTRO.finditer(text[:20000]):
        head = intro.group(0).strip()
        if _INLINE_LIST.search(head) or not (
            head.endswith((":", "：")) or "下記" in head or "以下" in head or len(head.split()) <= 3
        ):
            continue
        items: list[str] = []
        for line in text[intro.end() : intro.end() + 8000].split("\n")[1:40]:
            line = _TRAILING_URL.sub("", _HTML_TAG.sub("", line)).strip()
            if not line:
                if items:
                    break
                continue
            if _MERGE_LIST_INTRO.match(line) or line.endswith((":", "：")):
                continue
            if len(line) > 160 or len(line.split()) > 12 or line.endswith(("。", ".", "!", "！")):
                break  # a sentence: the list (if any) is over
            line = line.strip(_EDGE + " ")
            if line not in items:
                items.append(line)
            if len(items) >= 20:
                break
        if items:
            return items
    return []


_GENERIC_PARENT = re.compile(r"(?i)^(?:the[ \t]+)?(?:(?:following|several|multiple|various|different|many|some|my|"
                             r"our|other|these|two|three)[ \t]+)?"
                             r"(?:pre-?trained[ \t]+)?(?:language[ \t]+)?models?\b")  # fmt: skip


def parents(scan: Scan, tables: Tables) -> list[str]:
    """Credited models: a merge card's list of ingredients (`merge_list`), merge recipes ("merge of A + B") and
    "based on X by Y" (the model part, X).

    Plain base-model names ("based on SDXL") are the `base_model` field, not parents; nor is mergekit's
    boilerplate "a merge of pre-trained language models".
    """
    listed = merge_list(scan.text)
    if listed:
        return listed
    out: list[str] = []
    for m in _PARENTS.finditer(scan.text):
        span = _unclosed_paren_cut(m.group(1))
        end = _PARENT_END.search(span)
        if end is not None:
            span = span[: end.start()]
        parts = _PARENT_SPLIT.split(span)
        weighted = [bool(_WEIGHT.search(p)) for p in parts]
        if sum(weighted) >= 2:  # a weighted recipe: every ingredient has its weight ("…, grab it here" is none)
            parts = [p for p, w in zip(parts, weighted, strict=True) if w]
        for part in parts:
            part = _WEIGHT.sub(" ", part.split("(", 1)[0] if "(" in part[1:] else part)
            part = re.split(r"(?i)\s(?:by|von|de|por|от)\s", part, maxsplit=1)[0]
            part = part.strip(_EDGE + " ")
            if not part or len(part) > 80 or part.lower() in _NOT_NAMES or _GENERIC_PARENT.match(part):
                continue
            if tables.base_models.lookup(part) is not None or tables.licenses.lookup(part) is not None:
                continue
            stated_base = _BASED_SUFFIX.sub("", part)  # "…, SD 1.5 based": the base model, said after the parents
            if stated_base != part and tables.base_models.lookup(stated_base) is not None:
                continue
            if part not in out:
                out.append(part)
        if len(out) >= 20:
            break
    return out
