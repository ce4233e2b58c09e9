"""Edits of one posted message go out in the background, collapsed to the newest.

Every endorsement refreshes the release's review prompt in place, so a burst of members endorsing within seconds asks
the platform for as many edits of one message. Platforms rate-limit them: python-telegram-bot's `AIORateLimiter` allows
20 messages a minute per group, and PTB handles one update at a time, so an endorsement's update that waited for its own
edit would queue behind every earlier one, and in a large burst the members' toasts would wait many minutes with it.
Discord sleeps on per-channel 429s likewise, inside the interaction's 3 seconds. Only the newest card matters. So an
adapter hands an edit to `LatestEdits.submit` and goes on; per message one edit is in flight at a time and a single slot
holds the newest one waiting (each new edit replaces it). A burst then costs the platform about one edit per round trip
(or per rate-limit slot), and the last edit shows the final state.

"Newest" is the order the adapter receives them in. Edits from concurrent units of work can arrive out of
their commit order (of two simultaneous endorsements the later edit may show one fewer); coalescing neither
causes nor cures that, the next refresh does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from moderation.kernel.actions import Edit

__all__ = ["LatestEdits", "flush"]

log = logging.getLogger("normbot.edits")

MessageKey: TypeAlias = tuple[str, str, str | None, str]  # platform, chat, thread, message


def _key(edit: Edit) -> MessageKey:
    return (edit.chat.platform, edit.chat.chat_id, edit.chat.thread_id, edit.message_id)


class LatestEdits:
    """Applies edits through `apply` (the adapter's outbox) in background tasks, one per message at a time."""

    def __init__(self, apply: Callable[[Edit], Awaitable[None]]) -> None:
        self._apply = apply
        self._waiting: dict[MessageKey, Edit] = {}  # the newest edit not sent yet, per message
        self._tasks: dict[MessageKey, asyncio.Task[None]] = {}  # the task sending a message's edits
        self.applied = 0
        self.superseded = 0

    def submit(self, edit: Edit) -> None:
        """Queue `edit` in its message's slot (replacing an older one there) and return; the message's task
        sends it when the edit in flight, if any, is done. Failures are logged: nobody awaits an edit."""
        key = _key(edit)
        if key in self._waiting:
            self.superseded += 1
        self._waiting[key] = edit
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._send(key), name=f"edits:{edit.message_id}")

    async def idle(self) -> None:
        """Wait until every queued edit has been sent (or failed): shutdown, tests."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _send(self, key: MessageKey) -> None:
        try:
            while (edit := self._waiting.pop(key, None)) is not None:
                self.applied += 1
                try:
                    await self._apply(edit)
                except Exception:
                    log.exception("editing message %s in %s failed", edit.message_id, edit.chat.chat_id)
        finally:
            del self._tasks[key]  # no await since the slot was found empty: a new edit starts a new task


async def flush(edits: LatestEdits, timeout: float = 5.0) -> None:
    """On shutdown: let the waiting edits go out (the final counts), but not for longer than `timeout`."""
    try:
        await asyncio.wait_for(edits.idle(), timeout)
    except TimeoutError:
        log.warning("stopped with edits still waiting (gave them %.0f s)", timeout)
