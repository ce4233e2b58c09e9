"""What a command handler gets: who, where, in which community, inside which transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from moderation.commands import release_id_of
from moderation.community import CommunityConfig
from moderation.errors import BadArgument, NotFound, NotPermitted
from moderation.events import Actor, ChatRef, RepliedMessage
from moderation.permissions import Privilege
from norms import NormPack
from storage import Account, Release, Tx

if TYPE_CHECKING:
    from moderation.core import Core

__all__ = ["Invocation"]


@dataclass
class Invocation:
    """The context of one command or button press."""

    core: Core
    tx: Tx
    community: CommunityConfig
    community_id: int
    actor: Actor
    account: Account
    privilege: Privilege
    chat: ChatRef
    now: datetime
    pack: NormPack
    reply_to: str | None = None
    attachment_texts: Mapping[str, str] = field(default_factory=dict)
    replied: RepliedMessage | None = None  # the replied-to message itself, when a person wrote it
    prepared: object = None  # what the command's `prepare` step computed before the unit of work

    @property
    def actor_ref(self) -> str:
        """How the audit log names the actor."""
        return f"{self.actor.platform}:{self.actor.user_id}"

    def ref(self, name: str) -> str:
        """A command as the actor types it on this platform (`/forget_me` on Telegram, `/forget-me` elsewhere)."""
        return self.core.command_ref(self.chat.platform, name)

    def require(self, level: Privilege, what: str) -> None:
        """Refuse unless the actor has at least `level`."""
        if self.privilege < level:
            raise NotPermitted(f"Only {level.name.lower()}s can {what}.")

    async def person_accounts(self) -> list[int]:
        """Every account of the actor's person (so linked accounts count as one member)."""
        return await self.tx.accounts_of_person(self.account)

    async def target_release(self, ref: str | None) -> Release:
        """The release a command is about: an explicit id, else the replied-to message, else (console only)
        the latest release announced in this chat."""
        release_id: int | None = None
        if ref:
            release_id = release_id_of(ref)
        elif self.reply_to:
            release_id = await self.tx.release_for_message(self.chat.platform, self.chat.chat_id, self.reply_to)
            if release_id is None:
                raise BadArgument("The message you replied to is not a release announcement I know.")
        elif self.chat.platform in self.core.latest_release_fallback:
            release_id = await self.tx.latest_release_in_chat(self.chat.platform, self.chat.chat_id)
        if release_id is None:
            raise BadArgument(
                "Which release? Reply to its announcement or give its id.", hint="For example: /endorse R12"
            )
        release = await self.tx.release(self.community_id, release_id)
        if release is None:
            raise NotFound(f"There is no release R{release_id} in this community.")
        return release
