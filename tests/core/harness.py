"""A chat driver for core tests: people say things, the real core answers, actions are inspected.

It is the console adapter's job reduced to its event-building part, so tests exercise the real core, store
and norm packs; nothing of ours is mocked.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from moderation.core import Core
from moderation.kernel.actions import Action, Reply, Send
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import ChatBinding, CommunityConfig
from moderation.kernel.events import (
    Actor,
    Attachment,
    ButtonPressed,
    ChatRef,
    CommandInvoked,
    MessageEdited,
    MessagePosted,
    Posted,
    RepliedMessage,
)

_ids = itertools.count(1)


def community(
    slug: str = "forge",
    *,
    moderators: Sequence[str] = ("mia",),
    reviewers: Sequence[str] = (),
    norms: str = "baseline",
    platform: str = "console",
    chat: str = "releases",
) -> CommunityConfig:
    """A community with a releases chat and a moderators' chat on one platform."""
    return CommunityConfig(
        slug=slug,
        name=slug.title(),
        norms=norms,
        moderators=frozenset(f"{platform}:{m}" for m in moderators),
        reviewers=frozenset(f"{platform}:{r}" for r in reviewers),
        chats=(ChatBinding(platform, chat, "releases"), ChatBinding(platform, f"{chat}-mods", "mod")),
    )


@dataclass
class Chat:
    """One chat of a community, as seen by the core."""

    core: Core
    clock: ManualClock
    platform: str = "console"
    chat_id: str = "releases"
    posted: list[Action] = field(default_factory=list)
    said: dict[str, RepliedMessage] = field(default_factory=dict)  # people's messages, for replies

    @property
    def ref(self) -> ChatRef:
        return ChatRef(self.platform, self.chat_id)

    def actor(self, name: str, *, admin: bool = False, roles: Sequence[str] = ()) -> Actor:
        return Actor(self.platform, name, name, is_admin=admin, roles=frozenset(roles))

    async def _deliver(self, actions: list[Action]) -> list[Action]:
        for a in actions:
            if isinstance(a, Send) and a.key:
                await self.core.handle(Posted(a.key, a.chat, f"bot{next(_ids)}"))
        self.posted.extend(actions)
        return actions

    async def say(
        self,
        name: str,
        text: str,
        *,
        attachments: Sequence[str] = (),
        message_id: str | None = None,
        event_id: str | None = None,
    ) -> list[Action]:
        mid = message_id or f"m{next(_ids)}"
        files = tuple(Attachment(a) for a in attachments)
        self.said[mid] = RepliedMessage(mid, self.actor(name), text, files)
        ev = MessagePosted(event_id or mid, self.ref, mid, self.actor(name), text, files)
        return await self._deliver(await self.core.handle(ev))

    async def edit(
        self, name: str, message_id: str, text: str, *, attachments: Sequence[str] = (), event_id: str | None = None
    ) -> list[Action]:
        """`name` edits their message `message_id` to read `text` (a platform's message-edit event)."""
        files = tuple(Attachment(a) for a in attachments)
        self.said[message_id] = RepliedMessage(message_id, self.actor(name), text, files)
        message = MessagePosted(message_id, self.ref, message_id, self.actor(name), text, files)
        ev = MessageEdited(event_id or f"{message_id}@{next(_ids)}", message)
        return await self._deliver(await self.core.handle(ev))

    async def cmd(
        self,
        name: str,
        line: str,
        *,
        reply_to: str | None = None,
        admin: bool = False,
        roles: Sequence[str] = (),
        event_id: str | None = None,
        attachment_texts: dict[str, str] | None = None,
    ) -> list[Action]:
        head, _, args = line.lstrip("/").partition(" ")
        ev = CommandInvoked(
            event_id or f"c{next(_ids)}",
            self.ref,
            self.actor(name, admin=admin, roles=roles),
            head,
            args,
            reply_to=reply_to,
            attachment_texts=attachment_texts or {},
            replied=self.said.get(reply_to) if reply_to else None,  # as adapters do: a person's message
        )
        return await self._deliver(await self.core.handle(ev))

    async def press(self, name: str, payload: str, *, event_id: str | None = None, admin: bool = False) -> list[Action]:
        ev = ButtonPressed(event_id or f"b{next(_ids)}", self.ref, self.actor(name, admin=admin), payload)
        return await self._deliver(await self.core.handle(ev))


def reply_text(actions: Sequence[Action]) -> str:
    """The text of the replies among `actions` (what the actor sees)."""
    return "\n".join(a.card.as_text() for a in actions if isinstance(a, Reply))


def sends(actions: Sequence[Action]) -> list[Send]:
    """The new messages among `actions`."""
    return [a for a in actions if isinstance(a, Send)]


GOOD = (
    "Releasing Neon Dreams v2, a LoRA for SDXL 1.0. Trigger: `neondrm`. License: openrail++. NSFW: no. "
    "https://huggingface.co/ada/neon-dreams SHA256: "
    + "4f1c2b8e9d0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
)
