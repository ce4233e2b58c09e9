"""Turning registry rows into plain data: the JSON API returns these dicts and the templates render them.

Why one shape for both: a page and its API twin can never disagree, and the hidden-data tests that read the
JSON also cover what the HTML can show. Nothing here adds a reporter, an open flag or an audit event; those
shapes live in `bot.web.mod` and are only used behind the moderator token.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from moderation.releases.cards import human_evidence, setting_text
from moderation.releases.lifecycle import standing
from norms import NormPack
from storage import CommunitySummary, Release, ReleaseDetail, ReleasePage

__all__ = [
    "STATUS_LABELS",
    "community_json",
    "iso",
    "pack_json",
    "release_detail_json",
    "release_page_json",
    "release_summary_json",
]

STATUS_LABELS = {
    "announced": "announced",
    "in_review": "in review",
    "endorsed": "endorsed",
    "changes_requested": "changes requested",
    "flagged": "flagged",
    "resolved": "resolved",
    "removed": "removed",
    "withdrawn": "withdrawn (not a release)",
}

_CHECK_KEYS_SHOWN_ELSEWHERE = {"id", "need", "title", "severity", "description", "fix", "question", "answers", "when"}


def iso(at: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z (SQLite hands back naive datetimes; everything stored is UTC)."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def community_json(c: CommunitySummary) -> dict[str, Any]:
    """A community on the front page."""
    return {"slug": c.slug, "name": c.name, "releases": c.releases, "by_status": c.by_status}


def release_summary_json(r: Release, creator: str | None = None, *, upheld: int = 0) -> dict[str, Any]:
    """A release in a listing (or as a lineage link); `upheld` flags turn its badge from green to amber and
    say so (lifecycle `standing`): an endorsed release with an upheld flag is not shown as plainly endorsed."""
    shown = standing(r.status, ["upheld"] * upheld)
    out: dict[str, Any] = {
        "id": r.id,
        "ref": f"R{r.id}",
        "model_name": r.model_name,
        "version": r.version,
        "model_type": r.model_type,
        "base_model": r.base_model,
        "status": r.status,
        "status_label": STATUS_LABELS.get(r.status, r.status),
        "standing": {"label": shown.label if upheld else STATUS_LABELS.get(r.status, r.status), "tone": shown.tone},
        "upheld_flags": upheld,
        "created_at": iso(r.created_at),
    }
    if creator is not None:
        out["creator"] = creator
    return out


def release_page_json(page: ReleasePage, *, number: int, per_page: int) -> dict[str, Any]:
    """A page of a listing with its position."""
    pages = max(1, -(-page.total // per_page))
    return {
        "releases": [release_summary_json(r, creator, upheld=page.upheld.get(r.id, 0)) for r, creator in page.releases],
        "total": page.total,
        "page": number,
        "per_page": per_page,
        "pages": pages,
    }


def _fields(r: Release) -> dict[str, Any]:
    """The stored `ReleaseFields` JSON, as stated in the announcement (absent fields omitted)."""
    return {k: v for k, v in r.fields_json.items() if v not in (None, [], {}, "")}


def release_detail_json(d: ReleaseDetail, titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One release in full, as the public may see it; `titles` names norms (from the pack in force)."""
    titles = titles or {}
    r = d.release
    out = release_summary_json(r, d.creator, upheld=sum(1 for f in d.resolved_flags if f.outcome == "upheld"))
    out.update(
        fields=_fields(r),
        review_due_at=iso(r.review_due_at),
        updated_at=iso(r.updated_at),
        announcements=[
            {"platform": a.platform, "url": a.url, "text": a.text, "posted_at": iso(a.created_at)}
            for a in d.announcements
        ],
        norm_check=None
        if d.check is None
        else {
            "pack_id": d.check.pack_id,
            "pack_version": d.check.pack_version,
            "pack_digest": d.check.pack_digest,
            "trigger": d.check.trigger,
            "checked_at": iso(d.check.created_at),
            "results": [
                {
                    "norm_id": n.norm_id,
                    "title": titles.get(n.norm_id),
                    "need": n.need,
                    "severity": n.severity,
                    "outcome": n.outcome,
                    "evidence": human_evidence(n.evidence, 300),
                }
                for n in d.results
            ],
        },
        endorsements=d.endorsements,
        reviews=[
            {
                "reviewer": v.reviewer,
                "updated_at": iso(v.updated_at),
                "answers": [{"norm_id": n, "answer": a, "note": note} for n, a, note in v.answers],
            }
            for v in d.reviews
        ],
        resolved_flags=[
            {"norm_id": f.norm_id, "outcome": f.outcome, "moderator_note": f.note, "resolved_at": iso(f.resolved_at)}
            for f in d.resolved_flags
        ],
        lineage={
            "previous_version": release_summary_json(d.previous) if d.previous else None,
            "next_versions": [release_summary_json(x) for x in d.next_versions],
            "parents": [release_summary_json(x) for x in d.parents],
            "parents_not_in_registry": d.unresolved_parents,
            "children": [release_summary_json(x) for x in d.children],
        },
        claims=[
            {"kind": c.kind, "value": c.value, "claimed_at": iso(c.created_at), "signed": c.receipt is not None}
            for c in d.claims
        ],
    )
    return out


def _duration(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def pack_json(pack: NormPack, *, origin: str, revision: int | None) -> dict[str, Any]:
    """A norm pack, readable: every norm with what it checks, grouped by nothing (templates group by need)."""
    r = pack.review
    return {
        "id": pack.id,
        "version": pack.version,
        "title": pack.title,
        "digest": pack.digest,
        "origin": origin,
        "revision": revision,
        "extends": list(pack.extends),
        "switched_off": list(pack.switched_off),
        "review": {
            "window": _duration(r.window),
            "quorum": r.quorum,
            "reviewers": list(r.reviewers),
            "reminders": [_duration(x) for x in r.reminders],
            "flag_threshold": r.flag_threshold,
            "escalate_after": _duration(r.escalate_after),
            "digest": r.digest,
        },
        "norms": [
            {
                "id": n.id,
                "title": n.title,
                "need": n.need,
                "severity": n.severity,
                "description": n.description,
                "fix": n.fix,
                "question": n.question,
                "answers": list(n.answers),
                "checks": list(n.check_kinds),
                "when": _plain(n.config.get("when")),
                "settings": {k: _plain(v) for k, v in n.config.items() if k not in _CHECK_KEYS_SHOWN_ELSEWHERE},
                "details": [
                    f"{k}: {setting_text(v)}" for k, v in n.config.items() if k not in _CHECK_KEYS_SHOWN_ELSEWHERE
                ],
            }
            for n in pack.norms
        ],
    }


def _plain(value: Any) -> Any:
    """Resolved YAML as JSON-safe data (tuples to lists, odd scalars to text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
