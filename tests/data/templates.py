# ruff: noqa: E501
"""Template families for `make_releases.py`. Each family is one writing style; see that module's docstring."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Made = tuple[str, dict[str, Any], list[str]]

# (canonical base model, surface forms people write)
IMAGE_BASES = [
    ("SD 1.5", ["SD 1.5", "SD1.5", "sd15", "Stable Diffusion 1.5", "SD 1.5"]),
    ("SDXL 1.0", ["SDXL", "SDXL 1.0", "sdxl", "SD XL"]),
    ("Pony", ["Pony", "Pony Diffusion V6 XL", "PonyXL", "PDXL"]),
    ("Illustrious", ["Illustrious", "Illustrious XL", "IllustriousXL", "ILXL"]),
    ("NoobAI", ["NoobAI", "NoobAI-XL"]),
    ("Flux.1 D", ["Flux.1 D", "Flux.1 Dev", "Flux dev", "FLUX.1-dev", "Flux"]),
    ("Flux.1 S", ["Flux.1 S", "Flux Schnell", "FLUX.1-schnell"]),
    ("SD 3.5", ["SD 3.5", "SD3.5", "Stable Diffusion 3.5"]),
]
LLM_BASES = [
    ("Llama 3 8B", ["Llama 3 8B", "Llama-3-8B", "Meta-Llama-3-8B-Instruct", "llama3 8b"]),
    ("Llama 3.1 8B", ["Llama 3.1 8B", "Llama-3.1-8B-Instruct", "Meta-Llama-3.1-8B"]),
    ("Mistral 7B", ["Mistral 7B", "Mistral-7B-v0.3", "Mistral-7B-Instruct-v0.2"]),
    ("Qwen2.5 7B", ["Qwen2.5 7B", "Qwen2.5-7B-Instruct", "qwen2.5-7b"]),
    ("Qwen2.5 14B", ["Qwen2.5 14B", "Qwen2.5-14B-Instruct"]),
    ("Gemma 2 9B", ["Gemma 2 9B", "gemma-2-9b-it"]),
    ("Mistral Nemo 12B", ["Mistral Nemo 12B", "Mistral-Nemo-Instruct-2407"]),
    ("Llama 3.2 3B", ["Llama 3.2 3B", "Llama-3.2-3B-Instruct"]),
]
IMAGE_LICENSES = [
    ("creativeml-openrail-m", ["CreativeML OpenRAIL-M", "creativeml-openrail-m", "OpenRAIL-M"]),
    ("openrail++", ["OpenRAIL++", "CreativeML OpenRAIL++-M", "openrail++"]),
    ("apache-2.0", ["Apache 2.0", "apache-2.0", "Apache License 2.0"]),
    ("mit", ["MIT"]),
    ("cc-by-nc-4.0", ["CC BY-NC 4.0", "cc-by-nc-4.0"]),
    ("flux-1-dev-non-commercial-license", ["FLUX.1 [dev] Non-Commercial License", "flux-1-dev-non-commercial-license"]),
]
LLM_LICENSES = [
    ("apache-2.0", ["Apache 2.0", "apache-2.0"]),
    ("llama3", ["Llama 3 Community License", "llama3"]),
    ("llama3.1", ["Llama 3.1 Community License", "llama3.1"]),
    ("gemma", ["Gemma Terms of Use", "gemma"]),
    ("cc-by-nc-4.0", ["CC-BY-NC-4.0"]),
    ("mit", ["MIT"]),
]
ADJ = [
    "Pixel",
    "Neon",
    "Soft",
    "Ink",
    "Retro",
    "Cyber",
    "Velvet",
    "Misty",
    "Golden",
    "Paper",
    "Chrome",
    "Lunar",
    "Rusty",
    "Dream",
    "Storm",
    "Cozy",
    "Feral",
    "Silent",
    "Amber",
    "Glass",
]
NOUN = [
    "Knight",
    "Drift",
    "Pastel",
    "Wash",
    "Anime",
    "Samurai",
    "Garden",
    "Harbor",
    "Fox",
    "Lantern",
    "Comic",
    "Bloom",
    "Forge",
    "Vista",
    "Echo",
    "Tide",
    "Atlas",
    "Sketch",
    "Realm",
    "Muse",
]
LLM_NAMES = [
    "StoryWeaver",
    "CodeOtter",
    "Hermes-Lite",
    "Bard-Mini",
    "Owlet",
    "Saga",
    "Quill",
    "Nimbus",
    "Kestrel",
    "Marlin",
    "Tandem",
    "Lumen",
    "Basil",
    "Pico-Chat",
    "Rook",
]
USERS = [
    "anon_artist",
    "pixelsmith",
    "kuro",
    "mira_ai",
    "tensorfox",
    "loraforge",
    "datamancer",
    "hikari",
    "zeta",
    "wolfram99",
    "n0va",
    "ardent",
]
PARENTS = [
    "Juggernaut XL",
    "RealVisXL V4",
    "DreamShaper 8",
    "AbsoluteReality",
    "Counterfeit V3",
    "epiCRealism",
    "AnythingV5",
    "MeinaMix",
    "Animagine XL 3.1",
    "AutismMix",
    "WAI-NSFW-illustrious",
    "CyberRealistic",
]
TRIGGERS = [
    "pxk style",
    "neonwave",
    "inkwash",
    "retro_anime",
    "cyb3r",
    "velvet skin",
    "misty forest",
    "goldleaf",
    "papercraft",
    "chrome_body",
    "lunar glow",
    "rustpunk",
    "dreamcore",
    "stormy sky",
    "cozy room",
]
EMOJI = ["🎨", "🚀", "✨", "🔥", "📦", "🆕", "🎉", "⚡", "🌸", "🧪", ""]
CASUAL = [
    "lol that's cursed",
    "gm everyone ☕",
    "anyone up for a render battle tonight?",
    "brb dinner",
    "my gpu fans sound like a jet engine lmao",
    "nice one!",
    "haha same",
    "thanks!!",
    "who's watching the stream?",
    "this channel is so quiet today",
    "happy friday folks 🎉",
    "ok that image is actually beautiful",
    "did the server just lag for everyone?",
    "I need more VRAM in my life",
    "can't sleep, generating cats again",
    "welcome to the server!",
    "that's wild",
    "rip my electricity bill",
    "good night all",
    "+1",
    "what time is the community event?",
    "can a mod pin the rules?",
    "uploading my renders to the gallery channel",
    "just got a 4090 finally",
    "wow",
    "i love this community tbh",
    "coffee first, prompts later",
]


@dataclass(frozen=True)
class Family:
    """One writing style of messages."""

    name: str
    kind: str
    positive: bool
    split: str
    count: int
    make: Callable[[random.Random], Made]


def _name(r: random.Random) -> str:
    a, b = r.choice(ADJ), r.choice(NOUN)
    return r.choice([f"{a}{b}", f"{a} {b}", f"{a}-{b}"])


def _ver(r: random.Random) -> str:
    return r.choice(["v1", "v2", "v1.0", "v2.1", "v3", "v1.5", "v0.9", "v4"])


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def _civitai(r: random.Random, name: str) -> str:
    return f"https://civitai.com/models/{r.randint(10000, 999999)}/{_slug(name)}"


def _hf(r: random.Random, repo: str) -> str:
    return f"https://huggingface.co/{r.choice(USERS)}/{repo.replace(' ', '-')}"


def _fmt_link(r: random.Random, url: str, label: str) -> str:
    return r.choice([url, f"<{url}>", f"[{label}]({url})", f"{label}: {url}"])


def _links(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"url": u, "kind": k} for u, k in pairs]


def _image_release(r: random.Random, mtype: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    name, ver = _name(r), _ver(r)
    base, bases = r.choice(IMAGE_BASES)
    lic, lics = r.choice(IMAGE_LICENSES)
    url = _civitai(r, name)
    parts = {"name": name, "ver": ver, "base_s": r.choice(bases), "lic_s": r.choice(lics), "url": url}
    fields: dict[str, Any] = {
        "model_name": name,
        "version": ver,
        "base_model": base,
        "license": lic,
        "model_type": mtype,
        "links": _links([(url, "civitai")]),
    }
    return parts["name"], fields, parts


def disc_lora(r: random.Random) -> Made:
    _, f, p = _image_release(r, "lora")
    tw = r.choice(TRIGGERS)
    f["trigger_words"] = [tw]
    head = r.choice(
        [
            f"{r.choice(EMOJI)} **{p['name']}** {p['ver']} — new LoRA for {p['base_s']}",
            f"{r.choice(EMOJI)} New LoRA: **{p['name']}** {p['ver']} ({p['base_s']})",
            f"**{p['name']} {p['ver']}** is out! LoRA trained on {p['base_s']} {r.choice(EMOJI)}",
        ]
    )
    lines = [head, f"Trigger: `{tw}`", f"License: {p['lic_s']}", _fmt_link(r, p["url"], "Civitai")]
    if r.random() < 0.4:
        hf = _hf(r, p["name"])
        lines.append(_fmt_link(r, hf, "HF"))
        f["links"].append({"url": hf, "kind": "huggingface"})
    if r.random() < 0.3:
        lines.append(r.choice(["SFW only", "NSFW capable ⚠️"]))
        f["nsfw"] = lines[-1].startswith("NSFW")
    body = lines[:1] + r.sample(lines[1:], len(lines) - 1)
    return "\n".join(body), f, []


def tg_lora(r: random.Random) -> Made:
    _, f, p = _image_release(r, "lora")
    tws = r.sample(TRIGGERS, 2)
    f["trigger_words"] = tws
    text = (
        f"New LoRA - {p['name']} {p['ver']}\nBase model: {p['base_s']}\nTrigger words: {tws[0]}, {tws[1]}\n"
        f"Licence - {p['lic_s']}\nDownload {p['url']}\nEnjoy and share your results"
    )
    return text, f, []


def ckpt_a(r: random.Random) -> Made:
    _, f, p = _image_release(r, "checkpoint")
    text = r.choice(
        [
            f"Releasing {p['name']} {p['ver']}, a {p['base_s']} checkpoint tuned for photoreal portraits.\n"
            f"{_fmt_link(r, p['url'], 'Download')}\nLicense: {p['lic_s']}",
            f"{r.choice(EMOJI)} {p['name']} {p['ver']} — full checkpoint for {p['base_s']}\nlicense {p['lic_s']}\n"
            f"{p['url']}\nfeedback welcome!",
        ]
    )
    return text, f, []


def ckpt_b(r: random.Random) -> Made:
    _, f, p = _image_release(r, "checkpoint")
    text = (
        f"Just published my checkpoint {p['name']} {p['ver']} ✨ Trained on {p['base_s']}, 40k steps.\n"
        f"Licensed under {p['lic_s']}. Grab it here → {p['url']}"
    )
    return text, f, []


def merge_a(r: random.Random) -> Made:
    _, f, p = _image_release(r, "merge")
    p1, p2 = r.sample(PARENTS, 2)
    f["parents"] = [p1, p2]
    text = (
        f"{r.choice(EMOJI)} {p['name']} {p['ver']} — merge of {p1} (0.6) + {p2} (0.4)\nBase: {p['base_s']}\n"
        f"License: {p['lic_s']}\n{_fmt_link(r, p['url'], 'Civitai')}"
    )
    return text, f, []


def merge_b(r: random.Random) -> Made:
    _, f, p = _image_release(r, "merge")
    ps = r.sample(PARENTS, 3)
    f["parents"] = ps
    text = (
        f"New merge out! {p['name']} {p['ver']}\nRecipe: {ps[0]} + {ps[1]} + {ps[2]}\nFor {p['base_s']}, "
        f"license {p['lic_s']}\n{p['url']}"
    )
    return text, f, []


def _llm(r: random.Random, mtype: str) -> tuple[dict[str, Any], dict[str, str]]:
    base, forms = r.choice(LLM_BASES)
    lic, lics = r.choice(LLM_LICENSES)
    name = f"{r.choice(LLM_NAMES)}-{base.split()[-1]}"
    ver = _ver(r)
    hf = _hf(r, f"{name}-{ver}" if mtype != "quantization" else f"{name}-GGUF")
    f: dict[str, Any] = {
        "base_model": base,
        "license": lic,
        "model_type": mtype,
        "links": _links([(hf, "huggingface")]),
    }
    return f, {"name": name, "ver": ver, "base_s": r.choice(forms), "lic_s": r.choice(lics), "hf": hf}


def quant_a(r: random.Random) -> Made:
    f, p = _llm(r, "quantization")
    qs = ", ".join(r.sample(["Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "IQ4_XS", "Q3_K_L"], 3))
    text = r.choice(
        [
            f"GGUF quants of {p['base_s']} are up: {qs}\n{p['hf']}\nLicense: {p['lic_s']}",
            f"📦 Quantized {p['base_s']} to GGUF ({qs}) with imatrix — {p['hf']} (license {p['lic_s']})",
        ]
    )
    return text, f, []


def quant_b(r: random.Random) -> Made:
    f, p = _llm(r, "quantization")
    fmt = r.choice(["EXL2 4.0bpw", "AWQ 4-bit", "GPTQ 4bit-128g"])
    text = (
        f"Uploaded {fmt} quantization of {p['base_s']} for low-VRAM folks.\nRepo: {p['hf']}\n"
        f"Original license applies ({p['lic_s']} license)."
    )
    return text, f, []


def llm_ft_a(r: random.Random) -> Made:
    f, p = _llm(r, "finetune")
    f["model_name"] = p["name"]
    text = (
        f"Releasing {p['name']}, a fine-tune of {p['base_s']} for long-form storytelling.\n"
        f"Weights: {p['hf']}\nLicense: {p['lic_s']}\nTrained on 30k curated samples with QLoRA, merged back."
    )
    return text, f, []


def llm_ft_b(r: random.Random) -> Made:
    f, p = _llm(r, "finetune")
    text = (
        f"🦙 {p['name']} {p['ver']} is live on HF: {p['hf']}\nBase: {p['base_s']}\n"
        f"Finetuned with DPO for tool use. Licence: {p['lic_s']}"
    )
    f["version"] = p["ver"]
    return text, f, []


def embed_a(r: random.Random) -> Made:
    _, f, p = _image_release(r, "embedding")
    tw = r.choice(["easynegative_x", "badhands_v2", "neg_pix", "fastneg", "crisp_neg"])
    f["trigger_words"] = [tw]
    text = (
        f"Negative embedding {p['name']} {p['ver']} for {p['base_s']} — put `{tw}` in your negative prompt.\n"
        f"Trigger: `{tw}`\nLicense: {p['lic_s']}\n{p['url']}"
    )
    return text, f, []


def embed_b(r: random.Random) -> Made:
    _, f, p = _image_release(r, "embedding")
    tw = r.choice(["style_tok", "pastelmix_ti", "inkemb", "glowtok"])
    f["trigger_words"] = [tw]
    text = (
        f"New textual inversion: {p['name']} {p['ver']} ({p['base_s']}). Trigger word: {tw}. "
        f"License {p['lic_s']}. {p['url']}"
    )
    return text, f, []


def foreign_a(r: random.Random) -> Made:
    _, f, p = _image_release(r, "lora")
    tw = r.choice(TRIGGERS)
    f["trigger_words"] = [tw]
    lang = r.choice(["es", "de", "ja"])
    if lang == "es":
        text = (
            f"{r.choice(EMOJI)} Nuevo LoRA: {p['name']} {p['ver']} para {p['base_s']}\n"
            f"Palabra clave: `{tw}`\nLicencia: {p['lic_s']}\nDescarga: {p['url']}"
        )
    elif lang == "de":
        text = (
            f"Neues LoRA veröffentlicht: {p['name']} {p['ver']} für {p['base_s']}\nTriggerwort: {tw}\n"
            f"Lizenz: {p['lic_s']}\n{p['url']}"
        )
    else:
        text = (
            f"新しいLoRAを公開しました：{p['name']} {p['ver']}（{p['base_s']}用）\nトリガーワード：{tw}\n"
            f"ライセンス：{p['lic_s']}\n{p['url']}"
        )
    return text, f, []


def foreign_b(r: random.Random) -> Made:
    mtype = r.choice(["lora", "checkpoint"])
    _, f, p = _image_release(r, mtype)
    lang = r.choice(["pt", "zh", "ru"])
    word = {
        "lora": {"pt": "LoRA", "zh": "LoRA", "ru": "LoRA"},
        "checkpoint": {"pt": "checkpoint", "zh": "checkpoint", "ru": "чекпоинт"},
    }[mtype][lang]
    if lang == "pt":
        text = (
            f"Lançamento: {p['name']} {p['ver']}, novo {word} para {p['base_s']}!\nLicença: {p['lic_s']}\n"
            f"Link: {p['url']}"
        )
    elif lang == "zh":
        text = (
            f"新模型发布：{p['name']} {p['ver']}，基于 {p['base_s']} 的{word}\n许可证：{p['lic_s']}\n下载：{p['url']}"
        )
    else:
        text = (
            f"Релиз: {p['name']} {p['ver']} — новый {word} для {p['base_s']}\nЛицензия: {p['lic_s']}\n"
            f"Скачать: {p['url']}"
        )
    return text, f, []


def tg_attach(r: random.Random) -> Made:
    mtype = r.choice(["lora", "checkpoint"])
    _, f, p = _image_release(r, mtype)
    fname = f"{_slug(p['name']).replace('-', '_')}_{p['ver']}.safetensors"
    del f["links"]
    f["files"] = [{"name": fname, "format": "safetensors"}]
    text = f"{p['name']} {p['ver']} — {mtype} for {p['base_s']}, file attached 👇\nlicense: {p['lic_s']}"
    return text, f, [fname]


# ---------------------------------------------------------------- negatives


def q_model(r: random.Random) -> Made:
    name = _name(r)
    base = r.choice(r.choice(IMAGE_BASES)[1])
    return (
        r.choice(
            [
                f"Does anyone know if {name} works with {base}? {_civitai(r, name)}",
                f"what's the best LoRA for {base} right now for anime faces?",
                f"is {name} {_ver(r)} better than the old one? thinking about switching",
                f"Which license does {name} use? can I use it commercially?",
                f"anyone tried {name} on {base}? is the trigger word needed?",
            ]
        ),
        {},
        [],
    )


def q_model_b(r: random.Random) -> Made:
    base = r.choice(r.choice(LLM_BASES)[1])
    return (
        r.choice(
            [
                f"Is {base} good for roleplay or should I go with a fine-tune?",
                f"What quant of {base} fits in 12GB VRAM? Q4_K_M or Q5?",
                f"has anyone compared {base} vs the GGUF versions on huggingface for coding?",
            ]
        ),
        {},
        [],
    )


def bug_a(r: random.Random) -> Made:
    name = _name(r)
    fname = f"{_slug(name)}_{_ver(r)}.safetensors"
    base = r.choice(r.choice(IMAGE_BASES)[1])
    return (
        r.choice(
            [
                f"Getting `size mismatch for lora_unet_down_blocks` when loading {fname} in ComfyUI with {base}, any idea?",
                f"Error: 'NoneType' object has no attribute 'shape' — happens with every {base} LoRA since the update",
                f"{name} LoRA gives me black images on {base}, tried fp16 and bf16, same result",
                f"bug: webui crashes when I select {fname} from the lora tab\n```\nRuntimeError: CUDA out of memory\n```",
            ]
        ),
        {},
        [],
    )


def bug_b(r: random.Random) -> Made:
    base = r.choice(r.choice(LLM_BASES)[1])
    return (
        r.choice(
            [
                f"llama.cpp segfaults loading the {base} Q4_K_M gguf, anyone else?",
                f"The tokenizer for {base} is throwing `KeyError: 'eos_token'` after the transformers update",
                f"my {base} finetune outputs gibberish after merging the adapter, what did I do wrong?",
            ]
        ),
        {},
        [],
    )


def others_a(r: random.Random) -> Made:
    name, ver = _name(r), _ver(r)
    url = _civitai(r, name)
    return (
        r.choice(
            [
                f"Did you guys see {r.choice(USERS)} released {name} {ver}? {url} looks amazing",
                f"{name} {ver} by {r.choice(USERS)} is insane, check it out {url}",
                f"ngl {name} {ver} LoRA is overcooked, faces melt above 0.8 strength {url}",
                f"sharing this for anyone who missed it: {r.choice(USERS)}'s new checkpoint {name} {url}",
            ]
        ),
        {},
        [],
    )


def others_b(r: random.Random) -> Made:
    base = r.choice(LLM_BASES)[1][0]
    name = r.choice(LLM_NAMES)
    return (
        r.choice(
            [
                f"Someone on reddit released {name}, a {base} fine-tune — anyone tested it? {_hf(r, name)}",
                f"the new {name} merge from {r.choice(USERS)} benchmarks surprisingly well, link: {_hf(r, name)}",
                f"heads up: {r.choice(USERS)} just put out GGUF quants of {base}, haven't tried them yet",
            ]
        ),
        {},
        [],
    )


def software_a(r: random.Random) -> Made:
    tool = r.choice(["ComfyUI", "kohya_ss", "sd-scripts", "Forge", "InvokeAI", "diffusers", "OneTrainer"])
    v = f"v{r.randint(0, 4)}.{r.randint(0, 30)}.{r.randint(0, 9)}"
    return (
        r.choice(
            [
                f"{tool} {v} released: new sampler nodes, faster VAE decode, fixes for LoRA loading "
                f"https://github.com/{r.choice(USERS)}/{tool}/releases/tag/{v}",
                f"📢 {tool} {v} is out! Changelog: flux support, lower VRAM, bug fixes. https://github.com/x/{tool}",
                f"Release notes for {tool} {v}:\n- added SDXL LoRA training presets\n- fixed safetensors metadata bug",
            ]
        ),
        {},
        [],
    )


def software_b(r: random.Random) -> Made:
    tool = r.choice(["llama.cpp", "vLLM", "text-generation-webui", "exllamav2", "Ollama", "LM Studio"])
    return (
        r.choice(
            [
                f"{tool} release b{r.randint(3000, 5000)}: adds support for Qwen2.5 and faster GGUF loading",
                f"New {tool} version out today with AWQ kernels and speculative decoding https://github.com/y/{tool}",
            ]
        ),
        {},
        [],
    )


def dataset_a(r: random.Random) -> Made:
    thing = r.choice(["anime faces", "product photos", "watercolor paintings", "roleplay dialogues", "code reviews"])
    n = r.choice(["10k", "12k", "50k", "200k"])
    return (
        r.choice(
            [
                f"We released a dataset of {n} captioned {thing} on HF: "
                f"https://huggingface.co/datasets/{r.choice(USERS)}/{thing.replace(' ', '-')}  License: CC-BY-4.0",
                f"New dataset: {n} {thing}, deduplicated and tagged — good for training LoRAs. "
                f"https://huggingface.co/datasets/{r.choice(USERS)}/set",
            ]
        ),
        {},
        [],
    )


def paper_a(r: random.Random) -> Made:
    title = r.choice(
        [
            "Sparse LoRA Mixtures",
            "Consistent Characters via Attention Sharing",
            "Fast Merging of Adapters",
            "Quantization-Aware Fine-Tuning at Scale",
        ]
    )
    return (
        r.choice(
            [
                f"Our paper '{title}' is on arXiv: https://arxiv.org/abs/24{r.randint(10, 12)}.{r.randint(10000, 19999)} "
                f"— code and weights coming soon!",
                f"New preprint: {title}. We show LoRA merges keep 98% quality. Paper: https://arxiv.org/abs/2409.01234",
            ]
        ),
        {},
        [],
    )


def tutorial_a(r: random.Random) -> Made:
    base = r.choice(r.choice(IMAGE_BASES)[1])
    return (
        r.choice(
            [
                f"How I train {base} LoRAs:\n1) 30 images, captioned\n2) rank 32, alpha 16, lr 1e-4\n3) save every "
                f"epoch as safetensors\n4) test at 0.7 strength",
                f"Tutorial: merging two checkpoints in {base} with the supermerger extension, step by step 👇",
                f"Tip: if your {base} LoRA is overfitting, lower the epochs and use a trigger word that isn't a real word",
            ]
        ),
        {},
        [],
    )


def casual(r: random.Random) -> Made:
    return r.choice(CASUAL) + r.choice(["", "", " 😂", " !", " 🙏"]), {}, []


def request_a(r: random.Random) -> Made:
    base = r.choice(r.choice(IMAGE_BASES)[1])
    style = r.choice(["90s anime", "ukiyo-e", "claymation", "vaporwave", "pixel art"])
    return (
        r.choice(
            [
                f"Could someone make a {style} LoRA for {base}? Will tip on ko-fi",
                f"request: {style} checkpoint for {base} pls 🙏",
            ]
        ),
        {},
        [],
    )


def feedback_a(r: random.Random) -> Made:
    name, ver = _name(r), _ver(r)
    return (
        r.choice(
            [
                f"@{r.choice(USERS)} your {name} {ver} LoRA is great but the trigger `{r.choice(TRIGGERS)}` does nothing at 0.8",
                f"Love {name} {ver}! Could you also upload an fp16 safetensors version?",
            ]
        ),
        {},
        [],
    )


def wip_a(r: random.Random) -> Made:
    name, ver = _name(r), _ver(r)
    return (
        r.choice(
            [
                f"training {name} {ver} now, epoch 6/10, release next week hopefully",
                f"WIP: {name} LoRA preview, not released yet — what do you think? feedback before I publish",
            ]
        ),
        {},
        [],
    )


FAMILIES = [
    Family("disc_lora", "lora", True, "train", 45, disc_lora),
    Family("tg_lora", "lora", True, "test", 22, tg_lora),
    Family("ckpt_a", "checkpoint", True, "train", 24, ckpt_a),
    Family("ckpt_b", "checkpoint", True, "test", 12, ckpt_b),
    Family("merge_a", "merge", True, "train", 20, merge_a),
    Family("merge_b", "merge", True, "test", 10, merge_b),
    Family("quant_a", "quantization", True, "train", 18, quant_a),
    Family("quant_b", "quantization", True, "test", 10, quant_b),
    Family("llm_ft_a", "finetune", True, "train", 18, llm_ft_a),
    Family("llm_ft_b", "finetune", True, "test", 10, llm_ft_b),
    Family("embed_a", "embedding", True, "train", 10, embed_a),
    Family("embed_b", "embedding", True, "test", 6, embed_b),
    Family("foreign_a", "non-english", True, "train", 15, foreign_a),
    Family("foreign_b", "non-english", True, "test", 9, foreign_b),
    Family("tg_attach", "attachment", True, "train", 10, tg_attach),
    Family("q_model", "question", False, "train", 25, q_model),
    Family("q_model_b", "question", False, "test", 8, q_model_b),
    Family("bug_a", "bug-report", False, "train", 20, bug_a),
    Family("bug_b", "bug-report", False, "test", 8, bug_b),
    Family("others_a", "others-release", False, "train", 20, others_a),
    Family("others_b", "others-release", False, "test", 10, others_b),
    Family("software_a", "software-release", False, "train", 15, software_a),
    Family("software_b", "software-release", False, "test", 8, software_b),
    Family("dataset_a", "dataset-release", False, "train", 10, dataset_a),
    Family("paper_a", "paper", False, "test", 8, paper_a),
    Family("tutorial_a", "tutorial", False, "train", 12, tutorial_a),
    Family("casual", "chat", False, "train", 25, casual),
    Family("request_a", "request", False, "test", 8, request_a),
    Family("feedback_a", "feedback", False, "train", 10, feedback_a),
    Family("wip_a", "wip", False, "test", 8, wip_a),
]
