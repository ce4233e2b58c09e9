"""Cards the core shows: review prompts, nudges, alerts, release pages. Plain text only; adapters escape.

User-supplied text (model names, reasons, notes) is cut to a sane length here so that no adapter can be
made to post a wall of text; escaping for markup and mention suppression is the adapters' job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from moderation import buttons
from moderation.actions import Button, Card
from storage import Flag, NormResult, Release

__all__ = [
    "ICON",
    "PromptData",
    "clip",
    "nudge_card",
    "prompt_buttons",
    "prompt_card",
    "release_ref",
    "results_lines",
    "withdrawn_card",
]

ICON = {"pass": "✅", "fail": "❌", "needs_review": "❓", "not_applicable": "➖"}


def clip(text: str | None, limit: int = 120) -> str:
    """One line of user text, at most `limit` characters."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def release_ref(release: Release) -> str:
    """The short id people type: R12."""
    return f"R{release.id}"


def title_of(release: Release) -> str:
    """`Neon Dreams v2` (name and version, clipped)."""
    version = ""
    if release.version:
        shown = clip(release.version, 30)
        version = f" {shown}" if shown[:1] in "vV" else f" v{shown}"
    return f"{clip(release.model_name, 80)}{version}"


def results_lines(results: Sequence[NormResult], *, include_pass: bool = False) -> list[str]:
    """One line per norm result worth showing (failures and questions first)."""
    order = {"fail": 0, "needs_review": 1, "pass": 2, "not_applicable": 3}
    lines = []
    for r in sorted(results, key=lambda r: (order.get(r.outcome, 9), r.norm_id)):
        if r.outcome == "not_applicable" or (r.outcome == "pass" and not include_pass):
            continue
        evidence = f" — {clip(r.evidence, 100)}" if r.evidence and r.outcome == "fail" else ""
        lines.append(f"{ICON.get(r.outcome, '•')} {r.norm_id} ({r.severity}){evidence}")
    return lines


@dataclass(frozen=True, slots=True)
class PromptData:
    """Everything a review prompt shows."""

    release: Release
    creator: str
    results: Sequence[NormResult]
    pack_label: str
    endorsements: int
    quorum: int
    open_flags: int
    note: str | None = None  # what changed in the release's content, shown above the results


def prompt_card(d: PromptData) -> Card:
    """The review prompt: what the check found, how far review has come, and how to take part."""
    rel = d.release
    passed = sum(1 for r in d.results if r.outcome == "pass")
    failed = sum(1 for r in d.results if r.outcome == "fail")
    questions = sum(1 for r in d.results if r.outcome == "needs_review")
    fields: list[tuple[str, str]] = [
        ("Status", rel.status.replace("_", " ")),
        ("Endorsements", f"{d.endorsements}/{d.quorum}"),
        ("Norm check", f"{d.pack_label}: {passed} passed, {failed} failed, {questions} for reviewers"),
    ]
    for label, value in (("Type", rel.model_type), ("Base model", rel.base_model)):
        if value:
            fields.append((label, clip(value, 60)))
    if d.open_flags:
        fields.append(("Open flags", str(d.open_flags)))
    body_lines = results_lines(d.results)
    body = "\n".join(body_lines[:12]) if body_lines else "All automatic checks passed."
    if d.note:
        body = f"{clip(d.note, 300)}\n{body}"
    return Card(
        title=f"Review {release_ref(rel)}: {title_of(rel)} by {clip(d.creator, 40)}",
        body=body,
        fields=tuple(fields),
        status=rel.status,
        footer=f"Endorse, flag or review with the buttons, or reply: /endorse, /flag <norm> <reason>, "
        f"/review. Details: /release show {release_ref(rel)}",
    )


def prompt_buttons(release: Release) -> tuple[Button, ...]:
    """Endorse / Flag / Review, carrying the release id in a versioned payload."""
    return (
        Button("Endorse", buttons.encode("endorse", release.id), "success"),
        Button("Flag", buttons.encode("flag", release.id), "danger"),
        Button("Review", buttons.encode("review", release.id), "primary"),
    )


def nudge_card(release: Release, failures: Sequence[tuple[NormResult, str | None]]) -> Card:
    """What a creator should fix, norm by norm, and how."""
    lines = []
    for result, fix in failures:
        how = f"\n   How to fix: {clip(fix, 200)}" if fix else ""
        lines.append(f"❌ {result.norm_id} ({result.severity}): {clip(result.evidence, 120)}{how}")
    return Card(
        title=f"Your release {release_ref(release)} ({title_of(release)}) misses some community norms",
        body="\n".join(lines),
        footer=f"Fix it with /release edit {release_ref(release)} <field> <value>, by editing your announcement, "
        "or by posting a corrected one. Reviewers see the same list.",
        status=release.status,
    )


def flag_line(flag: Flag, *, show_reason: bool = True) -> str:
    """`F3 credit-base-model: open — no base model named` (never shows who reported it)."""
    reason = f" — {clip(flag.reason, 100)}" if show_reason else ""
    note = f" (moderator: {clip(flag.resolution_note, 80)})" if flag.resolution_note else ""
    return f"F{flag.id} {flag.norm_id}: {flag.status}{reason}{note}"


def withdrawn_card(release: Release) -> Card:
    """What a withdrawn release's review prompt becomes: a short note, no buttons."""
    return Card(
        title=f"{release_ref(release)} withdrawn: not a release",
        body="A moderator or the author marked this message as not a release, so its review is closed. "
        "Its endorsements, flags and checks are kept.",
        status=release.status,
        footer="Marked by mistake? Reply to the announcement with /markrelease.",
    )
