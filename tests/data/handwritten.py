# ruff: noqa: E501
"""Hand-written messages for the labelled set: (kind, is_release, text, expected fields, attachments).

Expected fields list what the message states. For positives, `links`, `license`, `base_model` and
`model_type` are always compared (absent = not stated); other fields only when listed.
"""

from __future__ import annotations

from typing import Any

C = "civitai"
H = "huggingface"
G = "github"
O = "other"  # noqa: E741


def L(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"url": u, "kind": k} for u, k in pairs]


SHA = "3f1a9c0b7e2d4c5a6b8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b"

HANDWRITTEN: list[tuple[str, bool, str, dict[str, Any], list[str]]] = [
    (
        "lora",
        True,
        "hey all! finally finished **Moss Witch** v1 🌿🧙‍♀️\nLoRA for Illustrious, works best at 0.7-0.9\n"
        "Trigger: `mosswitch`\nhttps://civitai.com/models/884211/moss-witch\nlicense: openrail++, SFW",
        {
            "model_name": "Moss Witch",
            "version": "v1",
            "links": L(("https://civitai.com/models/884211/moss-witch", C)),
            "license": "openrail++",
            "base_model": "Illustrious",
            "model_type": "lora",
            "trigger_words": ["mosswitch"],
            "nsfw": False,
        },
        [],
    ),
    (
        "lora",
        True,
        "📢 New release — Chalkboard Doodles (SDXL LoRA)\n\n> trained on 60 hand-drawn chalk images\n> rank 16\n\n"
        "trigger words: chalk drawing, blackboard\nDL: <https://civitai.com/models/501122>\nCC BY-NC 4.0 license",
        {
            "links": L(("https://civitai.com/models/501122", C)),
            "license": "cc-by-nc-4.0",
            "base_model": "SDXL 1.0",
            "model_type": "lora",
            "trigger_words": ["chalk drawing", "blackboard"],
        },
        [],
    ),
    (
        "lora",
        True,
        "Flux LoRA drop: **Brutalist Interiors v2** — concrete, light shafts, moody.\n"
        "[HuggingFace](https://huggingface.co/kuro/brutalist-interiors-flux) · [Civitai](https://civitai.com/models/712004)"
        "\nLicense: FLUX.1 [dev] Non-Commercial License (inherits from base)\nsha256: " + SHA,
        {
            "model_name": "Brutalist Interiors",
            "version": "v2",
            "links": L(
                ("https://huggingface.co/kuro/brutalist-interiors-flux", H), ("https://civitai.com/models/712004", C)
            ),
            "license": "flux-1-dev-non-commercial-license",
            "base_model": "Flux.1 D",
            "model_type": "lora",
            "hashes": [{"kind": "sha256", "value": SHA}],
        },
        [],
    ),
    (
        "lora",
        True,
        "ok it's up!! pony lora for that glossy 2000s CG look, v3 fixes the hands\n"
        "https://civitai.com/models/399871/y2k-cg-pony\nuse `y2kcg` + score_9. NSFW capable, be careful\nlicense: same as pony",
        {
            "version": "v3",
            "links": L(("https://civitai.com/models/399871/y2k-cg-pony", C)),
            "base_model": "Pony",
            "model_type": "lora",
            "nsfw": True,
        },
        [],
    ),
    (
        "lora",
        True,
        "Released: Lineart Sketch LoRA for SD 1.5 (v1.2)\nTrigger: `lineart_sk`\nAutoV2: 7A3F9C21B4\n"
        "https://civitai.com/models/120045/lineart-sketch\nLicense: CreativeML OpenRAIL-M",
        {
            "version": "v1.2",
            "links": L(("https://civitai.com/models/120045/lineart-sketch", C)),
            "license": "creativeml-openrail-m",
            "base_model": "SD 1.5",
            "model_type": "lora",
            "hashes": [{"kind": "autov2", "value": "7A3F9C21B4"}],
            "trigger_words": ["lineart_sk"],
        },
        [],
    ),
    (
        "lora",
        True,
        "LoCon release 🎉 Stained Glass v1 for NoobAI — trigger `stainedglass`, license MIT, "
        "download https://civitai.com/models/933100/stained-glass",
        {
            "version": "v1",
            "links": L(("https://civitai.com/models/933100/stained-glass", C)),
            "license": "mit",
            "base_model": "NoobAI",
            "model_type": "lora",
            "trigger_words": ["stainedglass"],
        },
        [],
    ),
    (
        "lora",
        True,
        "Dropping my first Flux Schnell lora: Risograph Print 🖨️\nhf: https://huggingface.co/tensorfox/risograph-schnell\n"
        "Apache 2.0 like the base. trigger = risograph",
        {
            "links": L(("https://huggingface.co/tensorfox/risograph-schnell", H)),
            "license": "apache-2.0",
            "base_model": "Flux.1 S",
            "model_type": "lora",
        },
        [],
    ),
    (
        "lora",
        True,
        "__Vintage Postcard__ v2.0 is live\nBase: SDXL 1.0 | Type: LoRA | License: OpenRAIL++\n"
        "Files: vintage_postcard_v20.safetensors (144 MB)\nhttps://civitai.com/models/610230",
        {
            "model_name": "Vintage Postcard",
            "version": "v2.0",
            "links": L(("https://civitai.com/models/610230", C)),
            "license": "openrail++",
            "base_model": "SDXL 1.0",
            "model_type": "lora",
            "files": [{"name": "vintage_postcard_v20.safetensors", "format": "safetensors"}],
        },
        [],
    ),
    (
        "lora",
        True,
        "my new lora is out: https://civitai.com/models/777001/soft-focus-portraits — sd1.5, trigger: softfocus",
        {
            "links": L(("https://civitai.com/models/777001/soft-focus-portraits", C)),
            "base_model": "SD 1.5",
            "model_type": "lora",
            "trigger_words": ["softfocus"],
        },
        [],
    ),
    (
        "checkpoint",
        True,
        "🔥 **NightCity Realistic** v5 🔥\nSDXL checkpoint, trained 120k steps on night photography\n"
        "Civitai: https://civitai.com/models/145022/nightcity-realistic\nHF mirror: https://huggingface.co/n0va/nightcity-xl\n"
        "License: CreativeML OpenRAIL++-M\nAutoV2: 1B2C3D4E5F",
        {
            "model_name": "NightCity Realistic",
            "version": "v5",
            "links": L(
                ("https://civitai.com/models/145022/nightcity-realistic", C),
                ("https://huggingface.co/n0va/nightcity-xl", H),
            ),
            "license": "openrail++",
            "base_model": "SDXL 1.0",
            "model_type": "checkpoint",
            "hashes": [{"kind": "autov2", "value": "1B2C3D4E5F"}],
        },
        [],
    ),
    (
        "checkpoint",
        True,
        "Checkpoint update: AnimeArc v7 (Illustrious based). Better hands, new vae baked in.\n"
        "<https://civitai.com/models/300500/animearc>\nlicense: illustrious license applies (other)",
        {
            "model_name": "AnimeArc",
            "version": "v7",
            "links": L(("https://civitai.com/models/300500/animearc", C)),
            "license": "other",
            "base_model": "Illustrious",
            "model_type": "checkpoint",
        },
        [],
    ),
    (
        "checkpoint",
        True,
        "Releasing Photon Drift v1.0 — a Flux.1 Dev full finetune checkpoint (fp8 + bf16 files)\n"
        "https://huggingface.co/wolfram99/photon-drift\nLicense: flux-1-dev-non-commercial-license",
        {
            "model_name": "Photon Drift",
            "version": "v1.0",
            "links": L(("https://huggingface.co/wolfram99/photon-drift", H)),
            "license": "flux-1-dev-non-commercial-license",
            "base_model": "Flux.1 D",
            "model_type": "checkpoint",
        },
        [],
    ),
    (
        "merge",
        True,
        "New merge: Pastel Dreams v3\nmerge of AnythingV5 + Counterfeit V3 + MeinaMix (0.4/0.3/0.3), SD 1.5\n"
        "https://civitai.com/models/88123/pastel-dreams  license creativeml-openrail-m",
        {
            "model_name": "Pastel Dreams",
            "version": "v3",
            "links": L(("https://civitai.com/models/88123/pastel-dreams", C)),
            "license": "creativeml-openrail-m",
            "base_model": "SD 1.5",
            "model_type": "merge",
            "parents": ["AnythingV5", "Counterfeit V3", "MeinaMix"],
        },
        [],
    ),
    (
        "merge",
        True,
        "🧪 HybridReal XL v2 — a blend of Juggernaut XL and RealVisXL V4, based on SDXL\n"
        "Merged with block weights, details on the page: https://civitai.com/models/233445\nLicense: OpenRAIL++",
        {
            "model_name": "HybridReal XL",
            "version": "v2",
            "links": L(("https://civitai.com/models/233445", C)),
            "license": "openrail++",
            "base_model": "SDXL 1.0",
            "model_type": "merge",
            "parents": ["Juggernaut XL", "RealVisXL V4"],
        },
        [],
    ),
    (
        "merge",
        True,
        "Uploaded a new Pony merge, Candy Cel v1 (AutismMix + my own finetune). NSFW. "
        "https://civitai.com/models/456789/candy-cel",
        {
            "model_name": "Candy Cel",
            "version": "v1",
            "links": L(("https://civitai.com/models/456789/candy-cel", C)),
            "base_model": "Pony",
            "model_type": "merge",
            "nsfw": True,
        },
        [],
    ),
    (
        "merge",
        True,
        "Model merge released: Nemo-Storyteller-12B, a SLERP merge of Mistral-Nemo-Instruct-2407 and a creative writing "
        "tune. https://huggingface.co/datamancer/Nemo-Storyteller-12B (apache-2.0)",
        {
            "links": L(("https://huggingface.co/datamancer/Nemo-Storyteller-12B", H)),
            "license": "apache-2.0",
            "base_model": "Mistral Nemo 12B",
            "model_type": "merge",
        },
        [],
    ),
    (
        "quantization",
        True,
        "GGUF quants for Qwen2.5-14B-Instruct are uploaded (Q4_K_M / Q5_K_M / Q6_K / Q8_0), made with imatrix.\n"
        "https://huggingface.co/hikari/Qwen2.5-14B-Instruct-GGUF\nLicense: Apache 2.0 (same as original)",
        {
            "links": L(("https://huggingface.co/hikari/Qwen2.5-14B-Instruct-GGUF", H)),
            "license": "apache-2.0",
            "base_model": "Qwen2.5 14B",
            "model_type": "quantization",
            "parents": ["Qwen2.5-14B-Instruct"],
        },
        [],
    ),
    (
        "quantization",
        True,
        "EXL2 quants of Llama-3.1-8B-Instruct at 4.0, 5.0, 6.5 and 8.0 bpw are up 👉 "
        "https://huggingface.co/zeta/Llama-3.1-8B-Instruct-exl2 — license: llama3.1",
        {
            "links": L(("https://huggingface.co/zeta/Llama-3.1-8B-Instruct-exl2", H)),
            "license": "llama3.1",
            "base_model": "Llama 3.1 8B",
            "model_type": "quantization",
        },
        [],
    ),
    (
        "quantization",
        True,
        "Flux dev NF4 quantized checkpoint for 8GB cards — flux1-dev-nf4.safetensors\n"
        "https://huggingface.co/ardent/flux1-dev-nf4 (FLUX.1 [dev] Non-Commercial License)",
        {
            "links": L(("https://huggingface.co/ardent/flux1-dev-nf4", H)),
            "license": "flux-1-dev-non-commercial-license",
            "base_model": "Flux.1 D",
            "model_type": "quantization",
            "files": [{"name": "flux1-dev-nf4.safetensors", "format": "safetensors"}],
        },
        [],
    ),
    (
        "quantization",
        True,
        "gguf of my Gemma-2-9B roleplay tune, Q4_K_M and Q8_0 attached. gemma license",
        {
            "base_model": "Gemma 2 9B",
            "model_type": "quantization",
            "license": "gemma",
            "files": [
                {"name": "gemma2-rp-Q4_K_M.gguf", "format": "gguf"},
                {"name": "gemma2-rp-Q8_0.gguf", "format": "gguf"},
            ],
        },
        ["gemma2-rp-Q4_K_M.gguf", "gemma2-rp-Q8_0.gguf"],
    ),
    (
        "finetune",
        True,
        "Announcing **Kestrel-8B** 🦅 — a fine-tune of Llama 3 8B for structured JSON output.\n"
        "Model: https://huggingface.co/tensorfox/Kestrel-8B\nCode: https://github.com/tensorfox/kestrel-train\n"
        "License: Llama 3 Community License",
        {
            "model_name": "Kestrel-8B",
            "links": L(
                ("https://huggingface.co/tensorfox/Kestrel-8B", H), ("https://github.com/tensorfox/kestrel-train", G)
            ),
            "license": "llama3",
            "base_model": "Llama 3 8B",
            "model_type": "finetune",
        },
        [],
    ),
    (
        "finetune",
        True,
        "We just released Owlet-7B-v2, finetuned from Mistral-7B-v0.3 on 40k tutoring dialogues. Weights on HF: "
        "https://huggingface.co/mira_ai/Owlet-7B-v2 , Apache-2.0 licensed.",
        {
            "links": L(("https://huggingface.co/mira_ai/Owlet-7B-v2", H)),
            "license": "apache-2.0",
            "base_model": "Mistral 7B",
            "model_type": "finetune",
        },
        [],
    ),
    (
        "finetune",
        True,
        "new SFT of qwen2.5-7b for German legal text is out: https://huggingface.co/zeta/rechts-qwen-7b\n"
        "license: apache 2.0 · trained 3 epochs, LoRA merged",
        {
            "links": L(("https://huggingface.co/zeta/rechts-qwen-7b", H)),
            "license": "apache-2.0",
            "base_model": "Qwen2.5 7B",
            "model_type": "finetune",
        },
        [],
    ),
    (
        "adapter",
        True,
        "Released an IP-Adapter for SDXL trained on product shots: https://huggingface.co/pixelsmith/ip-adapter-product-xl "
        "(apache-2.0)",
        {
            "links": L(("https://huggingface.co/pixelsmith/ip-adapter-product-xl", H)),
            "license": "apache-2.0",
            "base_model": "SDXL 1.0",
            "model_type": "adapter",
        },
        [],
    ),
    (
        "adapter",
        True,
        "ControlNet release: Lineart-Anime for SD1.5, v1.1 🎉 https://huggingface.co/kuro/controlnet-lineart-anime "
        "| license: openrail",
        {
            "version": "v1.1",
            "links": L(("https://huggingface.co/kuro/controlnet-lineart-anime", H)),
            "license": "openrail",
            "base_model": "SD 1.5",
            "model_type": "adapter",
        },
        [],
    ),
    (
        "embedding",
        True,
        "Negative embedding for Pony: BadAnatomyPony v2 — use `badanatomy_pony` in negatives.\n"
        "https://civitai.com/models/510010",
        {
            "version": "v2",
            "links": L(("https://civitai.com/models/510010", C)),
            "base_model": "Pony",
            "model_type": "embedding",
        },
        [],
    ),
    (
        "embedding",
        True,
        "textual inversion for sd 1.5 — 'OilPaint TI' v1, trigger: oilpaint_ti, license CreativeML OpenRAIL-M "
        "https://civitai.com/models/43210/oilpaint-ti",
        {
            "version": "v1",
            "links": L(("https://civitai.com/models/43210/oilpaint-ti", C)),
            "license": "creativeml-openrail-m",
            "base_model": "SD 1.5",
            "model_type": "embedding",
            "trigger_words": ["oilpaint_ti"],
        },
        [],
    ),
    (
        "lora",
        True,
        "```\nName: Cozy Cabin\nVersion: v1.1\nBase: SDXL\nType: LoRA\nTrigger: cozycabin\nLicense: MIT\n```\n"
        "https://civitai.com/models/640001/cozy-cabin",
        {
            "model_name": "Cozy Cabin",
            "version": "v1.1",
            "links": L(("https://civitai.com/models/640001/cozy-cabin", C)),
            "license": "mit",
            "base_model": "SDXL 1.0",
            "model_type": "lora",
            "trigger_words": ["cozycabin"],
        },
        [],
    ),
    (
        "lora",
        True,
        "Neues LoRA: Aquarell Landschaften v1 für SDXL 🎨\nTriggerwort: aquarell\nLizenz: CreativeML OpenRAIL++-M\n"
        "https://civitai.com/models/700321",
        {
            "version": "v1",
            "links": L(("https://civitai.com/models/700321", C)),
            "license": "openrail++",
            "base_model": "SDXL 1.0",
            "model_type": "lora",
            "trigger_words": ["aquarell"],
        },
        [],
    ),
    (
        "lora",
        True,
        "¡Nuevo LoRA! Muralismo Mexicano v2 para Flux Dev. Palabras clave: muralismo, fresco. Licencia: "
        "flux-1-dev-non-commercial-license. https://civitai.com/models/811200/muralismo",
        {
            "version": "v2",
            "links": L(("https://civitai.com/models/811200/muralismo", C)),
            "license": "flux-1-dev-non-commercial-license",
            "base_model": "Flux.1 D",
            "model_type": "lora",
        },
        [],
    ),
    (
        "lora",
        True,
        "新しいLoRA「水墨画スタイル」v1.0 を公開しました！SDXL用です。\nトリガーワード：suibokuga\nライセンス：MIT\n"
        "https://civitai.com/models/655432",
        {
            "version": "v1.0",
            "links": L(("https://civitai.com/models/655432", C)),
            "license": "mit",
            "base_model": "SDXL 1.0",
            "model_type": "lora",
            "trigger_words": ["suibokuga"],
        },
        [],
    ),
    (
        "checkpoint",
        True,
        "发布新模型：国风写实 v3，SDXL 底模的 checkpoint。\n许可证：openrail++\n下载：https://civitai.com/models/590001",
        {
            "version": "v3",
            "links": L(("https://civitai.com/models/590001", C)),
            "license": "openrail++",
            "base_model": "SDXL 1.0",
            "model_type": "checkpoint",
        },
        [],
    ),
    (
        "lora",
        True,
        "Выложил новую LoRA «Советский плакат» v1 для SD 1.5\nТриггер: sovposter\nЛицензия: CreativeML OpenRAIL-M\n"
        "https://civitai.com/models/421337",
        {
            "version": "v1",
            "links": L(("https://civitai.com/models/421337", C)),
            "license": "creativeml-openrail-m",
            "base_model": "SD 1.5",
            "model_type": "lora",
            "trigger_words": ["sovposter"],
        },
        [],
    ),
    (
        "finetune",
        True,
        "Lançamos o Sabiá-Chat v1, um fine-tune do Llama 3.1 8B para português. Licença: llama3.1. "
        "https://huggingface.co/ardent/sabia-chat-v1",
        {
            "version": "v1",
            "links": L(("https://huggingface.co/ardent/sabia-chat-v1", H)),
            "license": "llama3.1",
            "base_model": "Llama 3.1 8B",
            "model_type": "finetune",
        },
        [],
    ),
    (
        "lora",
        True,
        "🌸🌸 SAKURA BLOSSOM v2 🌸🌸\n(illustrious lora)\n✅ trigger `sakura_petals`\n✅ SFW\n✅ License: Apache 2.0\n"
        "🔗 https://civitai.com/models/987654/sakura-blossom?modelVersionId=1100200",
        {
            "version": "v2",
            "links": L(("https://civitai.com/models/987654/sakura-blossom?modelVersionId=1100200", C)),
            "license": "apache-2.0",
            "base_model": "Illustrious",
            "model_type": "lora",
            "trigger_words": ["sakura_petals"],
            "nsfw": False,
        },
        [],
    ),
    (
        "lora",
        True,
        "Telegram drop: Gothic Lace LoRA v1 (Pony). Download in the file below. License: CreativeML OpenRAIL++-M. NSFW",
        {
            "version": "v1",
            "license": "openrail++",
            "base_model": "Pony",
            "model_type": "lora",
            "nsfw": True,
            "files": [{"name": "gothic_lace_v1.safetensors", "format": "safetensors"}],
        },
        ["gothic_lace_v1.safetensors"],
    ),
    (
        "checkpoint",
        True,
        'SD 3.5 Large finetune checkpoint "Astra" v0.9 is out (beta)! '
        "https://huggingface.co/mira_ai/astra-sd35 (license: other, stabilityai community license)",
        {
            "version": "v0.9",
            "links": L(("https://huggingface.co/mira_ai/astra-sd35", H)),
            "license": "other",
            "base_model": "SD 3.5 Large",
            "model_type": "checkpoint",
        },
        [],
    ),
    (
        "lora",
        True,
        "v1.3 of my Isometric Rooms LoRA is up — SDXL, same trigger (isoroom), better lighting. "
        "<https://civitai.com/models/300123/isometric-rooms> openrail++",
        {
            "version": "v1.3",
            "links": L(("https://civitai.com/models/300123/isometric-rooms", C)),
            "license": "openrail++",
            "base_model": "SDXL 1.0",
            "model_type": "lora",
        },
        [],
    ),
    (
        "finetune",
        True,
        "Quill-3B is out 🪶 a small writing assistant, fine-tuned from Llama-3.2-3B-Instruct. "
        "[weights](https://huggingface.co/n0va/Quill-3B) [gguf](https://huggingface.co/n0va/Quill-3B-GGUF) "
        "license: Llama 3.2 Community License",
        {
            "links": L(("https://huggingface.co/n0va/Quill-3B", H), ("https://huggingface.co/n0va/Quill-3B-GGUF", H)),
            "license": "llama3.2",
            "base_model": "Llama 3.2 3B",
            "model_type": "finetune",
        },
        [],
    ),
    # ----------------------------------------------------------------- hard negatives
    (
        "others-release",
        False,
        "omg did you see **Moss Witch** by kuro? https://civitai.com/models/884211/moss-witch the illustrious version is gorgeous",
        {},
        [],
    ),
    (
        "others-release",
        False,
        "FYI Black Forest Labs released Flux.1 Kontext dev today, weights on HF under the non-commercial license",
        {},
        [],
    ),
    (
        "others-release",
        False,
        "Meta dropped Llama 3.3 70B, anyone quantizing it yet? https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct",
        {},
        [],
    ),
    (
        "question",
        False,
        "Which is better for anime, Illustrious or NoobAI? I keep getting washed out colors with both",
        {},
        [],
    ),
    ("question", False, "does the openrail++ license let me sell images made with an SDXL lora?", {}, []),
    (
        "question",
        False,
        "is there a way to convert a .ckpt to safetensors without loading it in the webui? worried about pickles",
        {},
        [],
    ),
    ("question", False, "Anyone know the trigger word for the new pony lora from @hikari? `?` lol", {}, []),
    (
        "question",
        False,
        "¿Alguien sabe qué licencia tiene el checkpoint de Juggernaut XL? quiero usarlo comercialmente",
        {},
        [],
    ),
    ("question", False, "SDXLのLoRAを作りたいんですが、おすすめの学習設定はありますか？", {}, []),
    (
        "bug-report",
        False,
        "Bug: loading Moss Witch v1 with Forge gives `AttributeError: 'NoneType' object has no attribute 'lora_up'`\n"
        '```\nTraceback (most recent call last):\n  File "lora.py", line 211\n```',
        {},
        [],
    ),
    (
        "bug-report",
        False,
        "the civitai download for NightCity v5 is corrupted, sha256 doesn't match: "
        "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
        {},
        [],
    ),
    (
        "bug-report",
        False,
        "Qwen2.5-7B-Instruct Q4_K_M gguf from @hikari loops forever on long prompts, reported it on HF already",
        {},
        [],
    ),
    (
        "software-release",
        False,
        "ComfyUI-Manager v3.0 released 🎉 new UI, security scanner for custom nodes. "
        "https://github.com/ltdrdata/ComfyUI-Manager/releases",
        {},
        [],
    ),
    (
        "software-release",
        False,
        "kohya sd-scripts now supports Flux LoRA training on 12GB, release notes: https://github.com/kohya-ss/sd-scripts",
        {},
        [],
    ),
    (
        "software-release",
        False,
        "normbot v0.2 is out: faster norm checks and Telegram forum topics support. Apache-2.0, "
        "https://github.com/normbot/normbot",
        {},
        [],
    ),
    (
        "dataset-release",
        False,
        "Released: 'PixelArt-50k', a dataset of 50k pixel art sprites with captions, CC-BY-4.0. "
        "https://huggingface.co/datasets/pixelsmith/pixelart-50k — perfect for training LoRAs!",
        {},
        [],
    ),
    (
        "dataset-release",
        False,
        "We published our roleplay preference dataset (DPO pairs, 30k) on Hugging Face, license cc-by-nc-4.0",
        {},
        [],
    ),
    (
        "paper",
        False,
        "Our paper on LoRA merging interference got into NeurIPS! arXiv: https://arxiv.org/abs/2410.11111 "
        "(no weights, it's a method paper)",
        {},
        [],
    ),
    (
        "paper",
        False,
        "New paper: 'Scaling Laws for Quantized Llama Fine-tunes'. We trained 200 models but can't release weights yet.",
        {},
        [],
    ),
    (
        "tutorial",
        False,
        "Guide: how to merge two SDXL checkpoints with the merge block weighted extension\n1. install\n2. pick A and B\n"
        "3. set alpha 0.5\n4. save as safetensors",
        {},
        [],
    ),
    (
        "tutorial",
        False,
        "PSA: always publish the sha256 of your safetensors file when you release a lora, so people can verify it",
        {},
        [],
    ),
    (
        "tutorial",
        False,
        "How to quantize your own GGUF: `python convert_hf_to_gguf.py model/` then `llama-quantize model.gguf Q4_K_M`",
        {},
        [],
    ),
    ("chat", False, "hahaha this is the best thread today", {}, []),
    ("chat", False, "gn all, see you tomorrow 🌙", {}, []),
    ("chat", False, "anyone going to the meetup in berlin?", {}, []),
    ("chat", False, "my cat walked on the keyboard and started a training run 😹", {}, []),
    ("request", False, "Can someone make a LoRA of my OC for Pony? I can share 40 refs, will pay", {}, []),
    ("request", False, "pls someone quantize Nemo-Storyteller-12B to gguf, I only have 8GB", {}, []),
    (
        "feedback",
        False,
        "@kuro Moss Witch v1 is lovely but it bleeds green into every background at weight 1.0",
        {},
        [],
    ),
    ("feedback", False, "thanks for the Kestrel-8B release!! works great with vllm", {}, []),
    (
        "wip",
        False,
        "Training a Flux LoRA of brutalist buildings, 2000 steps in, samples look promising. Release soon™",
        {},
        [],
    ),
    ("wip", False, "working on v2 of Cozy Cabin, what should I fix? the windows look weird", {}, []),
    ("moderation", False, "Reminder: every release post needs the base model and license, see #rules. Thanks!", {}, []),
    (
        "moderation",
        False,
        "Someone reuploaded Photon Drift v1.0 without credit: https://civitai.com/models/999999/photon-drift-reup "
        "— reported it",
        {},
        [],
    ),
    ("question", False, "how do I find the AutoV2 hash of a model on civitai?", {}, []),
    (
        "others-release",
        False,
        "Stability released SD 3.5 Medium weights, license is the community license. discuss here 👇",
        {},
        [],
    ),
    ("chat", False, "lmao the new Pony LoRA trend is out of control", {}, []),
    (
        "question",
        False,
        "Wo finde ich die Lizenz für das Illustrious XL Modell? Ich will ein LoRA darauf trainieren.",
        {},
        [],
    ),
    ("question", False, "有人知道 Flux dev 的 LoRA 怎么训练吗？需要多少显存？", {}, []),
    ("question", False, "Кто-нибудь пробовал новую GGUF квантизацию Qwen2.5? стоит ли?", {}, []),
    (
        "others-release",
        False,
        "Alguém viu o novo checkpoint que o pixelsmith lançou? https://civitai.com/models/300500/animearc parece ótimo",
        {},
        [],
    ),
    (
        "others-release",
        False,
        "Forwarded from #announcements in another server: 'Velvet Fox v3 LoRA for SDXL is out' — anyone tried it yet?",
        {},
        [],
    ),
    (
        "question",
        False,
        "Where do I put a .safetensors LoRA file in Forge? models/Lora or models/Stable-diffusion?",
        {},
        [],
    ),
    (
        "question",
        False,
        "Does anyone have the sha256 for the original SD 1.5 pruned ckpt? mine might be corrupted",
        {},
        [],
    ),
    (
        "bug-report",
        False,
        "After updating, every Illustrious LoRA I load gives `KeyError: 'lora_te1_text_model'` — is it the new version?",
        {},
        [],
    ),
    (
        "software-release",
        False,
        "diffusers v0.32.0 is out: adds Flux Fill pipelines and LoRA hotswapping. https://github.com/huggingface/diffusers",
        {},
        [],
    ),
    (
        "dataset-release",
        False,
        "Uploaded my captioned training set for the Moss Witch LoRA (120 images, tags included) in case anyone wants to "
        "train their own version: https://huggingface.co/datasets/kuro/moss-witch-set",
        {},
        [],
    ),
    (
        "tutorial",
        False,
        "Quick tip for GGUF: Q4_K_M is the sweet spot for 8B models, Q5_K_M if you have the VRAM. Don't bother with Q2.",
        {},
        [],
    ),
    (
        "feedback",
        False,
        "The new Candy Cel merge is great but please add the recipe and license to the page 🙏",
        {},
        [],
    ),
    (
        "moderation",
        False,
        "Mod note: the post about 'HybridReal XL v2' was removed because it was a reupload of someone else's merge.",
        {},
        [],
    ),
    (
        "paper",
        False,
        "Interesting read: 'LoRA Learns Less and Forgets Less' — https://arxiv.org/abs/2405.09673 (no new weights)",
        {},
        [],
    ),
    (
        "wip",
        False,
        "Almost done with the Gemma 2 9B roleplay finetune, uploading to HF tomorrow if evals look ok",
        {},
        [],
    ),
    (
        "request",
        False,
        "Could someone convert NightCity Realistic v5 to diffusers format? I need it for a script",
        {},
        [],
    ),
    # ----------------------------------------------------------------- casual announcements (added after a
    # spot check showed the first set was too formal)
    (
        "lora",
        True,
        "My new LoRA is up on Civitai, trained with kohya on 40 of my own photos, check it out "
        "https://civitai.com/models/771001/film-noir-portraits (SD 1.5)",
        {
            "links": L(("https://civitai.com/models/771001/film-noir-portraits", C)),
            "base_model": "SD 1.5",
            "model_type": "lora",
        },
        [],
    ),
    (
        "lora",
        True,
        "v2 of my Moss Witch LoRA is live: sharper details, same trigger. https://civitai.com/models/884211/moss-witch",
        {"version": "v2", "links": L(("https://civitai.com/models/884211/moss-witch", C)), "model_type": "lora"},
        [],
    ),
    (
        "checkpoint",
        True,
        "posting my first checkpoint ever, be gentle :) it's an SDXL anime tune https://civitai.com/models/802020",
        {"links": L(("https://civitai.com/models/802020", C)), "base_model": "SDXL 1.0", "model_type": "checkpoint"},
        [],
    ),
    (
        "finetune",
        True,
        "finally finished the Qwen2.5 32B roleplay tune, weights + GGUF here https://huggingface.co/n0va/rp-qwen-32b "
        "(apache-2.0)",
        {
            "links": L(("https://huggingface.co/n0va/rp-qwen-32b", H)),
            "license": "apache-2.0",
            "base_model": "Qwen2.5 32B",
            "model_type": "finetune",
        },
        [],
    ),
    (
        "lora",
        True,
        "ok here it is, the watercolor lora you all asked for 🎨 works in comfyui and forge, flux dev, "
        "trigger is wtrclr https://civitai.com/models/812345/watercolor-flux",
        {
            "links": L(("https://civitai.com/models/812345/watercolor-flux", C)),
            "base_model": "Flux.1 D",
            "model_type": "lora",
            "trigger_words": ["wtrclr"],
        },
        [],
    ),
    (
        "merge",
        True,
        "put together a little merge for pony, nothing fancy, mostly AutismMix with a bit of my style lora baked in. "
        "https://civitai.com/models/823456 enjoy",
        {"links": L(("https://civitai.com/models/823456", C)), "base_model": "Pony", "model_type": "merge"},
        [],
    ),
    (
        "lora",
        True,
        "Update: Neon Alley LoRA v3 now available, retrained on Illustrious with cleaner captions "
        "https://civitai.com/models/834567/neon-alley",
        {
            "version": "v3",
            "links": L(("https://civitai.com/models/834567/neon-alley", C)),
            "base_model": "Illustrious",
            "model_type": "lora",
        },
        [],
    ),
    (
        "quantization",
        True,
        "made Q4_K_M and Q6_K ggufs of Mistral-Small-24B for folks with 16GB, link in thread: "
        "https://huggingface.co/hikari/Mistral-Small-24B-GGUF",
        {
            "links": L(("https://huggingface.co/hikari/Mistral-Small-24B-GGUF", H)),
            "base_model": "Mistral Small 24B",
            "model_type": "quantization",
        },
        [],
    ),
    (
        "lora",
        True,
        "here's the pixel sprite lora I teased last week, SDXL, trigger `pxsprite`, CC BY-NC 4.0: "
        "https://huggingface.co/pixelsmith/pixel-sprite-xl",
        {
            "links": L(("https://huggingface.co/pixelsmith/pixel-sprite-xl", H)),
            "license": "cc-by-nc-4.0",
            "base_model": "SDXL 1.0",
            "model_type": "lora",
            "trigger_words": ["pxsprite"],
        },
        [],
    ),
    (
        "embedding",
        True,
        "shared a new negative embedding for SD1.5 on my HF: https://huggingface.co/kuro/neg-clean-sd15 — put "
        "`negclean` in the negative prompt",
        {
            "links": L(("https://huggingface.co/kuro/neg-clean-sd15", H)),
            "base_model": "SD 1.5",
            "model_type": "embedding",
        },
        [],
    ),
    (
        "others-release",
        False,
        "the new juggernaut is out, it's really good https://civitai.com/models/133005/juggernaut-xl",
        {},
        [],
    ),
    ("chat", False, "lmao look at this https://civitai.com/images/12345", {}, []),
    (
        "showcase",
        False,
        "I uploaded my images to the gallery, made with the Moss Witch LoRA https://civitai.com/posts/555",
        {},
        [],
    ),
    ("question", False, "Does anyone have a mirror of the deleted FluxRealism v3? link pls", {}, []),
]
