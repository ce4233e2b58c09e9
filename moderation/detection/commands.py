"""Commands that teach the detector: /markrelease (an announcement it missed) and /notrelease (one it saw
where there was none).

Each correction is stored as a labelled example of the community (`storage.corrections`), one per message
however often it is made, and audited like every other decision. Who may correct is decided here, not by
the adapters: a moderator, or the person who posted the message (a creator may say "this was my release" or
"this was not one"). The message comes with the command event (`CommandInvoked.replied`: a Telegram reply, a
Discord message context menu, a console `[reply m3]` line).

- `/markrelease` on a missed message registers it exactly as the watcher registers a detected announcement
  (extraction, norm check, jobs, provenance, review prompt), so the community gets its prompt at once. On a
  withdrawn release it brings the release back to review and its prompt back to life.
- `/notrelease` on an announcement or its prompt (or `/notrelease R12`) moves the release to `withdrawn`:
  the prompt becomes a short note without buttons, reminders and escalations are cancelled, and every row
  (checks, endorsements, flags, announcements) stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from moderation.announcements.watcher import announcement_actions, register_announcement
from moderation.extraction import extract
from moderation.jobs import schedule_release_jobs
from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import Param, command
from moderation.kernel.errors import AlreadyDone, BadArgument, NotFound, NotPermitted
from moderation.kernel.events import MessagePosted, RepliedMessage
from moderation.kernel.i18n import N_, _, translate
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import ReleaseRef
from moderation.kernel.permissions import Privilege, resolve_privilege
from moderation.releases.cards import release_ref
from moderation.releases.lifecycle import status_label
from moderation.releases.reviewing import check_release, refresh_prompts, set_status, settle_after_check
from norms.fields import ReleaseFields
from storage import Correction, Release

if TYPE_CHECKING:
    from moderation.kernel.events import ChatRef, CommandInvoked
    from moderation.kernel.services import Services

__all__ = ["MARK_RELEASE", "NOT_RELEASE"]

MARK_RELEASE = "markrelease"
NOT_RELEASE = "notrelease"
_WHICH = N_("Reply to the message with /markrelease (on Discord: right-click it → Apps → Mark as release).")
_THANKS = N_("I keep this as an example to learn from.")


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What `/markrelease` computes before its unit of work: the fields, and provenance's comparison."""

    message_id: str
    fields: ReleaseFields
    hooked: object


def _as_message(chat: ChatRef, target: RepliedMessage) -> MessagePosted:
    """The replied-to message as the watcher would have seen it."""
    return MessagePosted(
        event_id=f"mark:{chat.chat_id}:{target.message_id}",
        chat=chat,
        message_id=target.message_id,
        author=target.author,
        text=target.text,
        attachments=target.attachments,
        url=target.url,
        at=target.at,
    )


def _names(target: RepliedMessage) -> list[str]:
    return [a.name for a in target.attachments]


async def _prepare_mark(services: Services, event: CommandInvoked) -> object:
    """Extraction and provenance's model call for the message, outside the unit of work. Skipped for anyone
    who will clearly be refused (the handler decides; this only avoids slow work for them)."""
    target = event.replied
    if target is None:
        return None
    resolved = await services.directory.for_chat(event.chat)
    if resolved is None:
        return None
    community, cid, _chat = resolved
    own = (target.author.platform, target.author.user_id) == (event.author.platform, event.author.user_id)
    if not own and resolve_privilege(event.author, community) < Privilege.MODERATOR:
        return None
    fields = extract(target.text, _names(target))
    hooked = await services.hooks.prepare_announcement(services, cid, _as_message(event.chat, target), None)
    return _Prepared(target.message_id, fields, hooked)


async def _require_mod_or_creator(inv: Invocation, release: Release, what: str) -> None:
    if inv.privilege < Privilege.MODERATOR and release.creator_id not in await inv.person_accounts():
        raise NotPermitted(_("Only moderators, or the person who announced it, can {what}.").format(what=what))


async def _correct(inv: Invocation, release: Release, *, is_release: bool) -> list[Correction]:
    """A correction for every announcement of `release` (each was a message the detector judged); each
    change is audited, a repeat is not."""
    out: list[Correction] = []
    for ann in await inv.tx.announcements.of_release(release.id):
        correction = await inv.tx.corrections.record(
            community_id=inv.community_id,
            platform=ann.platform,
            chat_id=ann.chat_id,
            message_id=ann.message_id,
            text=ann.text,
            author_id=ann.author_id,
            is_release=is_release,
            corrected_by=inv.account.id,
            release_id=release.id,
            at=inv.now,
        )
        await _audit(inv, correction, ann.platform, ann.chat_id, ann.message_id, is_release, release.id)
        out.append(correction)
    return out


async def _audit(
    inv: Invocation,
    c: Correction,
    platform: str,
    chat_id: str,
    message_id: str,
    is_release: bool,
    release_id: int,
) -> None:
    if c.outcome == "unchanged":
        return
    await inv.audit(
        "detection.corrected",
        f"{platform}:{chat_id}:{message_id}"[:100],
        {"correction": c.id, "is_release": is_release, "was": c.was_release, "release": release_id},
    )


@command(
    MARK_RELEASE,
    N_("Mark a message the detector missed as a release announcement (reply to it)"),
    prepare=_prepare_mark,
    examples=("Reply to the announcement with /markrelease",),
)
async def mark_release(inv: Invocation) -> list[Action]:
    """Moderators may mark any message, members their own; the message then goes through the announcement
    path, so the community gets its review prompt now."""
    target = inv.replied
    message_id = target.message_id if target is not None else inv.reply_to
    if message_id is None:
        raise BadArgument(_("Which message is the release?"), hint=translate(_WHICH))
    known = await inv.tx.announcements.release_for_message(inv.chat.platform, inv.chat.chat_id, message_id)
    if known is not None:
        release = await inv.tx.releases.get(inv.community_id, known)
        if release is None:
            raise NotFound(_("There is no release {ref} in this community.").format(ref=f"R{known}"))
        await _require_mod_or_creator(inv, release, _("mark it as a release"))
        return await _restore(inv, release)
    if target is None:
        raise BadArgument(_("I can only mark a message a person posted."), hint=translate(_WHICH))
    if not target.text.strip() and not target.attachments:
        raise BadArgument(_("That message has nothing in it I could learn from."))
    author = await inv.tx.accounts.upsert(target.author.platform, target.author.user_id, target.author.name, inv.now)
    if inv.privilege < Privilege.MODERATOR and author.id not in await inv.person_accounts():
        raise NotPermitted(_("Only moderators, or the person who posted it, can mark a message as a release."))
    prepared = inv.prepared if isinstance(inv.prepared, _Prepared) else None
    if prepared is not None and prepared.message_id != target.message_id:
        prepared = None
    fields = prepared.fields if prepared is not None else extract(target.text, _names(target))
    message = _as_message(inv.chat, target)
    with inv.public():  # what registering writes (alerts, the prompt) is for the community's chats
        announced = await register_announcement(
            inv.services,
            inv.tx,
            inv.community,
            inv.community_id,
            message,
            fields,
            prepared.hooked if prepared is not None else None,
            inv.now,
        )
    if announced is None:  # the watcher registered it in the meantime
        raise AlreadyDone(_("That message is already being handled as a release."))
    release = announced.release
    correction = await inv.tx.corrections.record(
        community_id=inv.community_id,
        platform=inv.chat.platform,
        chat_id=inv.chat.chat_id,
        message_id=target.message_id,
        text=target.text[:20000],
        author_id=author.id,
        is_release=True,
        corrected_by=inv.account.id,
        release_id=release.id,
        at=inv.now,
    )
    await _audit(inv, correction, inv.chat.platform, inv.chat.chat_id, target.message_id, True, release.id)
    inv.services.stats["corrections"] += 1
    reply = Reply(
        Card(
            _("Marked as a release: {ref}").format(ref=release_ref(release)),
            _("Its review prompt is posted.") + " " + translate(_THANKS),
            status=release.status,
        ),
        ephemeral=True,
    )
    with inv.public():
        return [reply, *await announcement_actions(inv.services, inv.community.slug, message, announced)]


async def _restore(inv: Invocation, release: Release) -> list[Action]:
    """/markrelease on a message that already announced a release: stores the (confirming) correction; a
    withdrawn release goes back to review, is checked against the norms in force and gets a new window."""
    await _correct(inv, release, is_release=True)
    if release.status != "withdrawn":
        return [
            Reply(
                Card(
                    _("{ref} is already a release").format(ref=release_ref(release)),
                    _("Nothing to change.") + " " + translate(_THANKS),
                ),
                ephemeral=True,
            )
        ]
    if not await set_status(inv.tx, release, "in_review", inv.now):
        raise AlreadyDone(
            _("{ref} changed meanwhile (now {status}); nothing was changed.").format(
                ref=release_ref(release), status=status_label(release.status)
            )
        )
    await inv.audit("release.restored", release_ref(release), {"from": "withdrawn", "to": "in_review"})
    results, _fixes = await check_release(
        inv.services, inv.tx, release, inv.pack, trigger="restore", actor_id=inv.account.id, now=inv.now
    )
    await settle_after_check(inv.tx, release, inv.pack, results, inv.now)
    await schedule_release_jobs(inv.tx, release, inv.pack, inv.now)
    inv.services.stats["corrections"] += 1
    card = Card(
        _("{ref} is a release again").format(ref=release_ref(release)),
        _("It is back in review ({status}) and its prompt is live again.").format(status=status_label(release.status))
        + " "
        + translate(_THANKS),
        status=release.status,
    )
    with inv.public():
        refreshed = await refresh_prompts(inv.tx, release, inv.pack, phrasing=inv.services.phrasing)
    return [Reply(card, ephemeral=True), *refreshed]


@command(
    NOT_RELEASE,
    N_("Mark a release as not a release: its prompt is withdrawn, nothing else is lost"),
    Param(
        "release", N_("The release id, like R12 (or reply to its announcement or prompt)"), ReleaseRef, required=False
    ),
    examples=("/notrelease R12", "Reply to the announcement or its prompt with /notrelease"),
)
async def not_release(inv: Invocation, *, release: ReleaseRef | None) -> list[Action]:
    """Moderators, or the release's creator: the release is withdrawn (rows kept), the prompt edited into a
    note, reminders and flag escalations cancelled, each announcement stored as a negative example."""
    row = await inv.target_release(release)
    await _require_mod_or_creator(inv, row, _("mark it as not a release"))
    await _correct(inv, row, is_release=False)
    if row.status == "withdrawn":
        return [
            Reply(
                Card(
                    _("{ref} was already withdrawn").format(ref=release_ref(row)),
                    _("Nothing to change.") + " " + translate(_THANKS),
                ),
                ephemeral=True,
            )
        ]
    before = row.status
    if not await set_status(inv.tx, row, "withdrawn", inv.now):
        raise AlreadyDone(
            _("{ref} changed meanwhile (now {status}); nothing was changed.").format(
                ref=release_ref(row), status=status_label(row.status)
            )
        )
    cancelled = 0
    for kind in ("review_reminder", "review_deadline"):
        cancelled += await inv.tx.jobs.cancel(kind, str(row.id))
    for flag in await inv.tx.flags.of_release(row.id, "open"):
        cancelled += await inv.tx.jobs.cancel("flag_escalation", str(flag.id))
    await inv.audit(
        "release.withdrawn", release_ref(row), {"from": before, "to": "withdrawn", "jobs_cancelled": cancelled}
    )
    inv.services.stats["corrections"] += 1
    card = Card(
        _("{ref} withdrawn: not a release").format(ref=release_ref(row)),
        _(
            "Its review prompt is withdrawn and its reminders are cancelled; its endorsements, flags and checks "
            "are kept."
        )
        + " "
        + translate(_THANKS),
        status=row.status,
    )
    with inv.public():
        refreshed = await refresh_prompts(inv.tx, row, inv.pack, phrasing=inv.services.phrasing)
    return [Reply(card, ephemeral=True), *refreshed]
