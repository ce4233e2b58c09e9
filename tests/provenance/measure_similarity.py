"""Measure re-upload text similarity on the labelled announcements; the figures behind the thresholds.

Run: `.venv/bin/python -m tests.provenance.measure_similarity [--no-model]`. Not a test (no assertions):
it prints distributions and, per threshold, the share of re-upload-like pairs caught (recall) and the share
of distinct releases wrongly matched (false-positive rate), for shingle Jaccard and, when the MiniLM model is
installed, embedding cosine. Also times both against a baseline (hashing the same texts) in the same run.

Negatives: every pair of *distinct* release announcements in tests/data/releases.jsonl (many share a
template family, the hard case). Positives: each announcement perturbed the way copies are made: swap the
links and hashes, rename the model, drop a line, add a line, reorder lines, and combinations (seeded).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

from moderation.provenance.similarity import jaccard, shingles

DATA = Path(__file__).resolve().parent.parent / "data" / "releases.jsonl"
URL = re.compile(r"https?://\S+")
NAMES = ["Glowtown", "NightSpark", "Velvet Echo", "Copper Fern", "Azure Drift", "Moth Lantern"]
ADDED = ["Reuploaded for the community, enjoy!", "Mirror because the original was slow.", "Have fun ❤️", "v2 soon"]


def _perturb(text: str, name: str | None, rng: random.Random) -> list[tuple[str, str]]:
    lines = [li for li in text.splitlines() if li.strip()]
    out = [("links swapped", URL.sub("https://huggingface.co/copier/reup", text))]
    if name:
        out.append(("renamed", text.replace(name, rng.choice(NAMES))))
    if len(lines) > 2:
        drop = rng.randrange(len(lines))
        out.append(("line dropped", "\n".join(li for i, li in enumerate(lines) if i != drop)))
        shuffled = lines[:]
        rng.shuffle(shuffled)
        out.append(("lines reordered", "\n".join(shuffled)))
    out.append(("line added", text + "\n" + rng.choice(ADDED)))
    combo = URL.sub("https://civitai.com/models/999/copy", text)
    if name:
        combo = combo.replace(name, rng.choice(NAMES))
    out.append(("renamed+links+added", combo + "\n" + rng.choice(ADDED)))
    return out


def _table(name: str, pos: list[float], neg: list[float], same_family: list[float], grid: list[float]) -> None:
    p, n, f = np.array(pos), np.array(neg), np.array(same_family)
    print(f"\n## {name}")
    print(
        f"re-upload-like pairs: n={len(p)} min={p.min():.3f} p1={np.percentile(p, 1):.3f} "
        f"p5={np.percentile(p, 5):.3f} median={np.median(p):.3f}"
    )
    print(
        f"distinct releases:    n={len(n)} max={n.max():.3f} p99.9={np.percentile(n, 99.9):.3f} "
        f"p99={np.percentile(n, 99):.3f} median={np.median(n):.3f}"
    )
    print(f"  same template family: n={len(f)} max={f.max():.3f} p99={np.percentile(f, 99):.3f}")
    print("threshold  recall  false-positive-rate  false-positives")
    for t in grid:
        print(f"  {t:.2f}    {np.mean(p >= t):6.3f}  {np.mean(n >= t):.5f}              {int(np.sum(n >= t))}")


def main() -> None:
    rng = random.Random(7)
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    rels = [r for r in rows if r["is_release"]]
    texts = [r["text"] for r in rels]
    fam = [r.get("family") for r in rels]
    pairs = list(combinations(range(len(texts)), 2))
    positives: list[tuple[int, str, str]] = []
    for i, r in enumerate(rels):
        for kind, copy in _perturb(r["text"], (r.get("fields") or {}).get("model_name"), rng):
            positives.append((i, kind, copy))
    print(f"{len(texts)} release announcements, {len(pairs)} distinct pairs, {len(positives)} perturbed copies")

    t0 = time.perf_counter()
    base = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    sh = [shingles(t) for t in texts]
    t_sh = time.perf_counter() - t0
    t0 = time.perf_counter()
    neg = [jaccard(sh[a], sh[b]) for a, b in pairs]
    t_pairs = time.perf_counter() - t0
    assert len(base) == len(sh)
    print(
        f"timing: sha256 of texts {t_base * 1e3:.1f} ms (baseline) | shingling {t_sh * 1e3:.1f} ms | "
        f"{len(pairs)} Jaccard pairs {t_pairs * 1e3:.0f} ms ({t_pairs / len(pairs) * 1e6:.1f} µs/pair)"
    )
    same = [s for (a, b), s in zip(pairs, neg, strict=True) if fam[a] == fam[b]]
    pos = [jaccard(sh[i], shingles(c)) for i, _, c in positives]
    _table("character 5-gram Jaccard", pos, neg, same, [0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9])
    by_kind: dict[str, list[float]] = {}
    for (_, kind, _), s in zip(positives, pos, strict=True):
        by_kind.setdefault(kind, []).append(s)
    print(
        "per perturbation (min / median): "
        + "; ".join(f"{k} {min(v):.2f}/{float(np.median(v)):.2f}" for k, v in by_kind.items())
    )

    if "--no-model" in sys.argv:
        return
    from moderation.detection import Detector

    det = Detector(use_model=True)
    t0 = time.perf_counter()
    emb = det.embed(texts)
    if emb is None:
        print("\n(no MiniLM model installed: cosine not measured)")
        return
    t_emb = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb_pos = det.embed([c for _, _, c in positives])
    t_emb2 = time.perf_counter() - t0
    assert emb_pos is not None
    sims = emb @ emb.T
    neg_c = [float(sims[a, b]) for a, b in pairs]
    same_c = [s for (a, b), s in zip(pairs, neg_c, strict=True) if fam[a] == fam[b]]
    pos_c = [float(emb[i] @ emb_pos[k]) for k, (i, _, _) in enumerate(positives)]
    print(
        f"\ntiming: embedding {len(texts)} texts {t_emb:.2f} s (incl. model load), "
        f"{len(positives)} copies {t_emb2:.2f} s ({t_emb2 / len(positives) * 1e3:.1f} ms/text)"
    )
    _table("MiniLM cosine", pos_c, neg_c, same_c, [0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98])
    print("\n## union: Jaccard >= J or cosine >= C")
    print("J     C     recall  false-positive-rate  false-positives")
    pj, nj, pc, nc = np.array(pos), np.array(neg), np.array(pos_c), np.array(neg_c)
    for j, c in [(0.8, 0.94), (0.8, 0.95), (0.75, 0.94), (0.8, 0.92), (0.85, 0.94)]:
        hit_p, hit_n = (pj >= j) | (pc >= c), (nj >= j) | (nc >= c)
        print(f"{j:.2f}  {c:.2f}  {hit_p.mean():6.3f}  {hit_n.mean():.5f}              {int(hit_n.sum())}")


if __name__ == "__main__":
    main()
