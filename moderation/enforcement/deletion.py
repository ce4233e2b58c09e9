"""Optional enforcement (issue 23, item 7): when a release is removed, or a flag under a `block` norm is
upheld, delete every announcement of the release and tell the creator why, with the appeal command.

Why derived from the unit of work's audit events, like the mod log (`moderation.modlog.entries`): `/status R
removed`, `/resolve` and the alert's Uphold button all end in the same audit events (`release.status` to
`removed`; `flag.upheld` with the norm's severity), appended only by the unit of work that really decided. A
replayed event stops at `processed_events` and a second decider loses the compare-and-set, so neither appends
the event, and neither asks for a deletion or writes to the creator twice. One trigger point for every path,
present and future (the registry's forms, appeals reversing a decision), with nothing to remember per path.

Off by default, per community (`CommunityConfig.enforcement`, `/setup enforcement on`): deleting a member's
message is a step some communities leave to people.

What the platform answers comes back as a `DeleteReported` event (`on_delete_reported`): a deletion is
audited once per message (`release.announcement_deleted`); a refusal for want of a permission becomes ONE card
in the moderators' chat per chat (stored as a processed event, so a restart, another replica or the next
removal does not repeat it), naming the permission to grant, and a Telegram message older than 48 hours (which
no bot may delete) one card per message saying so. Never a traceback: the adapters report, the core words it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from moderation.kernel.actions import Action, Card, Delete, Send
from moderation.kernel.community import chats_for
from moderation.kernel.events import ChatRef, DeleteReported
from moderation.kernel.i18n import N_, _, ngettext, translate, using
from moderation.modlog.entries import Line, log_entries, register
from moderation.releases.cards import clip, release_ref, title_of
from moderation.releases.reviewing import notify_creator
from storage import Release, Tx, readable

if TYPE_CHECKING:
    from moderation.kernel.community import CommunityConfig
    from moderation.kernel.services import Services

__all__ = ["TELEGRAM_DELETE_WINDOW", "enforcement_actions", "on_delete_reported"]

TELEGRAM_DELETE_WINDOW = timedelta(hours=48)  # Bot API deleteMessage: "sent less than 48 hours ago"

# What each platform calls the right a bot needs to delete members' messages, and where a moderator grants it.
PERMISSIONS: dict[str, tuple[str, str]] = {
    "discord": (
        "Manage Messages",
        N_("Give normbot's role Manage Messages (Server Settings → Roles, or the channel's permissions)."),
    ),
    "telegram": (
        "can_delete_messages",
        N_("Make normbot an administrator of the group with the right “Delete messages”."),
    ),
}


def _triggers(tx: Tx) -> dict[int, tuple[int, str, dict[str, Any]]]:
    """Releases this unit of work took down, by id: (community id, why, the deciding event's payload).

    Removal by a moderator (`release.status` to removed) or an upheld flag under a block norm (its release
    is then held in changes requested, `moderation.releases.lifecycle.UPHELD`)."""
    found: dict[int, tuple[int, str, dict[str, Any]]] = {}
    for e in list(tx.audit_log.appended):
        payload = e["payload"]
        release_id: int | None = None
        why = ""
        if e["action"] == "release.status" and payload.get("to") == "removed":
            subject = str(e["subject"])
            release_id = int(subject[1:]) if subject[:1] == "R" and subject[1:].isdigit() else None
            why = "removed"
        elif e["action"] == "flag.upheld" and payload.get("severity") == "block":
            release_id = payload.get("release") if isinstance(payload.get("release"), int) else None
            why = f"flag {e['subject']} upheld"
        if release_id is not None:
            found.setdefault(release_id, (int(e["community_id"]), why, payload))
    return found


async def enforcement_actions(services: Services, tx: Tx) -> list[Action]:
    """A `Delete` of every announcement, and a message to the creator, for each release this unit of work
    took down in a community with enforcement on (call inside the unit, after its work, before the mod log,
    which then shows the `release.enforced` line with the decision). Nothing is read from the store unless
    such a decision was made here."""
    triggers = _triggers(tx)
    actions: list[Action] = []
    for release_id, (cid, why, payload) in triggers.items():
        slug = services.directory.slug_of(cid)
        community = services.communities.get(slug) if slug else None
        if community is None or not community.enforcement:
            continue
        release = await tx.releases.get(cid, release_id)
        if release is None:
            continue
        announcements = await tx.announcements.of_release(release.id)
        deletes = [
            Delete(ChatRef(a.platform, a.chat_id, a.thread_id), a.message_id, release_id=release.id)
            for a in announcements
        ]
        await tx.audit_log.append(
            cid,
            actor="normbot",
            action="release.enforced",
            subject=release_ref(release),
            payload={"why": why, "announcements": len(deletes)},
            at=services.clock(),
        )
        actions.extend(deletes)
        note = readable(payload.get("note"))
        creator = await tx.accounts.get(release.creator_id)
        platform = creator.platform if creator is not None else "console"
        card = _creator_card(services, release, why, str(note) if note else "", len(deletes), platform)
        actions.extend(await notify_creator(tx, release, card))
    return actions


def _creator_card(services: Services, release: Release, why: str, note: str, count: int, platform: str) -> Card:
    """Why the announcement went, and how to appeal. The appeal command is `/appeal R12 <text>` (issue 23,
    item 3), spelled as the creator's platform types it. Whole sentences per case, so each language words
    them its own way."""
    ref = release_ref(release)
    if why == "removed":
        gone = ngettext(
            "Its announcement was deleted because a moderator removed the release.",
            "Its {n} announcements were deleted because a moderator removed the release.",
            count,
        )
    else:
        gone = ngettext(
            "Its announcement was deleted because a moderator upheld flag {flag} under a block norm.",
            "Its {n} announcements were deleted because a moderator upheld flag {flag} under a block norm.",
            count,
        )
    flag = why.split(" ")[1] if why.startswith("flag ") else ""
    lines = [
        gone.format(n=count, flag=flag),
        _("This community has normbot delete the announcements of releases taken down."),
        _("Moderator's reason: {reason}").format(reason=clip(note, 300) or _("none given")),
        _(
            "To appeal, send {command} {ref} followed by your reasons in the community's chat; a moderator "
            "decides and you are told."
        ).format(command=services.command_ref(platform, "appeal"), ref=ref),
    ]
    return Card(
        _("Your release {ref} ({title}) was taken down").format(ref=ref, title=title_of(release)),
        "\n".join(lines),
        status=release.status,
        footer=_("Details: /release show {ref}").format(ref=ref),
    )


@register("release.enforced")
def _enforced(e: dict[str, Any], who: str, release: Release | None) -> Line:
    n = int(e["payload"].get("announcements", 0))
    said = ngettext(
        "{ref}: enforcement deletes its announcement and tells the creator",
        "{ref}: enforcement deletes its {n} announcements and tells the creator",
        n,
    )
    return Line("🧹", said.format(ref=e["subject"], n=n))


@register("enforcement.refused")
def _refused_line(e: dict[str, Any], who: str, release: Release | None) -> Line:
    p = e["payload"]
    return Line(
        "⚠️",
        _("enforcement could not delete in {chat}: normbot lacks {permission}").format(
            chat=e["subject"], permission=p.get("permission")
        ),
    )


async def on_delete_reported(services: Services, event: DeleteReported) -> list[Action]:
    """Record what the platform said about a deletion (once per message; a refusal once per chat) and tell
    the moderators when they must act: grant the permission, or delete an old message by hand."""
    platform, chat_id = event.chat.platform, event.chat.chat_id
    now = services.clock()
    async with services.store.transaction() as tx:
        announcement = await tx.announcements.by_message(platform, chat_id, event.message_id)
        if announcement is None:
            return []  # not an announcement we know (forgotten meanwhile): nothing to record
        release = await _release_of(tx, announcement.release_id)
        if release is None:
            return []
        cid = release.community_id
        if event.outcome in ("deleted", "gone"):
            if not await tx.processed_events.mark(platform, f"deleted:{chat_id}:{event.message_id}", now):
                return []
            await tx.audit_log.append(
                cid,
                actor="normbot",
                action="release.announcement_deleted",
                subject=release_ref(release),
                payload={"platform": platform, "chat": chat_id, "message": event.message_id, "how": event.outcome},
                at=now,
            )
            return []
        slug = services.directory.slug_of(cid)
        community = services.communities.get(slug) if slug else None
        if community is None:
            return []
        with using(community.language):  # the moderators' chat reads the community's language
            return await _refused(services, tx, event, community, release, announcement.created_at)


async def _refused(
    services: Services, tx: Tx, event: DeleteReported, community: CommunityConfig, release: Release, posted_at: Any
) -> list[Action]:
    """The moderators' card for a refused deletion: once per message that is too old, once per chat that
    lacks the permission."""
    platform, chat_id = event.chat.platform, event.chat.chat_id
    now = services.clock()
    cid = release.community_id
    mods = chats_for(community, "mod", "review")
    # Telegram refuses a message older than 48 hours even to an administrator: the adapter then reports
    # no missing permission (the bot's rights allow deleting), and the announcement's age says the same.
    old = now - _aware(posted_at, now) >= TELEGRAM_DELETE_WINDOW
    too_old = platform == "telegram" and (old or not event.permission)
    if too_old:
        if not await tx.processed_events.mark(platform, f"undeletable:{chat_id}:{event.message_id}", now):
            return []
        card = Card(
            _("I can't delete the announcement of {ref}").format(ref=release_ref(release)),
            _(
                "Telegram lets bots delete messages only within 48 hours of posting, and this one is older. "
                "Delete it by hand if it should go."
            ),
            fields=((_("Chat"), chat_id), (_("Message"), event.message_id)),
            footer=_("enforcement"),
        )
        return [Send(chat, card) for chat in mods]
    if not await tx.processed_events.mark(platform, f"delete-refused:{chat_id}", now):
        return []  # the moderators were told about this chat already
    permission, how = PERMISSIONS.get(platform, (event.permission or "delete messages", ""))
    await tx.audit_log.append(
        cid,
        actor="normbot",
        action="enforcement.refused",
        subject=f"{platform}:{chat_id}",
        payload={"permission": permission, "release": release.id, "reason": clip(event.reason, 200)},
        at=now,
    )
    card = Card(
        _("I can't delete announcements in {platform} chat {chat}").format(platform=platform, chat=chat_id),
        _(
            "Enforcement is on, but normbot lacks {permission} there, so the announcement of {ref} ({title}) is "
            "still up. {how} Until then, delete it by hand. I say this once per chat."
        ).format(permission=permission, ref=release_ref(release), title=title_of(release), how=translate(how)),
        fields=((_("Permission"), permission), (_("Platform said"), clip(event.reason, 200) or _("refused"))),
        footer=_("enforcement"),
    )
    return [Send(chat, card) for chat in mods] + await log_entries(services, tx)


async def _release_of(tx: Tx, release_id: int) -> Release | None:
    return await tx.releases.get_any(release_id)


def _aware(at: Any, now: Any) -> Any:
    """SQLite hands back naive datetimes (stored as UTC): compare like with like."""
    if at.tzinfo is None and now.tzinfo is not None:
        return at.replace(tzinfo=now.tzinfo)
    return at
