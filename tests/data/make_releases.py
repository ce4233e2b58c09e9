"""Generate `tests/data/releases.jsonl`: the labelled detection/extraction set.

Run: `.venv/bin/python tests/data/make_releases.py` (deterministic; commit the output).

Half the messages come from template *families* (each family is one writing style: a Discord markdown
LoRA post, a Telegram plain-text quant drop, a bug report...). A whole family goes to one split, so the
test split never holds near copies of training messages. The rest are hand-written messages in
`tests/data/handwritten.py`, split by a stable hash of their id. Ground-truth fields of generated
positives come from the template's own parameters, not from running the extractor.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from handwritten import HANDWRITTEN
from templates import FAMILIES

OUT = Path(__file__).with_name("releases.jsonl")


def _split_of(key: str) -> str:
    h = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return "test" if h % 10 < 3 else "train"


def main() -> None:
    rows: list[dict[str, Any]] = []
    for fam in FAMILIES:
        rng = random.Random(fam.name)
        seen: set[str] = set()
        attempts = 0
        while len([r for r in rows if r["family"] == fam.name]) < fam.count and attempts < fam.count * 20:
            attempts += 1
            text, fields, attachments = fam.make(rng)
            if text in seen:
                continue
            seen.add(text)
            n = len(seen)
            row: dict[str, Any] = {
                "id": f"{fam.name}-{n:03d}",
                "text": text,
                "is_release": fam.positive,
                "split": fam.split,
                "kind": fam.kind,
                "family": fam.name,
                "fields": fields if fam.positive else {},
            }
            if attachments:
                row["attachments"] = attachments
            rows.append(row)
    for i, (kind, positive, text, fields, attachments) in enumerate(HANDWRITTEN):
        rid = f"hand-{i:03d}"
        row = {
            "id": rid,
            "text": text,
            "is_release": positive,
            "split": _split_of(rid),
            "kind": kind,
            "family": "handwritten",
            "fields": fields if positive else {},
        }
        if attachments:
            row["attachments"] = attachments
        rows.append(row)
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    pos = sum(r["is_release"] for r in rows)
    test = sum(r["split"] == "test" for r in rows)
    print(f"{len(rows)} rows, {pos} positive, {len(rows) - pos} negative, {test} test -> {OUT}")


if __name__ == "__main__":
    main()
