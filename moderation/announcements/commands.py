"""/watch and /unwatch: which chats the watcher reads for release announcements."""

from __future__ import annotations

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import command
from moderation.kernel.i18n import N_, _
from moderation.kernel.invocation import Invocation
from moderation.kernel.permissions import Privilege

__all__: list[str] = []


async def _set_watched(inv: Invocation, watched: bool) -> None:
    """Bind the current chat to the community, watched or not, and record who did it."""
    await inv.tx.chats.bind(inv.community_id, inv.chat.platform, inv.chat.chat_id, watched=watched)
    inv.services.directory.forget(inv.chat.platform, inv.chat.chat_id)
    await inv.audit("chat.watched" if watched else "chat.unwatched", f"{inv.chat.platform}:{inv.chat.chat_id}", {})


@command("watch", N_("Watch this chat for release announcements"), privilege=Privilege.MODERATOR)
async def watch(inv: Invocation) -> list[Action]:
    """Binds the current chat to the community as a releases chat."""
    await _set_watched(inv, True)
    with inv.public():
        return [
            Reply(Card(_("Watching this chat"), _("I'll check release announcements posted here against the norms.")))
        ]


@command("unwatch", N_("Stop watching this chat"), privilege=Privilege.MODERATOR)
async def unwatch(inv: Invocation) -> list[Action]:
    """Commands keep working here; only announcements are no longer picked up."""
    await _set_watched(inv, False)
    with inv.public():
        return [Reply(Card(_("Stopped watching this chat"), _("Announcements here are no longer checked.")))]
