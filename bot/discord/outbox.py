"""Showing the core's actions on Discord: replies to the event being handled, and addressed actions
(Send / Edit / DirectMessage) from this or another platform.

Every message goes out with `AllowedMentions.none()` and escaped text (see `render`). A `Send` with a
`thread_title` gets a thread opened on the posted prompt (unless it already lives in a thread) with the
`thread_intro` as its first message; where the prompt and the intro landed is reported back to the core with
`Posted`, so later edits find the prompt after a restart and commands in the thread find its release.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.discord import render
from bot.discord.events import PLATFORM
from moderation.kernel.actions import Card, Delete, DirectMessage, Edit, Form, Reply, Send
from moderation.kernel.commands import COMMANDS
from moderation.kernel.events import ChatRef, DeleteReported, Posted

if TYPE_CHECKING:
    from moderation.core import Core

__all__ = ["Answering", "Outbox", "form_instructions"]

log = logging.getLogger("normbot.discord")


@dataclass(frozen=True, slots=True)
class Answering:
    """What the actions of one event answer: an interaction, or a message (text-only paths)."""

    chat: ChatRef
    interaction: discord.Interaction | None = None
    message: discord.Message | None = None


def form_instructions(form: Form) -> Card:
    """Where a modal cannot be shown (the interaction was already answered), say which command to type."""
    spec = COMMANDS.get(form.command)
    usage = spec.usage if spec else f"/{form.command}"
    fields = tuple((f.label, " / ".join(f.values) or "text") for f in form.fields)
    return Card(form.title, f"Use {usage} with {form.release_ref}.", fields)


class Outbox:
    """Sends, edits and replies through one discord.py client."""

    def __init__(self, client: discord.Client, core: Core) -> None:
        self.client = client
        self.core = core

    async def _channel(self, channel_id: str) -> Any:
        found = self.client.get_channel(int(channel_id))
        if found is None:
            found = await self.client.fetch_channel(int(channel_id))
        return found

    # -- answering an event ---------------------------------------------------------------------------

    async def reply(self, action: Reply, answering: Answering) -> None:
        """An interaction response (ephemeral for an `ephemeral` or `private` reply) or, for a message, a reply
        in the channel."""
        embed = render.card_embed(action.card)
        view = render.buttons_view(action.buttons)
        interaction = answering.interaction
        if interaction is not None:
            kwargs: dict[str, Any] = {"embed": embed, "ephemeral": action.only_for_actor}
            if view is not None:
                kwargs["view"] = view
            if not interaction.response.is_done():
                await interaction.response.send_message(allowed_mentions=render.NO_MENTIONS, **kwargs)
            else:
                await interaction.followup.send(allowed_mentions=render.NO_MENTIONS, **kwargs)
            return
        message = answering.message
        if message is None:
            return
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        await message.channel.send(
            embed=embed,
            **extra,
            reference=message.to_reference(fail_if_not_exists=False),
            mention_author=False,
            allowed_mentions=render.NO_MENTIONS,
        )

    # -- addressed actions ----------------------------------------------------------------------------

    async def send(self, action: Send) -> None:
        """Post; open the review thread; report where it landed."""
        target = action.chat.thread_id or action.chat.chat_id
        channel = await self._channel(target)
        reference = None
        if action.reply_to:
            reference = discord.MessageReference(
                message_id=int(action.reply_to), channel_id=int(target), fail_if_not_exists=False
            )
        view = render.buttons_view(action.buttons)
        message = await channel.send(
            embed=render.card_embed(action.card),
            view=view,
            reference=reference,
            mention_author=False,
            allowed_mentions=render.NO_MENTIONS,
        )
        space = action.chat.space_id or (str(message.guild.id) if message.guild else None)
        if action.key:
            chat = ChatRef(PLATFORM, action.chat.chat_id, action.chat.thread_id, space)
            await self.core.handle(Posted(action.key, chat, str(message.id)))
        if action.thread_title and action.chat.thread_id is None and isinstance(channel, discord.TextChannel):
            await self._open_thread(action, message, space)

    async def _open_thread(self, action: Send, message: discord.Message, space: str | None) -> None:
        """A thread started from the prompt, with the core's intro as its first message. Where the intro
        landed is reported under `thread_key` (its chat names the thread), which is how the core knows that a
        slash command typed in this thread is about the prompt's release: slash commands cannot be replies.
        Without the thread or the intro, commands there simply ask which release is meant."""
        try:
            thread = await message.create_thread(name=(action.thread_title or "Review")[:100])
        except discord.HTTPException as exc:
            log.warning("discord: could not open a review thread in %s: %s", action.chat.chat_id, exc)
            return
        if action.thread_intro is None:
            return
        try:
            intro = await thread.send(embed=render.card_embed(action.thread_intro), allowed_mentions=render.NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("discord: could not post in the review thread %s: %s", thread.id, exc)
            return
        if action.thread_key:
            chat = ChatRef(PLATFORM, action.chat.chat_id, str(thread.id), space)
            await self.core.handle(Posted(action.thread_key, chat, str(intro.id)))

    async def edit(self, action: Edit) -> None:
        """Replace a message the bot posted (the review prompt after an endorsement, a status change)."""
        channel = await self._channel(action.chat.thread_id or action.chat.chat_id)
        partial = channel.get_partial_message(int(action.message_id))
        view = render.buttons_view(action.buttons)
        await partial.edit(embed=render.card_embed(action.card), view=view, allowed_mentions=render.NO_MENTIONS)

    async def delete(self, action: Delete) -> DeleteReported | None:
        """Delete a member's message (optional enforcement) and say what Discord answered: 403 Missing
        Permissions (50013) is a refusal the moderators must fix (the bot needs Manage Messages), Unknown
        Message (10008) or Unknown Channel (10003) means it is already gone. Anything else (a 5xx, a rate
        limit discord.py gave up on) is logged and not reported: nothing is known yet."""
        try:
            channel = await self._channel(action.chat.thread_id or action.chat.chat_id)
            await channel.get_partial_message(int(action.message_id)).delete()
        except discord.Forbidden as exc:
            return DeleteReported(
                action.chat,
                action.message_id,
                "refused",
                release_id=action.release_id,
                permission="Manage Messages",
                reason=f"{exc.status} {exc.text or 'Forbidden'}"[:200],
            )
        except discord.NotFound:
            return DeleteReported(action.chat, action.message_id, "gone", release_id=action.release_id)
        except discord.HTTPException as exc:
            log.warning("discord: deleting message %s failed: %s", action.message_id, exc)
            return None
        return DeleteReported(action.chat, action.message_id, "deleted", release_id=action.release_id)

    async def direct(self, action: DirectMessage) -> None:
        """A DM; when the member refuses DMs, the card goes to the fallback chat instead."""
        try:
            dm = await self.client.create_dm(discord.Object(int(action.user_id)))
            await dm.send(embed=render.card_embed(action.card), allowed_mentions=render.NO_MENTIONS)
            return
        except (discord.Forbidden, discord.NotFound) as exc:
            if action.fallback_chat is None:
                log.info("discord: DM to %s refused (%s); no fallback chat", action.user_id, exc.code)
                return
        fallback = action.fallback_chat
        channel = await self._channel(fallback.thread_id or fallback.chat_id)
        await channel.send(embed=render.card_embed(action.card), allowed_mentions=render.NO_MENTIONS)
