"""Train the shipped detector: `python -m moderation.detection.train` (or `normbot detect train`).

One command reproduces `moderation/data/detector_adapter.npz` and `detector_head.npz` from the real corpus
(`tests/data/corpus/corpus.jsonl`) on a 2-core CPU in well under an hour (docs/detection.md gives the time):

0. fit extraction's two learned parts on the train split's announcements (without the supplement,
   `DETECTION_ONLY`): the model-type fallback (`extraction_type.py`) and the name ranker
   (`extraction_name_rank.py`, its abstention threshold on dev). First, because the head's rule features
   include what extraction finds (since session 12; before, the head was fitted on the previous ranker's names);
1. fine-tune MiniLM with a LoRA adapter on the train split (`finetune.py`; `--no-finetune` keeps the
   package's weights: the "frozen" candidate);
2. embed the train and dev splits with the adapted encoder exactly as the detector will (fp32, same
   truncation), append the rule features, fit the logistic head on train;
3. calibrate on dev (Platt scaling, folded into the head's weights, so the head stays linear and the exact
   bound still holds);
4. fit the lexical model (`lexical.py`: TF-IDF word and character n-grams) on train, choose its share of the
   final score (the mix) on dev, and the threshold from dev's precision-recall curve of that mix;
5. fit the learned gate (`gate.py`) on train, its threshold on dev (it must pass every one of the detector's
   dev positives, `KEEP_OF_HEAD`);
6. write the files; the test split is never read here (`normbot eval` reads it).

`--augment FILE...` (default: the real training supplement and the templated set) adds the train split of other
labelled files; `--extra FILE...` adds labelled files (a community's exported corrections, `normbot detect
export-labels`) to the train split: every row of them, whatever its own split says.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moderation.detection.adapter import ADAPTER_FILE, Adapter
from moderation.detection.embedder import PRECISIONS, Embedder
from moderation.detection.evaluate import Example, binary_scores, load_examples, same_name
from moderation.detection.features import FEATURE_NAMES, rule_view
from moderation.detection.finetune import FinetuneConfig, finetune
from moderation.detection.gate import GATE_FILE, Gate
from moderation.detection.head import HEAD_FILE, Head, fit_logistic, mixed_scores
from moderation.detection.lexical import LEXICAL_FILE, LexicalModel
from moderation.extraction import name_candidates_of, type_text_of
from moderation.extraction.model_type import TYPE_MODEL_FILE, TYPES, TypeModel, load_type_model
from moderation.extraction.name_rank import NAME_RANKER_FILE, NameRanker, load_name_ranker

__all__ = [
    "DEFAULT_AUGMENTS",
    "DEFAULT_DATA",
    "calibrate",
    "choose_mix",
    "choose_threshold",
    "extraction_rows_of",
    "features_of",
    "fit_extraction",
    "main",
    "train",
    "train_rows_of",
]

_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = _ROOT / "tests" / "data" / "corpus" / "corpus.jsonl"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data"
DEFAULT_AUGMENT = _ROOT / "tests" / "data" / "releases.jsonl"
"""The templated set: its train split is added to training (chat-style posts the real corpus has few of);
it never enters dev or test."""
DEFAULT_SUPPLEMENT = _ROOT / "tests" / "data" / "corpus" / "supplement.jsonl"
"""Real text harvested in session 11 for training only (`build.py --train-only`): every record is in train and
no source of it is in the corpus, so dev and test stay what earlier figures were measured on."""
DEFAULT_SUPPLEMENT2 = _ROOT / "tests" / "data" / "corpus" / "supplement2.jsonl"
"""Session 13's training supplement, built the same way against the corpus and the first supplement: model
cards of hobbyist models and quants, Civitai-style notes, issue replies, multilingual README news."""
DEFAULT_AUGMENTS = (DEFAULT_SUPPLEMENT, DEFAULT_SUPPLEMENT2, DEFAULT_AUGMENT)
"""What training adds to the corpus's train split by default (their train splits)."""
DETECTION_ONLY = (DEFAULT_SUPPLEMENT, DEFAULT_SUPPLEMENT2)
"""Augment files that train detection but not extraction's learned parts: with the supplement's fields, the
type model and the name ranker fell on dev (model_type 0.731 -> 0.723, model_name 0.694 -> 0.679; its
harvesters typed research models and named card sections in their own way), while detection rose. The second
supplement is kept out the same way: its harvesters, too, labelled fields by their own reading."""
MAX_TOKENS = 64


def features_of(examples: Sequence[Example], embedder: Embedder) -> npt.NDArray[np.float64]:
    """[embedding, rule features] rows for `examples`; raises if the model cannot load."""
    emb = embedder.embed([e.text for e in examples])
    if emb is None:
        raise RuntimeError(f"cannot train without the model ({embedder.status})")
    rules = np.stack([rule_view(e.text, e.attachments).vector for e in examples])
    return np.hstack([emb, rules]).astype(np.float64)


def calibrate(z: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Platt scaling: (a, b) such that sigmoid(a * z + b) is calibrated on (z, y); plain 1-D logistic
    regression without class balancing, since calibration must reflect the real class mix."""
    a, b = 1.0, 0.0
    for _ in range(2000):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * z + b, -40, 40)))
        g = p - y
        a -= 0.1 * float(np.mean(g * z))
        b -= 0.1 * float(np.mean(g))
    return max(a, 1e-3), b


def choose_threshold(y: npt.NDArray[np.float64], p: npt.NDArray[np.float64]) -> tuple[float, list[dict[str, float]]]:
    """The threshold with the best F1 on (y, p); among near-ties (within 0.005 F1) the one with the higher
    precision, because a false prompt costs a community more attention than a missed one costs the creator
    (who can mark it). Returns it with the precision-recall curve it was read from."""
    curve = []
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        s = binary_scores(list(y > 0.5), list(p >= t))
        curve.append({"threshold": float(t), "precision": s.precision, "recall": s.recall, "f1": s.f1})
    best_f1 = max(c["f1"] for c in curve)
    near = [c for c in curve if c["f1"] >= best_f1 - 0.005]
    chosen = max(near, key=lambda c: (c["precision"], c["threshold"]))
    return chosen["threshold"], curve


MIXES = tuple(round(0.1 * i, 1) for i in range(10))
"""The lexical model's shares of the final score tried on dev (0.0: the head alone)."""


def choose_mix(
    y: npt.NDArray[np.float64], p_head: npt.NDArray[np.float64], p_lexical: npt.NDArray[np.float64]
) -> tuple[float, float, list[dict[str, float]]]:
    """The mix (and its threshold) with the best dev F1 by `choose_threshold`; among equal F1 the smaller mix
    (the head alone unless the lexical model earns its place). Returns (mix, threshold, the F1 per mix)."""
    tried = []
    for mix in MIXES:
        p = (1.0 - mix) * p_head + mix * p_lexical
        threshold, curve = choose_threshold(y, p)
        f1 = next(c["f1"] for c in curve if c["threshold"] == threshold)
        tried.append({"mix": mix, "threshold": threshold, "f1": round(f1, 4)})
    best = max(tried, key=lambda t: (t["f1"], -t["mix"]))
    return best["mix"], best["threshold"], tried


def fit_extraction(train_rows: Sequence[Example], dev: Sequence[Example], out_dir: Path = DEFAULT_OUT) -> None:
    """Fit extraction's learned parts and write them into `out_dir`: the model-type fallback on the train rows'
    announcements with checked fields, the name ranker on the same rows (its abstention threshold on dev).
    Step 0 of `train`; `--extraction-only` runs just this, for a change to the naming rules or their features
    (seconds, no encoder)."""
    labelled = [e for e in train_rows if e.is_release and e.fields_verified]
    typed = [e for e in labelled if e.fields.get("model_type") in TYPES]
    texts = [type_text_of(e.text) for e in typed]  # as extraction hands it to the model
    TypeModel.fit(texts, [str(e.fields["model_type"]) for e in typed]).save(out_dir / TYPE_MODEL_FILE)
    named = [(e.text, e.fields.get("model_name") or None) for e in labelled]
    dev_named = [(e.text, e.fields.get("model_name") or None) for e in dev if e.is_release and e.fields_verified]
    ranker = NameRanker.fit(named, name_candidates_of, same_name).tuned(dev_named, name_candidates_of, same_name)
    ranker.save(out_dir / NAME_RANKER_FILE)


def _fit_extraction_first(train_rows: Sequence[Example], dev: Sequence[Example], out_dir: Path) -> None:
    """Step 0 of `train`: `fit_extraction`, then, when `out_dir` is the package's data (the files extraction
    loads at run time), forget the loaded copies so that the head's rule features come from the new ones.
    Until session 12 this ran last, and the head was fitted on the previous ranker's names."""
    fit_extraction(train_rows, dev, out_dir)
    if out_dir.resolve() == DEFAULT_OUT.resolve():
        load_name_ranker.cache_clear()
        load_type_model.cache_clear()


def extraction_rows_of(data: Path, extra: Sequence[Path] = (), augment: Sequence[Path] = ()) -> list[Example]:
    """The rows extraction's learned parts are fitted on: the training rows without `DETECTION_ONLY` files."""
    detection_only = {p.resolve() for p in DETECTION_ONLY}
    return train_rows_of(data, extra, [a for a in augment if a.resolve() not in detection_only])


def train_rows_of(data: Path, extra: Sequence[Path] = (), augment: Sequence[Path] = ()) -> list[Example]:
    """The training rows: `data`'s train split, every row of `extra`, the train split of `augment`."""
    rows = load_examples(data, split="train")
    for path in extra:
        rows += load_examples(path)
    for path in augment:
        rows += load_examples(path, split="train")
    return rows


@dataclass(frozen=True)
class MixFit:
    """What choosing the lexical model's share on dev produced (step 4)."""

    lexical: LexicalModel
    lexical_alone: float
    mix: float
    mix_platt: tuple[float, float]
    mixes: list[dict[str, float]]
    p_lexical_dev: npt.NDArray[np.float64]
    p_dev: npt.NDArray[np.float64]
    threshold: float
    curve: list[dict[str, float]]


def _adapter_for_training(
    train_rows: Sequence[Example], cfg: FinetuneConfig, adapter_path: Path, *, use_finetune: bool, reuse: bool, say: Any
) -> Adapter | None:
    """Step 1: the adapter the head is fitted on: fine-tuned now, the one already in `adapter_path` (`reuse`), or
    none (the frozen candidate, whose stale adapter file is removed)."""
    if use_finetune and reuse and adapter_path.exists():
        say(f"reusing the adapter in {adapter_path}")
        return Adapter.load(adapter_path)  # the head, gate and extraction models again, on the same adapter
    if use_finetune:
        trained = finetune([e.text for e in train_rows], [e.is_release for e in train_rows], config=cfg, log=say)
        trained.save(adapter_path)
        return Adapter.load(adapter_path)  # as shipped: float16 factors, so the digest is the runtime one
    if adapter_path.exists():
        adapter_path.unlink()  # a frozen head must not be paired with a stale adapter
    return None


def _fit_head(
    x_train: npt.NDArray[np.float64], y_train: npt.NDArray[np.float64], x_dev: npt.NDArray[np.float64], y_dev: Any
) -> tuple[npt.NDArray[np.float64], float, tuple[float, float]]:
    """Steps 2-3: the head's weights and bias fitted on train, with Platt scaling on dev folded in."""
    w, b = fit_logistic(x_train, y_train, l2=1e-4)
    a, c = calibrate(x_dev @ w + b, y_dev)
    return w * a, b * a + c, (a, c)


def _fit_mix(
    train_rows: Sequence[Example],
    dev: Sequence[Example],
    y_dev: npt.NDArray[np.float64],
    p_head_dev: npt.NDArray[np.float64],
    out_dir: Path,
) -> MixFit:
    """Step 4: fit the lexical model on train and write it (with its own dev threshold, for the fallback); choose
    its share of the final score on dev, calibrate that mix on dev, and read the threshold off its curve."""
    lexical = LexicalModel.fit([e.text for e in train_rows], [e.is_release for e in train_rows])
    p_lexical_dev = lexical.probabilities([e.text for e in dev])
    lexical_alone = choose_threshold(y_dev, p_lexical_dev)[0]  # for the fallback without the encoder
    dataclasses.replace(lexical, threshold=lexical_alone).save(out_dir / LEXICAL_FILE)
    lexical = LexicalModel.load(out_dir / LEXICAL_FILE)  # as shipped, so the digest is the runtime one
    mix, _, mixes = choose_mix(y_dev, p_head_dev, p_lexical_dev)
    raw_dev = np.clip((1.0 - mix) * p_head_dev + mix * p_lexical_dev, 1e-12, 1.0 - 1e-12)
    mix_platt = calibrate(np.log(raw_dev / (1.0 - raw_dev)), y_dev) if mix else (1.0, 0.0)
    p_dev = mixed_scores(p_head_dev, p_lexical_dev, mix, mix_platt) if mix else p_head_dev
    threshold, curve = choose_threshold(y_dev, p_dev)  # on the calibrated score the communities see
    return MixFit(lexical, lexical_alone, mix, mix_platt, mixes, p_lexical_dev, p_dev, threshold, curve)


def train(
    data: Path,
    *,
    extra: Sequence[Path] = (),
    augment: Sequence[Path] = (),
    finetune_config: FinetuneConfig | None = None,
    use_finetune: bool = True,
    reuse_adapter: bool = False,
    precision: str = "w8a8",
    out_dir: Path = DEFAULT_OUT,
    log: bool = True,
) -> dict[str, object]:
    """Train and write the adapter (unless `use_finetune` is False), the head, the lexical model, the gate and
    extraction's learned parts into `out_dir`; returns the dev figures."""
    started = time.monotonic()
    say = print if log else (lambda *_: None)
    train_rows = train_rows_of(data, extra, augment)
    dev = load_examples(data, split="dev")
    if not train_rows or not dev:
        raise ValueError(f"{data} needs rows in the train and dev splits")
    say(f"train: {len(train_rows)} rows ({sum(e.is_release for e in train_rows)} releases); dev: {len(dev)}")
    # Extraction first: the head reads rule features that extraction computes ("a name was found", "trigger
    # words found"), so the head must be fitted on what the shipped name ranker and type model will say.
    _fit_extraction_first(extraction_rows_of(data, extra, augment), dev, out_dir)
    cfg = finetune_config or FinetuneConfig(max_tokens=MAX_TOKENS)
    adapter = _adapter_for_training(
        train_rows, cfg, out_dir / ADAPTER_FILE, use_finetune=use_finetune, reuse=reuse_adapter, say=say
    )
    # w8a8 by default (session 13; bf16 in session 11): int8 linear layers with one scale per token row, ~1.4x
    # bf16's speed where int8 units are twice as wide, and batch-invariant. Not the old int8: dynamic
    # quantisation scales a batch's activations together, and with the adapter that moved scores by up to 0.27
    # with the batch mates (docs/detection.md, "Encoder precision").
    embedder = Embedder(precision=precision, max_tokens=cfg.max_tokens, adapter=adapter)
    x_train = features_of(train_rows, embedder)
    x_dev = features_of(dev, embedder)
    y_train = np.array([1.0 if e.is_release else 0.0 for e in train_rows])
    y_dev = np.array([1.0 if e.is_release else 0.0 for e in dev])
    w, b, platt = _fit_head(x_train, y_train, x_dev, y_dev)
    p_head_dev = 1.0 / (1.0 + np.exp(-np.clip(x_dev @ w + b, -40, 40)))
    fit = _fit_mix(train_rows, dev, y_dev, p_head_dev, out_dir)
    names = tuple(f"emb{i}" for i in range(x_train.shape[1] - len(FEATURE_NAMES))) + FEATURE_NAMES
    head = Head(
        weights=w,
        bias=b,
        threshold=fit.threshold,
        feature_names=names,
        precision=embedder.precision,
        max_tokens=cfg.max_tokens,
        adapter=adapter.digest if adapter is not None else "",
        mix=fit.mix,
        lexical=fit.lexical.digest if fit.mix else "",
        mix_platt=fit.mix_platt,
    )
    head.save(out_dir / HEAD_FILE)
    k = len(FEATURE_NAMES)
    dev_texts = [e.text for e in dev]
    positives = fit.p_dev >= fit.threshold
    gate = Gate.fit(x_train[:, -k:], [e.text for e in train_rows], y_train, x_dev[:, -k:], dev_texts, positives)
    gate.save(out_dir / GATE_FILE)
    gate_pass = gate.passes(x_dev[:, -k:], dev_texts)
    truth = list(y_dev > 0.5)
    head_alone_threshold = next(t["threshold"] for t in fit.mixes if t["mix"] == 0.0)
    info: dict[str, object] = {
        "train_rows": len(train_rows),
        "dev_rows": len(dev),
        "finetuned": use_finetune,
        "adapter": head.adapter,
        "threshold": fit.threshold,
        "platt": [round(platt[0], 4), round(platt[1], 4)],
        "lexical_alone_threshold": fit.lexical_alone,
        "dev_lexical_alone": binary_scores(truth, list(fit.p_lexical_dev >= fit.lexical_alone)).as_dict(),
        "mix": fit.mix,
        "mix_platt": [round(fit.mix_platt[0], 4), round(fit.mix_platt[1], 4)],
        "mixes": fit.mixes,
        "dev_head_alone": binary_scores(truth, list(p_head_dev >= head_alone_threshold)).as_dict(),
        "dev": binary_scores(truth, list(positives)).as_dict(),
        "gate_threshold": round(gate.threshold, 4),
        "gate_dev_pass_rate": round(float(gate_pass.mean()), 4),
        "gate_dev_head_positives_kept": round(float(gate_pass[positives].mean()), 4),
        "pr_curve": [c for c in fit.curve if round(c["threshold"] * 100) % 5 == 0],
        "seconds": round(time.monotonic() - started),
    }
    say(json.dumps({k: v for k, v in info.items() if k != "pr_curve"}))
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the corpus (train and dev splits)")
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="more labelled files, all used for training")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where the adapter and the head go")
    parser.add_argument("--no-finetune", action="store_true", help="frozen MiniLM: train the head only")
    parser.add_argument(
        "--reuse-adapter", action="store_true", help="keep the adapter in --out-dir; refit head, gate, extraction"
    )
    parser.add_argument(
        "--extraction-only", action="store_true", help="refit only the type model and the name ranker (seconds)"
    )
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="w8a8",
        help="encoder precision for the head (bf16 and w8a8 run in fp32 where the CPU or torch lacks them)",
    )
    parser.add_argument(
        "--augment", type=Path, nargs="*", default=list(DEFAULT_AUGMENTS), help="files whose train split is added"
    )
    parser.add_argument("--epochs", type=int, default=FinetuneConfig().epochs)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, help="write the training figures (dev PR curve too) as JSON")
    args = parser.parse_args(argv)
    cfg = FinetuneConfig(epochs=args.epochs, seed=args.seed, max_tokens=MAX_TOKENS)
    if args.extraction_only:
        fit_extraction(
            extraction_rows_of(args.data, args.extra, args.augment), load_examples(args.data, split="dev"), args.out_dir
        )
        return 0
    info = train(
        args.data,
        extra=args.extra,
        augment=args.augment,
        finetune_config=cfg,
        use_finetune=not args.no_finetune,
        reuse_adapter=args.reuse_adapter,
        precision=args.precision,
        out_dir=args.out_dir,
    )
    if args.report:
        args.report.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
