"""Cards the core shows: review prompts, nudges, alerts, release pages. Plain text only; adapters escape.

User-supplied text (model names, reasons, notes) is cut to a sane length here so that no adapter can be
made to post a wall of text; escaping for markup and mention suppression is the adapters' job. Cuts fall
on a word boundary with an ellipsis, so a reason never ends mid-word ("no license state…").

What creators and members read of a norm is its title and its fix, never its machinery: a `forbid`
pattern or a check's configuration belongs in the details view (`/norms show <id>`, the registry's norms
page), so evidence is shown through `human_evidence`, which drops any pattern a stored result carries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.kernel import buttons
from moderation.kernel.actions import Button, Card
from moderation.kernel.commands import Phrasing
from moderation.releases.lifecycle import Standing
from storage import Flag, NormResult, Release

__all__ = [
    "ICON",
    "NormHelp",
    "PromptData",
    "clip",
    "endorsement_text",
    "how_to_review",
    "human_evidence",
    "nudge_card",
    "prompt_buttons",
    "prompt_card",
    "prompt_footer",
    "release_ref",
    "results_lines",
    "setting_text",
    "thread_intro",
    "withdrawn_card",
]

ICON = {"pass": "✅", "fail": "❌", "needs_review": "❓", "not_applicable": "➖"}


_PATTERN_TAIL = re.compile(r" matches /.*$")
_NO_MATCH = re.compile(r"no value matches /.*$")
"""What results stored before evidence was made human carry: `files: '.ckpt' matches /(?i)\\.(ckpt|…)$/`."""


def clip(text: str | None, limit: int = 120) -> str:
    """One line of user text, at most `limit` characters, cut at a word boundary with an ellipsis.

    Why a word boundary: a cut word reads as a different word ("no license state…"); a single word
    longer than most of the limit (a URL, a hash) is still cut inside, as there is no better place."""
    if not text:
        return ""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    space = head.rfind(" ")
    if flat[limit - 1].isalnum() and head[-1:].isalnum() and space >= limit // 2:  # inside a word: back up
        head = head[:space]
    return head.rstrip(" ,;:.-—") + "…"


def human_evidence(evidence: str | None, limit: int = 120) -> str:
    """A norm result's evidence as a person reads it: each item without a regex pattern, clipped on a word."""
    if not evidence:
        return ""
    items = [
        _PATTERN_TAIL.sub("", _NO_MATCH.sub("not in the expected form", item.strip())) for item in evidence.split("; ")
    ]
    return clip("; ".join(i for i in items if i), limit)


def setting_text(value: object) -> str:
    """A norm's check setting as people read it in a details view (`files (?i)\\.(ckpt|pt)$`, `yes`), never a
    Python repr such as `{'files': …}` or `True`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{k} {setting_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(setting_text(v) for v in value)
    return str(value)


def endorsement_text(count: int, quorum: int, status: str) -> str:
    """Endorsements as a sentence that cannot mislead: `1 of 2 needed`, `3 (quorum 2 reached)`, or a met
    quorum that does not endorse because the release is held (`… not endorsed while changes requested`).

    Why not `3/2`: a fraction over 1 reads like a bug, and a met quorum on a held release is not endorsement."""
    if count < quorum:
        return f"{count} of {quorum} needed"
    if status == "endorsed":
        return f"{count} (quorum {quorum} reached)"
    if status in ("changes_requested", "flagged", "removed", "withdrawn"):
        return f"{count} (quorum {quorum} met; not endorsed while {status.replace('_', ' ')})"
    return f"{count} (quorum {quorum} met)"


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
        shown = human_evidence(r.evidence, 100) if r.outcome == "fail" else ""
        evidence = f" — {shown}" if shown else ""
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
    upheld: tuple[str, ...] = ()
    """One line per upheld flag (`F3 own-no-reupload (block)`): the outcome stays on the prompt."""
    standing: Standing | None = None


UPHELD_COLOURED = frozenset({"announced", "in_review", "endorsed", "resolved"})
"""States whose prompt takes the `upheld` colour (amber) when a flag on the release was upheld; the others
(changes requested, flagged, removed, withdrawn) already have a colour that is not green."""


def prompt_footer(release: Release, phrasing: Phrasing, *, in_thread: bool = False) -> str:
    """How to take part, in the words of the platform the prompt is shown on.

    Why per platform: Discord slash commands cannot be replies, so "reply with /endorse" is advice that
    cannot be followed there; its prompts open a review thread, in which commands act on the release. A
    prompt that already sits in a thread (an announcement in a forum post) opened none: there the release
    option is the way. Telegram commands reply to the announcement or the prompt."""
    ref = release_ref(release)
    endorse, flag, review = phrasing.ref("endorse"), phrasing.ref("flag"), phrasing.ref("review")
    details = f"Details: {phrasing.ref('release show')} {ref}"
    if phrasing.targeting == "thread" and in_thread:
        return (
            f"Endorse, flag or review with the buttons, or with {endorse} release:{ref} ({flag}, {review}). {details}"
        )
    if phrasing.targeting == "thread":
        return (
            f"Endorse, flag or review with the buttons, or type {endorse}, {flag} or {review} in this prompt's "
            f"review thread; elsewhere, choose {ref} in the release option. {details}"
        )
    if phrasing.targeting == "reply":
        return (
            f"Endorse, flag or review with the buttons, or reply to the announcement or this prompt with "
            f"{endorse}, {flag} <norm> <reason> or {review}. {details}"
        )
    return f"Endorse, flag or review with the buttons, or reply: {endorse}, {flag} <norm> <reason>, {review}. {details}"


def how_to_review(release: Release, phrasing: Phrasing) -> str:
    """One sentence on endorsing or reviewing a release from a chat message (reminders), per platform."""
    endorse, review = phrasing.ref("endorse"), phrasing.ref("review")
    if phrasing.targeting == "thread":
        return (
            f"Use {endorse} or {review} in its review thread, or choose {release_ref(release)} in the release option."
        )
    return f"Reply to the announcement with {endorse} or {review}."


def thread_intro(release: Release, phrasing: Phrasing) -> Card:
    """The first message in a release's review thread: commands typed here act on this release. Where it
    lands is recorded under `thread:<id>`, which is how the core knows the thread is the release's."""
    ref = release_ref(release)
    names = ", ".join(phrasing.ref(n) for n in ("endorse", "flag", "review", "release show"))
    return Card(
        title=f"Review thread for {ref}: {title_of(release)}",
        body=f"Commands typed in this thread act on {ref} without naming it: {names}. "
        "The buttons are on the prompt above.",
        status=release.status,
    )


def prompt_card(d: PromptData, phrasing: Phrasing, *, in_thread: bool = False) -> Card:
    """The review prompt: what the check found, how far review has come, and how to take part (worded for
    the platform it is shown on; `in_thread`: the prompt itself sits in a thread, so it opened none)."""
    rel = d.release
    passed = sum(1 for r in d.results if r.outcome == "pass")
    failed = sum(1 for r in d.results if r.outcome == "fail")
    questions = sum(1 for r in d.results if r.outcome == "needs_review")
    status_text = d.standing.label if d.standing is not None else rel.status.replace("_", " ")
    fields: list[tuple[str, str]] = [
        ("Status", status_text),
        ("Endorsements", endorsement_text(d.endorsements, d.quorum, rel.status)),
        ("Norm check", f"{d.pack_label}: {passed} passed, {failed} failed, {questions} for reviewers"),
    ]
    for label, value in (("Type", rel.model_type), ("Base model", rel.base_model)):
        if value:
            fields.append((label, clip(value, 60)))
    if d.open_flags:
        fields.append(("Open flags", str(d.open_flags)))
    if d.upheld:
        fields.append(("Upheld flags", clip(", ".join(d.upheld), 200)))
    body_lines = results_lines(d.results)
    body = "\n".join(body_lines[:12]) if body_lines else "All automatic checks passed."
    # The colour follows the standing: an endorsed release with an upheld flag is not painted green.
    colour = "upheld" if d.standing is not None and d.upheld and rel.status in UPHELD_COLOURED else rel.status
    if d.note:
        body = f"{clip(d.note, 300)}\n{body}"
    return Card(
        title=f"Review {release_ref(rel)}: {title_of(rel)} by {clip(d.creator, 40)}",
        body=body,
        fields=tuple(fields),
        status=colour,
        footer=prompt_footer(rel, phrasing, in_thread=in_thread),
    )


def prompt_buttons(release: Release) -> tuple[Button, ...]:
    """Endorse / Flag / Review, carrying the release id in a versioned payload."""
    return (
        Button("Endorse", buttons.encode("endorse", release.id), "success"),
        Button("Flag", buttons.encode("flag", release.id), "danger"),
        Button("Review", buttons.encode("review", release.id), "primary"),
    )


@dataclass(frozen=True, slots=True)
class NormHelp:
    """What a person is told about a norm: its title and how to meet it (from the pack in force)."""

    title: str
    fix: str | None = None


def nudge_card(release: Release, failures: Sequence[tuple[NormResult, NormHelp | str | None]]) -> Card:
    """What a creator should fix, norm by norm: the norm's title, what was found and the fix, in words.

    The norm id is there so the creator can ask for details (`/norms show <id>`), where the pattern is."""
    lines = []
    for result, help_ in failures:
        note = help_ if isinstance(help_, NormHelp) else NormHelp(result.norm_id, help_)
        found = human_evidence(result.evidence, 120)
        line = f"❌ {clip(note.title, 80)} ({result.severity}, {result.norm_id})"
        if found:
            line += f"\n   Found: {found}"
        if note.fix:
            line += f"\n   How to fix: {clip(note.fix, 200)}"
        lines.append(line)
    first = failures[0][0].norm_id if failures else "<id>"
    return Card(
        title=f"Your release {release_ref(release)} ({title_of(release)}) misses some community norms",
        body="\n".join(lines),
        footer=f"Fix it with /release edit {release_ref(release)} <field> <value>, by editing your announcement, "
        f"or by posting a corrected one. What a norm checks: /norms show {first}. Reviewers see the same list.",
        status=release.status,
    )


def flag_line(flag: Flag, *, show_reason: bool = True) -> str:
    """`F3 credit-base-model: open — no base model named` (never shows who reported it)."""
    reason = f" — {clip(flag.reason, 100)}" if show_reason else ""
    note = f" (moderator: {clip(flag.resolution_note, 80)})" if flag.resolution_note else ""
    return f"F{flag.id} {flag.norm_id}: {flag.status}{reason}{note}"


def withdrawn_card(release: Release, phrasing: Phrasing) -> Card:
    """What a withdrawn release's review prompt becomes: a short note, no buttons. The way back is worded per
    platform: Discord marks a message from its menu (slash commands cannot be replies)."""
    if phrasing.targeting == "thread":
        undo = "Marked by mistake? Open the announcement's menu: Apps → Mark as release."
    else:
        undo = f"Marked by mistake? Reply to the announcement with {phrasing.ref('markrelease')}."
    return Card(
        title=f"{release_ref(release)} withdrawn: not a release",
        body="A moderator or the author marked this message as not a release, so its review is closed. "
        "Its endorsements, flags and checks are kept.",
        status=release.status,
        footer=undo,
    )
