"""One path for "a release's content changed": an edited announcement, a corrected repost, `/release edit`.

Whatever the way in, the same things happen, in one unit of work:

1. the new fields are compared with the stored ones, field by field (nothing changed: nothing happens, which
   makes a redelivered edit or a repeated command harmless);
2. the release takes the new fields (its name and version stay: a new version is a new release), and the
   change is audited with every field's before and after;
3. if what members vouched for changed (`ENDORSED_FIELDS`: hashes, links, files, base model, license), the
   endorsements and reviews given to the old content are dropped, as a new version would start without
   them: an endorsed release goes back to review with a fresh window, the endorsers and reviewers are told,
   and the drop is audited with their accounts;
4. the norm check runs again with its consequences (a `block` failure moves the release), and provenance
   sees the new hashes and links (claims, and a re-upload alert when someone else claimed one first);
5. the caller gets a card that says what changed, and every review prompt is edited in place with it.

Why drop endorsements rather than keep them: an endorsement is given to the content shown at the time. If
a creator could swap the hash or the download link after quorum, the release would stay "endorsed" for a
file nobody looked at ("endorse, then swap"). policy-bot does the same for pull requests: a new commit
invalidates approvals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from moderation.jobs import schedule_release_jobs
from moderation.kernel.actions import Action, Card, DirectMessage
from moderation.kernel.events import ChatRef
from moderation.kernel.i18n import N_, _, localized, ngettext, translate
from moderation.releases.cards import NormHelp, clip, human_evidence, release_ref, severity_label, title_of
from moderation.releases.lifecycle import status_label
from moderation.releases.reviewing import check_release, refresh_prompts, set_status, settle_after_check
from norms import NormPack
from norms.fields import FIELD_NAMES, ReleaseFields
from storage import Account, NormResult, Release, Tx, personal

if TYPE_CHECKING:
    from moderation.kernel.services import Services

__all__ = [
    "CHANGE_TRIGGERS",
    "ENDORSED_FIELDS",
    "ContentChange",
    "FieldChange",
    "change_card",
    "change_content",
    "diff_fields",
    "overlay",
    "restated",
]

ENDORSED_FIELDS = ("hashes", "links", "files", "base_model", "license")
"""Fields whose change voids the endorsements and reviews given before it: what a member checked."""

CHANGE_TRIGGERS = {
    "edit": "/release edit",
    "message_edit": N_("the edited announcement"),
    "repost": N_("a corrected announcement"),
}
"""Norm-check triggers of a content change, and how people are told where the change came from."""

_COMPARED = tuple(n for n in FIELD_NAMES if n != "version")
_LABELS = {
    "base_model": N_("base model"),
    "model_type": N_("type"),
    "trigger_words": N_("trigger words"),
    "model_name": N_("name"),
    "links": N_("links"),
    "license": N_("license"),
    "nsfw": N_("nsfw"),
    "hashes": N_("hashes"),
    "parents": N_("parents"),
    "files": N_("files"),
}


def _label(name: str) -> str:
    """A field's name as people read it, in the current language."""
    known = _LABELS.get(name)
    return translate(known) if known is not None else name


def _trigger(trigger: str) -> str:
    known = CHANGE_TRIGGERS.get(trigger)
    return translate(known) if known is not None else trigger


def _shown(fields: ReleaseFields, name: str) -> str:
    """A field's value as people read it in a diff line ("" when not stated)."""
    value = getattr(fields, name)
    if not fields.is_present(name):
        return ""
    if name == "links":
        return " ".join(link.url for link in value)
    if name == "hashes":
        return " ".join(h.value for h in value)
    if name == "files":
        return " ".join(f.name for f in value)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that changed: its name and both values as shown to people ("" = not stated)."""

    name: str
    before: str
    after: str

    @property
    def line(self) -> str:
        """`license: (none) → openrail++`"""
        none = _("(none)")
        return f"{_label(self.name)}: {clip(self.before, 90) or none} → {clip(self.after, 90) or none}"


def diff_fields(old: ReleaseFields, new: ReleaseFields) -> list[FieldChange]:
    """The fields whose values differ (order-insensitive for lists; hashes and links case-insensitive)."""

    def key(fields: ReleaseFields, name: str) -> object:
        value = getattr(fields, name)
        if name == "hashes":
            return frozenset((h.kind, h.value.lower()) for h in value)
        if name == "links":
            return frozenset(link.url.rstrip("/").lower() for link in value)
        if isinstance(value, tuple):
            return frozenset(value)
        return value if fields.is_present(name) else None

    changed = [name for name in _COMPARED if key(old, name) != key(new, name)]
    return [FieldChange(name, _shown(old, name), _shown(new, name)) for name in changed]


def restated(current: ReleaseFields, before: ReleaseFields, after: ReleaseFields) -> ReleaseFields:
    """An edited announcement: `before` and `after` are what the message stated before and after the edit.

    Only what the edit changed is applied to the release (a field the message never stated, set with
    `/release edit`, stays), and a field the edit removed is removed. Both sides come from the same
    extractor, so a field changes only because the words did."""
    data = current.to_json()
    for name in _COMPARED:
        if _shown(before, name) == _shown(after, name):
            continue
        if name == "model_name" and not after.model_name:
            continue  # a release keeps a name
        new_value = after.to_json().get(name)
        if new_value is None:
            data.pop(name, None)
        else:
            data[name] = new_value
    return ReleaseFields.from_json(data)


def overlay(current: ReleaseFields, stated: ReleaseFields) -> ReleaseFields:
    """A corrected repost: every field the repost states replaces the release's; unstated ones stay (a
    shorter cross-post elsewhere does not erase what the first announcement said)."""
    data = current.to_json()
    for name, value in stated.to_json().items():
        if name in _COMPARED:
            data[name] = value
    return ReleaseFields.from_json(data)


@dataclass
class ContentChange:
    """What `change_content` did, for the caller to show."""

    release: Release
    trigger: str
    changes: list[FieldChange]
    text_changed: bool
    status_before: str
    results: list[NormResult]
    fixes: dict[str, NormHelp]
    endorsers: list[Account] = field(default_factory=list)
    reviewers: list[Account] = field(default_factory=list)
    version_note: str | None = None
    actions: list[Action] = field(default_factory=list)  # DMs to endorsers, provenance notices, prompt edits

    @property
    def voided(self) -> list[str]:
        """The endorsed fields that changed."""
        return [c.name for c in self.changes if c.name in ENDORSED_FIELDS]

    @property
    def summary(self) -> str:
        """One line for the review prompt: what changed and what it cost."""
        names = ", ".join(_label(c.name) for c in self.changes) or _("its wording")
        text = "✏️ " + _("Changed by {source}: {names}.").format(source=_trigger(self.trigger), names=names)
        if self.endorsers or self.reviewers:
            text += " " + _("{counted} of the old content were reset.").format(
                counted=_counted(len(self.endorsers), len(self.reviewers))
            )
        return text


def _counted(endorsers: int, reviewers: int) -> str:
    """`2 endorsements and 1 review` (only what there was)."""
    parts = []
    if endorsers:
        parts.append(ngettext("{n} endorsement", "{n} endorsements", endorsers).format(n=endorsers))
    if reviewers:
        parts.append(ngettext("{n} review", "{n} reviews", reviewers).format(n=reviewers))
    return _(" and ").join(parts)


def change_card(change: ContentChange) -> Card:
    """What the creator (or the moderator who edited) is told: the diff, the reset, the new check."""
    release = change.release
    lines = [c.line for c in change.changes] or [_("The wording changed; no field did.")]
    if change.endorsers or change.reviewers:
        lines.append(
            _(
                "Because the {fields} changed, the {counted} given to the old content were reset; those members "
                "were told."
            ).format(
                fields=", ".join(_label(n) for n in change.voided),
                counted=_counted(len(change.endorsers), len(change.reviewers)),
            )
        )
    if change.status_before != release.status:
        lines.append(
            _("Status: {before} → {after}.").format(
                before=status_label(change.status_before), after=status_label(release.status)
            )
        )
    failures = [r for r in change.results if r.outcome == "fail" and r.severity != "info"]
    if failures:
        lines.append(_("Still missing:"))
        for r in failures:
            help_ = change.fixes.get(r.norm_id) or NormHelp(r.norm_id)
            found = human_evidence(r.evidence, 120)
            how = " " + _("How to fix: {fix}").format(fix=clip(localized(help_.fix), 160)) if help_.fix else ""
            lines.append(
                f"❌ {clip(localized(help_.title), 80)} ({severity_label(r.severity)}, {r.norm_id})"
                f"{': ' + found if found else ''}.{how}"
            )
    else:
        lines.append(_("It now meets every automatic norm."))
    if change.version_note:
        lines.append(change.version_note)
    return Card(
        _("{ref} ({title}) updated from {source}").format(
            ref=release_ref(release), title=title_of(release), source=_trigger(change.trigger)
        ),
        "\n".join(lines),
        status=release.status,
        footer=_("Details: /release show {ref}").format(ref=release_ref(release)),
    )


def _voided_card(release: Release, what: str, fields: Sequence[str]) -> Card:
    names = ", ".join(_label(n) for n in fields)
    ref, title = release_ref(release), title_of(release)
    if what == "endorsement":
        heading = _("{ref} changed after your endorsement").format(ref=ref)
        body = _(
            "{title}: its {fields} changed after you looked at it, so your endorsement was reset. Look at it again "
            "and endorse it if it still deserves it."
        ).format(title=title, fields=names)
    else:
        heading = _("{ref} changed after your review").format(ref=ref)
        body = _(
            "{title}: its {fields} changed after you looked at it, so your review was reset. Look at it again and "
            "review it if it still deserves it."
        ).format(title=title, fields=names)
    return Card(heading, body, status=release.status, footer=_("What it says now: /release show {ref}").format(ref=ref))


async def change_content(
    services: Services,
    tx: Tx,
    release: Release,
    pack: NormPack,
    new_fields: ReleaseFields,
    *,
    actor: Account,
    actor_ref: str,
    trigger: str,
    now: datetime,
    chat: ChatRef | None = None,
    text: str | None = None,
    text_counts: bool = False,
    announcement_id: int | None = None,
) -> ContentChange | None:
    """Apply new content to `release` inside the caller's unit of work (see the module docstring); None when
    nothing changed. `text` is the message's new wording (kept as the release's text when it changed;
    with `text_counts` a change of wording alone re-runs the check); `chat` is where members who cannot be
    messaged privately are told."""
    await tx.releases.lock(release)  # an endorsement in flight either lands before the drop or sees the change
    old = ReleaseFields.from_json(release.fields_json)
    # Identity stays: a different version is a new release, and `extra` holds what provenance read.
    new = replace(new_fields, version=old.version, extra=old.extra, model_name=new_fields.model_name or old.model_name)
    changes = diff_fields(old, new)
    new_text = text[:20000] if text is not None else None
    text_changed = new_text is not None and new_text != release.text
    if not changes and not (text_changed and text_counts):
        return None
    await _store_content(tx, release, old, new, changes, new_text if text_changed else None, actor_ref, trigger, now)
    change = ContentChange(release, trigger, changes, text_changed, release.status, [], {})
    if change.voided:
        await _void_endorsements(tx, change, pack, actor_ref, now)
    change.results, change.fixes = await _recheck(services, tx, release, pack, trigger, actor, now)
    creator = await tx.accounts.get(release.creator_id) or actor
    change.actions.extend(
        await services.hooks.after_content_change(
            services, tx, release, creator, old, new, now, announcement_id=announcement_id, text=new_text
        )
    )
    change.actions.extend(_tell_voided(change, actor, chat))
    change.actions.extend(await refresh_prompts(tx, release, pack, phrasing=services.phrasing, note=change.summary))
    return change


async def _store_content(
    tx: Tx,
    release: Release,
    old: ReleaseFields,
    new: ReleaseFields,
    changes: Sequence[FieldChange],
    new_text: str | None,
    actor_ref: str,
    trigger: str,
    now: datetime,
) -> None:
    """Step 2: the release takes the new fields (and `new_text`, the changed wording, if any); audited with
    every field's before and after."""
    release.fields_json = new.to_json()
    release.model_type, release.base_model = new.model_type, new.base_model
    if new.model_name and new.model_name != old.model_name:
        release.model_name = clip(new.model_name, 200)
    if new_text is not None:
        release.text = new_text
    release.updated_at = now
    await tx.audit_log.append(
        release.community_id,
        actor=actor_ref,
        action="release.edited",
        subject=release_ref(release),
        payload={
            "trigger": trigger,
            # Values are what a person wrote: `personal`, so forget-me can drop them and the chain still verifies.
            "changes": {
                c.name: {"from": personal(clip(c.before, 300)), "to": personal(clip(c.after, 300))} for c in changes
            },
            "text_changed": new_text is not None,
        },
        at=now,
    )


async def _void_endorsements(tx: Tx, change: ContentChange, pack: NormPack, actor_ref: str, now: datetime) -> None:
    """Step 3: drop the endorsements and reviews of the old content (into `change`); an endorsed release goes
    back to review with a fresh window."""
    release = change.release
    ref = release_ref(release)
    change.endorsers = await tx.endorsements.drop(release.id)
    change.reviewers = await tx.reviews.drop(release.id)
    if change.endorsers or change.reviewers:
        await tx.audit_log.append(
            release.community_id,
            actor=actor_ref,
            action="release.endorsements_reset",
            subject=ref,
            payload={
                "fields": change.voided,
                "endorsements": [f"{a.platform}:{a.user_id}" for a in change.endorsers],
                "reviews": [f"{a.platform}:{a.user_id}" for a in change.reviewers],
            },
            at=now,
        )
    if release.status == "endorsed" and await set_status(tx, release, "in_review", now):
        await tx.audit_log.append(
            release.community_id,
            actor="normbot",
            action="release.status",
            subject=ref,
            payload={"from": "endorsed", "to": "in_review", "note": "endorsed content changed"},
            at=now,
        )
        await schedule_release_jobs(tx, release, pack, now)  # a fresh window to look at the new content


async def _recheck(
    services: Services, tx: Tx, release: Release, pack: NormPack, trigger: str, actor: Account, now: datetime
) -> tuple[list[NormResult], dict[str, NormHelp]]:
    """Step 4's norm check on the new content, with its consequences (a `block` failure moves the release)."""
    results, fixes = await check_release(services, tx, release, pack, trigger=trigger, actor_id=actor.id, now=now)
    checked_from = release.status
    await settle_after_check(tx, release, pack, results, now)
    await tx.audit_log.append(
        release.community_id,
        actor="normbot",
        action="release.checked",
        subject=release_ref(release),
        payload={"pack": pack.digest, "status": release.status, "trigger": trigger, "from": checked_from},
        at=now,
    )
    return results, fixes


def _tell_voided(change: ContentChange, actor: Account, chat: ChatRef | None) -> list[DirectMessage]:
    """One DM per member whose endorsement or review was reset (once each, never the one who changed it)."""
    told: set[int] = {actor.id}
    out: list[DirectMessage] = []
    for accounts, what in ((change.endorsers, "endorsement"), (change.reviewers, "review")):
        for account in accounts:
            if account.id in told:
                continue
            told.add(account.id)
            card = _voided_card(change.release, what, change.voided)
            out.append(DirectMessage(account.platform, account.user_id, card, fallback_chat=chat))
    return out
