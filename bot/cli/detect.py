"""`normbot detect` and `normbot eval`: release detection from the command line.

`detect` is a stable contract for scripts: JSON Lines in (`{"id", "text", "attachments"?}`), one JSON line
out per input (`{"id", "is_release", "score", "fields"}`) in input order; `fields` is filled for every line,
negatives too, so a tool can use extraction alone. A malformed line yields
`{"id": null, "error": "line N: ..."}` on stdout and processing continues; the exit code is then 1.
`eval` scores the detector and the extractor on the labelled set's test split.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from typer.core import TyperGroup

from bot.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, app
from bot.cli.stores import DbOption

__all__ = ["parse_line", "run_detect"]

_CHUNK = 64


def parse_line(lineno: int, raw: str) -> tuple[Any, str, tuple[str, ...]] | dict[str, Any]:
    """One input line -> (id, text, attachments), or the error object to print for it."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {"id": None, "error": f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})"}
    if not isinstance(obj, dict):
        return {"id": None, "error": f"line {lineno}: expected a JSON object, got {type(obj).__name__}"}
    ident = obj.get("id")
    if not isinstance(ident, str | int) or isinstance(ident, bool):
        ident = None
    text = obj.get("text")
    if not isinstance(text, str):
        return {"id": ident, "error": f'line {lineno}: "text" must be a string'}
    atts = obj.get("attachments", [])
    if not isinstance(atts, list) or not all(isinstance(a, str) for a in atts):
        return {"id": ident, "error": f'line {lineno}: "attachments" must be a list of file names'}
    return obj.get("id"), text, tuple(atts)


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        chunk.append((n, line))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_detect(lines: Iterable[str], out: IO[str], *, rules_only: bool = False, batch: int = _CHUNK) -> int:
    """Process JSON Lines; returns the number of malformed lines.

    Lines are read `batch` at a time so the model sees batches; results are flushed after each batch.
    A caller that writes one line and waits for its answer should pass `batch=1`.
    """
    from moderation.detection import Detector
    from moderation.extraction import extract

    detector = Detector(use_model=not rules_only)
    bad = 0
    for chunk in _chunks(lines, max(1, batch)):
        parsed = [parse_line(n, raw) for n, raw in chunk]
        good = [p for p in parsed if isinstance(p, tuple)]
        results = iter(detector.detect_many([(text, atts) for _, text, atts in good]))
        for p in parsed:
            if isinstance(p, dict):
                bad += 1
                row: dict[str, Any] = p
            else:
                d = next(results)
                fields = d.fields if d.fields is not None else extract(p[1], p[2], infer_type=False)
                row = {
                    "id": p[0],
                    "is_release": d.is_release,
                    "score": round(d.score, 4),
                    "fields": fields.to_json(),
                }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    return bad


class _DetectGroup(TyperGroup):
    """`normbot detect [FILE]` stays the JSON Lines contract: arguments that do not start with a subcommand's
    name go to `normbot detect run`, so scripts written against the old command keep working."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


detect_app = typer.Typer(
    cls=_DetectGroup,
    help="Detect release announcements (JSON Lines in, one result per line out), export the community's "
    "corrections, retrain the detector.",
)
app.add_typer(detect_app, name="detect")


@detect_app.command("run")
def detect(
    file: Annotated[
        Path | None, typer.Argument(help="JSON Lines file of {id, text, attachments?}; stdin when omitted.")
    ] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Skip the transformer model.")] = False,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="Lines per model batch; 1 answers each line at once.")
    ] = _CHUNK,
) -> None:
    """Detect release announcements in JSON Lines and print one JSON result per line (the default)."""
    if file is not None and str(file) != "-":
        try:
            fh: IO[str] = file.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
    else:
        fh = sys.stdin
    with fh:
        bad = run_detect(fh, sys.stdout, rules_only=rules_only, batch=batch)
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


@detect_app.command("export-labels")
def export_labels(
    community: Annotated[str | None, typer.Option("--community", help="Only this community (its slug).")] = None,
    db: DbOption = None,
) -> None:
    """Write the community's corrections ("mark as release" / "not a release") as labelled JSON Lines in the
    corpus format, for `normbot detect train --extra` and `normbot eval --data`."""
    from bot.cli._async import run
    from bot.cli.stores import open_store, require_community, store_url

    url = store_url(db)

    async def go() -> list[dict[str, Any]]:
        async with open_store(url) as store:
            await require_community(store, community)
            async with store.transaction() as tx:
                return [row async for row in tx.corrections.detection_corrections(community)]

    rows = run(go())
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


@detect_app.command("train")
def train_command(
    data: Annotated[Path | None, typer.Option("--data", help="The corpus (train and dev splits).")] = None,
    extra: Annotated[
        list[Path] | None, typer.Option("--extra", help="More labelled JSON Lines (e.g. exported corrections).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Where the adapter, head and extraction models go.")
    ] = None,
    no_finetune: Annotated[bool, typer.Option("--no-finetune", help="Frozen MiniLM: train the head only.")] = False,
    reuse_adapter: Annotated[
        bool,
        typer.Option("--reuse-adapter", help="Keep the adapter in --out-dir; refit the head, gate and extraction."),
    ] = False,
    extraction_only: Annotated[
        bool, typer.Option("--extraction-only", help="Refit only the model-type model and the name ranker.")
    ] = False,
    precision: Annotated[
        str, typer.Option("--precision", help="Encoder precision the head is fitted on: w8a8, bf16, fp32 or int8.")
    ] = "w8a8",
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Fine-tuning epochs.")] = 4,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the training figures (dev PR curve too) as JSON.")
    ] = None,
) -> None:
    """Retrain the detector (LoRA adapter, head, calibration, threshold) on the corpus plus `--extra` files.

    Needs the `train` extra (`pip install 'normbot[train]'`) unless --no-finetune or --reuse-adapter."""
    from moderation.detection.embedder import PRECISIONS
    from moderation.detection.evaluate import load_examples
    from moderation.detection.finetune import FinetuneConfig
    from moderation.detection.train import (
        DEFAULT_AUGMENTS,
        DEFAULT_DATA,
        DEFAULT_OUT,
        MAX_TOKENS,
        extraction_rows_of,
        fit_extraction,
        train,
    )

    path = data or DEFAULT_DATA
    if precision not in PRECISIONS:
        typer.echo(f"error: --precision must be one of {', '.join(PRECISIONS)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    for f in [path, *(extra or [])]:
        if not f.is_file():
            typer.echo(f"error: no labelled data at {f}", err=True)
            raise typer.Exit(EXIT_USAGE)
        try:
            load_examples(f)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
    target = out_dir or DEFAULT_OUT
    target.mkdir(parents=True, exist_ok=True)
    augment = [p for p in DEFAULT_AUGMENTS if p.is_file()]
    if extraction_only:
        fit_extraction(extraction_rows_of(path, extra or [], augment), load_examples(path, split="dev"), target)
        return
    if not no_finetune and not reuse_adapter:
        try:
            import peft  # noqa: F401
        except ImportError:
            typer.echo("error: fine-tuning needs peft: pip install 'normbot[train]' (or pass --no-finetune)", err=True)
            raise typer.Exit(EXIT_USAGE) from None
    info = train(
        path,
        extra=extra or [],
        augment=augment,
        finetune_config=FinetuneConfig(epochs=epochs, max_tokens=MAX_TOKENS),
        use_finetune=not no_finetune,
        reuse_adapter=reuse_adapter,
        precision=precision,
        out_dir=target,
    )
    if report is not None:
        report.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


@app.command("eval")
def evaluate(
    data: Annotated[
        Path | None, typer.Option("--data", help="Labelled JSON Lines file (default: the real corpus).")
    ] = None,
    split: Annotated[
        str, typer.Option("--split", help="Split to score: test, dev, train, or all (a file without splits: all).")
    ] = "test",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Only the rules baseline.")] = False,
) -> None:
    """Detection precision/recall/F1 (keyword rule, rules, model), per language, per cascade stage, and
    per-field extraction accuracy on one split of a labelled set."""
    from moderation.detection.report import evaluate_all
    from moderation.detection.train import DEFAULT_DATA

    path = data or DEFAULT_DATA
    if not path.is_file():
        typer.echo(f"error: no labelled data at {path}", err=True)
        raise typer.Exit(EXIT_USAGE)
    if split not in ("test", "dev", "train", "all"):
        typer.echo(f"error: --split must be test, dev, train or all, not {split!r}", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        report = evaluate_all(path, use_model=not rules_only, split=None if split == "all" else split)
    except (ValueError, KeyError) as exc:
        typer.echo(f"error: {path} is not a labelled set: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        typer.echo(_render(report))
    ok = report["targets_met"]
    raise typer.Exit(EXIT_OK if ok else EXIT_FINDINGS)


def _scores_row(name: str, s: dict[str, Any]) -> str:
    return (
        f"{name:<14}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
        f"{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}{s['tn']:>6}"
    )


def _render(r: dict[str, Any]) -> str:
    lines = [f"data: {r['data']} (split {r['split']}: {r['rows']} messages, {r['positives']} releases)"]
    lines.append(f"model: {r['model_status']} (threshold {r['threshold']})")
    header = f"{'detector':<14}{'precision':>10}{'recall':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}{'tn':>6}"
    lines.append(header)
    for name, s in r["detection"].items():
        lines.append(_scores_row(name, s))
    lines.append(f"by language ({r['main']}):")
    for group, g in r["by_language"].items():
        s = g[r["main"]]
        lines.append(_scores_row(f"  {group} ({g['rows']})", s) + f"   keyword F1 {g['keyword']['f1']:.3f}")
    if r["stages"]:
        st = r["stages"]
        lines.append(
            f"cascade on {st['positives']} releases "
            f"(head alone, every message encoded: recall {st['head_alone_recall']:.3f}):"
        )
        for stage in ("prefilter", "rules", "gate", "bound", "model"):
            c = st[stage]
            lines.append(
                f"  {stage:<10} dropped {c['dropped']:>4}; of those the head alone keeps {c['dropped_head_keeps']}"
            )
    lines.append("field accuracy on the split's releases:")
    for name, acc in r["fields"].items():
        target = r["target_fields"].get(name)
        mark = f"  (target >= {target})" if target else ""
        lines.append(f"  {name:<14}{acc:.3f}  n={r['field_counts'][name]}{mark}")
    lines.append(f"detection target: F1 >= {r['target_f1']} ({r['main']})")
    lines.append("targets met" if r["targets_met"] else "TARGETS MISSED")
    return "\n".join(lines)
