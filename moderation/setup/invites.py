""" "Add this group": the bot joined a chat through a one-time invite a moderator asked `/setup` for.

Why a token and not the chat id: on Telegram nobody can see a group's id without reading raw updates, and
the bot learns of a group only once it is in it. The moderator presses a `startgroup` link, picks the
group, and Telegram delivers the token there; the token says which community and which role, and only the
moderator who asked for it can use it (a forwarded link binds nothing). The chat is bound to the community
(watched when it joins as the releases chat) and, as a review, moderators' or log chat, becomes that
setting on its platform, audited like any other change.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.events import ChatInvited
from moderation.kernel.i18n import N_, _, translate, using

if TYPE_CHECKING:
    from moderation.kernel.services import Services

__all__ = ["INVITE_ROLES", "INVITE_TTL", "redeem", "token_hash"]

INVITE_TTL = timedelta(hours=1)
INVITE_ROLES = ("releases", "review", "mod", "log")


def token_hash(token: str) -> str:
    """What the store keeps of an invite token (the token itself is a credential until used)."""
    return hashlib.sha256(token.encode()).hexdigest()


ROLE_WORDS = {
    "releases": N_("a releases chat: I'll check release announcements posted here"),
    "review": N_("the review chat: review prompts are posted here"),
    "mod": N_("the moderators' chat: flags and deadlines alert moderators here"),
    "log": N_("the log chat: every decision is recorded here"),
}


def _invalid() -> Card:
    return Card(
        _("This invite link is not valid"),
        _(
            "It was used already, it expired (links work for an hour), or it was meant for another moderator. "
            "Ask for a new one with /setup in your private chat with me."
        ),
    )


async def redeem(services: Services, event: ChatInvited) -> list[Action]:
    """Bind `event.chat` to the invite's community; a refusal says why and binds nothing."""
    chat, author = event.chat, event.author
    if chat.private:
        return [Reply(Card(_("Add me to a group"), _("An invite link adds a group or channel, not a private chat.")))]
    now = services.clock()
    async with services.store.transaction() as tx:
        if not await tx.processed_events.mark(chat.platform, f"invite:{event.event_id}", now):
            return []
        binding = await tx.chats.binding(chat.platform, chat.chat_id)
        invite = await tx.invites.redeem(
            token_hash(event.token.strip()), chat.platform, f"{author.platform}:{author.user_id}", now
        )
        if invite is None:
            return [Reply(_invalid())]
        if binding is not None and binding.community_id != invite.community_id:
            await tx.discard()
            return [Reply(Card(_("Already taken"), _("This chat already belongs to another community I serve.")))]
        row = await tx.communities.get(invite.community_id)
        slug = row.slug if row is not None else ""
        if slug not in services.communities:
            await tx.discard()
            return [Reply(_invalid())]
        watched = invite.role == "releases" or (binding is not None and binding.watched and binding.role == "releases")
        role = "releases" if watched else invite.role
        await tx.chats.bind(
            invite.community_id, chat.platform, chat.chat_id, watched=watched, role=role, title=event.title or None
        )
        actor = invite.created_by
        subject = f"{chat.platform}:{chat.chat_id}"
        await tx.audit_log.append(
            invite.community_id,
            actor=actor,
            action="chat.added",
            subject=subject,
            payload={"role": invite.role, "title": event.title[:200]},
            at=now,
        )
        if invite.role != "releases":
            key = f"{invite.role}_chat"
            old = await tx.settings.set(invite.community_id, key, chat.platform, chat.chat_id, by=actor, at=now)
            if old != chat.chat_id:
                await tx.audit_log.append(
                    invite.community_id,
                    actor=actor,
                    action="community.setting_changed",
                    subject=f"setting:{key}",
                    payload={"platform": chat.platform, "old": old, "new": chat.chat_id},
                    at=now,
                )
        rows = await tx.settings.all(invite.community_id)
        tx.on_commit(lambda: services.directory.settings_changed(slug, rows))
        tx.on_commit(lambda: services.directory.forget(chat.platform, chat.chat_id))
    community = services.communities[slug]
    with using(community.language):  # the chat just joined the community: its language from now on
        return [
            Reply(
                Card(
                    _("Added to {community}").format(community=community.name),
                    _("This chat is now {role}.").format(role=translate(ROLE_WORDS[invite.role])),
                )
            )
        ]
