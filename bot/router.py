"""Routing core actions to the adapters that can show them.

An adapter renders the actions that answer its own event (replies, forms) and every action addressed to
its platform; actions for another platform (a Telegram moderators' chat alerted by a Discord flag) go
through the router to that platform's adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from moderation.kernel.actions import Action, Delete, DirectMessage, Edit, Send

__all__ = ["Adapter", "Router", "platform_of"]

log = logging.getLogger("normbot.router")


class Adapter(Protocol):
    """What every platform adapter offers the router."""

    platform: str

    async def deliver(self, action: Action) -> None:
        """Render one Send / Edit / Delete / DirectMessage addressed to this platform."""


def platform_of(action: Action) -> str | None:
    """The platform an action is addressed to; None for replies and forms (they answer the event)."""
    if isinstance(action, Send | Edit | Delete):
        return action.chat.platform
    if isinstance(action, DirectMessage):
        return action.platform
    return None


class Router:
    """Knows the running adapters by platform."""

    def __init__(self) -> None:
        self.adapters: dict[str, Adapter] = {}

    def register(self, adapter: Adapter) -> None:
        """Add a running adapter."""
        self.adapters[adapter.platform] = adapter

    async def dispatch(self, actions: Sequence[Action], *, skip_platform: str | None = None) -> None:
        """Deliver addressed actions to their adapters (except `skip_platform`, which rendered its own)."""
        for action in actions:
            platform = platform_of(action)
            if platform is None or platform == skip_platform:
                continue
            adapter = self.adapters.get(platform)
            if adapter is None:
                log.warning("no %s adapter running; dropped a %s", platform, type(action).__name__)
                continue
            try:
                await adapter.deliver(action)
            except Exception:
                log.exception("delivering a %s to %s failed", type(action).__name__, platform)
