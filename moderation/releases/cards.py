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
from moderation.kernel.i18n import N_, _, localized, translate
from moderation.kernel.phrasing import Phrasing
from moderation.releases.lifecycle import Standing, status_label
from storage import Flag, NormResult, Release

__all__ = [
    "ICON",
    "NormHelp",
    "PromptData",
    "clip",
    "endorsement_text",
    "flag_status_label",
    "how_to_review",
    "human_evidence",
    "nudge_card",
    "prompt_buttons",
    "prompt_card",
    "prompt_footer",
    "release_ref",
    "results_lines",
    "setting_text",
    "severity_label",
    "thread_intro",
    "withdrawn_card",
]

ICON = {"pass": "✅", "fail": "❌", "needs_review": "❓", "not_applicable": "➖"}
SEVERITY_LABELS = {"info": N_("info"), "nudge": N_("nudge"), "warn": N_("warn"), "block": N_("block")}


def severity_label(severity: str) -> str:
    """A norm's severity as people read it, in the current language (the norm file's word stays English)."""
    known = SEVERITY_LABELS.get(severity)
    return translate(known) if known is not None else severity


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
        _PATTERN_TAIL.sub("", _NO_MATCH.sub(_("not in the expected form"), item.strip()))
        for item in evidence.split("; ")
    ]
    return clip("; ".join(i for i in items if i), limit)


def setting_text(value: object) -> str:
    """A norm's check setting as people read it in a details view (`files (?i)\\.(ckpt|pt)$`, `yes`), never a
    Python repr such as `{'files': …}` or `True`."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
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
        return _("{count} of {quorum} needed").format(count=count, quorum=quorum)
    if status == "endorsed":
        return _("{count} (quorum {quorum} reached)").format(count=count, quorum=quorum)
    if status in ("changes_requested", "flagged", "removed", "withdrawn"):
        return _("{count} (quorum {quorum} met; not endorsed while {status})").format(
            count=count, quorum=quorum, status=status_label(status)
        )
    return _("{count} (quorum {quorum} met)").format(count=count, quorum=quorum)


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
        lines.append(f"{ICON.get(r.outcome, '•')} {r.norm_id} ({severity_label(r.severity)}){evidence}")
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
    details = _("Details: {command}").format(command=f"{phrasing.ref('release show')} {ref}")
    if phrasing.targeting == "thread" and in_thread:
        how = _("Endorse, flag or review with the buttons, or with {endorse} release:{ref} ({flag}, {review}).")
    elif phrasing.targeting == "thread":
        how = _(
            "Endorse, flag or review with the buttons, or type {endorse}, {flag} or {review} in this prompt's "
            "review thread; elsewhere, choose {ref} in the release option."
        )
    elif phrasing.targeting == "reply":
        how = _(
            "Endorse, flag or review with the buttons, or reply to the announcement or this prompt with "
            "{endorse}, {flag} <norm> <reason> or {review}."
        )
    else:
        how = _("Endorse, flag or review with the buttons, or reply: {endorse}, {flag} <norm> <reason>, {review}.")
    return how.format(endorse=endorse, flag=flag, review=review, ref=ref) + " " + details


def how_to_review(release: Release, phrasing: Phrasing) -> str:
    """One sentence on endorsing or reviewing a release from a chat message (reminders), per platform."""
    endorse, review = phrasing.ref("endorse"), phrasing.ref("review")
    if phrasing.targeting == "thread":
        return _("Use {endorse} or {review} in its review thread, or choose {ref} in the release option.").format(
            endorse=endorse, review=review, ref=release_ref(release)
        )
    return _("Reply to the announcement with {endorse} or {review}.").format(endorse=endorse, review=review)


def thread_intro(release: Release, phrasing: Phrasing) -> Card:
    """The first message in a release's review thread: commands typed here act on this release. Where it
    lands is recorded under `thread:<id>`, which is how the core knows the thread is the release's."""
    ref = release_ref(release)
    names = ", ".join(phrasing.ref(n) for n in ("endorse", "flag", "review", "release show"))
    return Card(
        title=_("Review thread for {ref}: {title}").format(ref=ref, title=title_of(release)),
        body=_(
            "Commands typed in this thread act on {ref} without naming it: {commands}. "
            "The buttons are on the prompt above."
        ).format(ref=ref, commands=names),
        status=release.status,
    )


def prompt_card(d: PromptData, phrasing: Phrasing, *, in_thread: bool = False) -> Card:
    """The review prompt: what the check found, how far review has come, and how to take part (worded for
    the platform it is shown on; `in_thread`: the prompt itself sits in a thread, so it opened none)."""
    rel = d.release
    passed = sum(1 for r in d.results if r.outcome == "pass")
    failed = sum(1 for r in d.results if r.outcome == "fail")
    questions = sum(1 for r in d.results if r.outcome == "needs_review")
    status_text = d.standing.label if d.standing is not None else status_label(rel.status)
    fields: list[tuple[str, str]] = [
        (_("Status"), status_text),
        (_("Endorsements"), endorsement_text(d.endorsements, d.quorum, rel.status)),
        (
            _("Norm check"),
            _("{pack}: {passed} passed, {failed} failed, {questions} for reviewers").format(
                pack=d.pack_label, passed=passed, failed=failed, questions=questions
            ),
        ),
    ]
    for label, value in ((_("Type"), rel.model_type), (_("Base model"), rel.base_model)):
        if value:
            fields.append((label, clip(value, 60)))
    if d.open_flags:
        fields.append((_("Open flags"), str(d.open_flags)))
    if d.upheld:
        fields.append((_("Upheld flags"), clip(", ".join(d.upheld), 200)))
    body_lines = results_lines(d.results)
    body = "\n".join(body_lines[:12]) if body_lines else _("All automatic checks passed.")
    # The colour follows the standing: an endorsed release with an upheld flag is not painted green.
    colour = "upheld" if d.standing is not None and d.upheld and rel.status in UPHELD_COLOURED else rel.status
    if d.note:
        body = f"{clip(d.note, 300)}\n{body}"
    return Card(
        title=_("Review {ref}: {title} by {creator}").format(
            ref=release_ref(rel), title=title_of(rel), creator=clip(d.creator, 40)
        ),
        body=body,
        fields=tuple(fields),
        status=colour,
        footer=prompt_footer(rel, phrasing, in_thread=in_thread),
    )


def prompt_buttons(release: Release) -> tuple[Button, ...]:
    """Endorse / Flag / Review, carrying the release id in a versioned payload."""
    return (
        Button(_("Endorse"), buttons.encode("endorse", release.id), "success"),
        Button(_("Flag"), buttons.encode("flag", release.id), "danger"),
        Button(_("Review"), buttons.encode("review", release.id), "primary"),
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
        line = f"❌ {clip(localized(note.title), 80)} ({severity_label(result.severity)}, {result.norm_id})"
        if found:
            line += "\n   " + _("Found: {evidence}").format(evidence=found)
        if note.fix:
            line += "\n   " + _("How to fix: {fix}").format(fix=clip(localized(note.fix), 200))
        lines.append(line)
    first = failures[0][0].norm_id if failures else "<id>"
    return Card(
        title=_("Your release {ref} ({title}) misses some community norms").format(
            ref=release_ref(release), title=title_of(release)
        ),
        body="\n".join(lines),
        footer=_(
            "Fix it with {edit}, by editing your announcement, or by posting a corrected one. "
            "What a norm checks: {show}. Reviewers see the same list."
        ).format(edit=f"/release edit {release_ref(release)} <field> <value>", show=f"/norms show {first}"),
        status=release.status,
    )


def flag_line(flag: Flag, *, show_reason: bool = True) -> str:
    """`F3 credit-base-model: open — no base model named` (never shows who reported it)."""
    reason = f" — {clip(flag.reason, 100)}" if show_reason else ""
    note = (
        " (" + _("moderator: {note}").format(note=clip(flag.resolution_note, 80)) + ")" if flag.resolution_note else ""
    )
    return f"F{flag.id} {flag.norm_id}: {flag_status_label(flag.status)}{reason}{note}"


FLAG_STATUS_LABELS = {
    "open": N_("open"),
    "upheld": N_("upheld"),
    "dismissed": N_("dismissed"),
    "escalated": N_("escalated"),
}


def flag_status_label(status: str) -> str:
    """A flag's state as people read it, in the current language."""
    known = FLAG_STATUS_LABELS.get(status)
    return translate(known) if known is not None else status


def withdrawn_card(release: Release, phrasing: Phrasing) -> Card:
    """What a withdrawn release's review prompt becomes: a short note, no buttons. The way back is worded per
    platform: Discord marks a message from its menu (slash commands cannot be replies)."""
    if phrasing.targeting == "thread":
        undo = _("Marked by mistake? Open the announcement's menu: Apps → Mark as release.")
    else:
        undo = _("Marked by mistake? Reply to the announcement with {command}.").format(
            command=phrasing.ref("markrelease")
        )
    return Card(
        title=_("{ref} withdrawn: not a release").format(ref=release_ref(release)),
        body=_(
            "A moderator or the author marked this message as not a release, so its review is closed. "
            "Its endorsements, flags and checks are kept."
        ),
        status=release.status,
        footer=undo,
    )
