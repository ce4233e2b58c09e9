"""Assemble the real-text corpus from harvest files: `python tests/data/corpus/build.py RAW.jsonl... [--out F]`.

Each harvest file holds records labelled by `shared/eval/label-rules.md` (see docs/corpus.md for how they
were collected). This script is the only thing that turns them into `tests/data/corpus/corpus.jsonl`, so
every rule the corpus obeys is written down here:

- no item from an excluded source (its original address or the place it was read from);
- ids are unique (a repeated id gets a `-2` suffix);
- no duplicate text (whitespace-collapsed, lowercased): the first copy is kept;
- at most 20 items per source (a GitHub repository, or host + first two path parts, as corpus-check counts);
- `fields.links` of a positive is every absolute http(s) URL of the text in order (the label rule, applied
  mechanically rather than by hand);
- `fields_verified: false` marks the records of a harvest whose fields were filled by pattern rather than by
  a person (`--fields-unverified NAME`): detection uses them, field accuracy does not;
- the split is a function of the source alone (sha256 of the source key -> 60% train, 20% dev, 20% test), so
  no source is in two splits and adding items never moves an old one.

`--train-only --against corpus.jsonl` builds a training supplement instead (`supplement.jsonl`, session 11):
every record goes to train, so the dev and test splits stay exactly what earlier figures were measured on. Its
sources must be new (a source key that is in the corpus drops the record, so no source is in two splits) and
its texts unlike the corpus's. `--drop ID...` leaves out records that a review found the rules do not settle.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
EXCLUDED = HERE.parents[3] / "shared" / "eval" / "excluded-sources.txt"
MAX_PER_SOURCE = 20
TYPES = {"llm", "finetune", "checkpoint", "adapter", "lora", "quantization", "merge", "embedding", "other"}
KEEP = ("id", "text", "is_release", "fields", "source", "via", "license", "lang", "style", "category", "neg_kind")
URL = re.compile(r"https?://[^\s<>\"'`\]\[)(]+")
_REDDIT_POST = re.compile(r"reddit\.com/(?:r/\w+/)?comments/(\w+)")


def source_key(url: str) -> str:
    u = urlparse(url if "://" in url else "https://" + url)
    parts = [p for p in u.path.split("/") if p]
    host = u.netloc.lower().removeprefix("www.")
    if host in ("github.com", "raw.githubusercontent.com") and len(parts) >= 2:
        return f"{parts[0]}/{parts[1]}".lower()
    return "/".join([host, *parts[:2]]).lower()


def links_of(text: str) -> list[str]:
    """Every absolute URL in order, without the sentence punctuation that follows it."""
    return [m.group(0).rstrip(".,;:!?*_~") for m in URL.finditer(text)]


def split_of(key: str) -> str:
    bucket = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 10
    return "train" if bucket < 6 else "dev" if bucket < 8 else "test"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=HERE / "corpus.jsonl")
    parser.add_argument("--excluded", type=Path, default=EXCLUDED)
    parser.add_argument(
        "--fields-unverified",
        nargs="*",
        default=[],
        help="harvest names whose fields were filled by pattern, not by a person: kept out of field scores",
    )
    parser.add_argument("--train-only", action="store_true", help="every record to train (a training supplement)")
    parser.add_argument("--against", type=Path, nargs="*", default=[], help="corpus files whose sources are taken")
    parser.add_argument("--drop", nargs="*", default=[], help="ids to leave out (the rules do not settle them)")
    args = parser.parse_args(argv)
    excluded = {ln.strip().lower() for ln in args.excluded.open() if ln.strip() and not ln.startswith("#")}
    taken: set[str] = set()  # source keys of the --against files: a supplement may not share one
    seen: set[str] = set()
    for path in args.against:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                taken.add(source_key(r["source"]))
                seen.add(re.sub(r"\s+", " ", r["text"].lower()))

    excluded_posts = {m.group(1) for e in excluded if (m := _REDDIT_POST.search(e))}

    def is_excluded(url: str) -> bool:
        flat = url.lower().split("://")[-1]
        post = _REDDIT_POST.search(flat)  # one post has several addresses (with or without /r/<name>/)
        return (
            source_key(url) in excluded
            or any(flat.startswith(e) for e in excluded if "." in e.split("/")[0])
            or (post is not None and post.group(1) in excluded_posts)
        )

    ids: set[str] = set()
    per_source: collections.Counter[str] = collections.Counter()
    dropped: collections.Counter[str] = collections.Counter()
    out = []
    for path in args.raw:
        for line in path.open(encoding="utf-8"):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                dropped["bad json"] += 1
                continue
            text, source = r.get("text"), r.get("source")
            if not isinstance(text, str) or not isinstance(r.get("is_release"), bool) or not isinstance(source, str):
                dropped["bad record"] += 1
                continue
            text = text.strip()
            if len(text) < 12 or not source.startswith("http"):
                dropped["too short or no address"] += 1
                continue
            if is_excluded(source) or (r.get("via") and is_excluded(str(r["via"]))):
                dropped["excluded source"] += 1
                continue
            if str(r.get("id")) in args.drop:
                dropped["left out by review"] += 1
                continue
            if source_key(source) in taken:
                dropped["source already in the corpus"] += 1
                continue
            norm = re.sub(r"\s+", " ", text.lower())
            if norm in seen:
                dropped["duplicate"] += 1
                continue
            key = source_key(source)
            if per_source[key] >= MAX_PER_SOURCE:
                dropped["over the per-source cap"] += 1
                continue
            fields = dict(r.get("fields") or {}) if r["is_release"] else {}
            if fields.get("model_type") not in TYPES:
                fields.pop("model_type", None)
            if r["is_release"]:
                urls = links_of(text)
                if urls:
                    fields["links"] = urls
                else:
                    fields.pop("links", None)
            seen.add(norm)
            per_source[key] += 1
            rec = {k: r.get(k) for k in KEEP}
            base_id, n_id = str(rec["id"]), 2
            while str(rec["id"]) in ids:  # a harvester numbered two items alike: keep both, renamed
                rec["id"], n_id = f"{base_id}-{n_id}", n_id + 1
            ids.add(str(rec["id"]))
            rec.update(text=text, fields=fields, split="train" if args.train_only else split_of(key), source_key=key)
            if str(r.get("id", "")).rsplit("-", 1)[0] in args.fields_unverified:
                rec["fields_verified"] = False
            rec["category"] = "release" if r["is_release"] else (r.get("category") or "negative")
            if rec["category"] == "release" and not r["is_release"]:
                rec["category"] = "hard_negative"
            out.append(rec)
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in out:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    splits = collections.Counter(r["split"] for r in out)
    print(
        f"{len(out)} items from {len(per_source)} sources -> {args.out}; splits {dict(splits)}; dropped {dict(dropped)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
