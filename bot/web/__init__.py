"""The public release registry: `normbot web` (pages, JSON API under /api/v1, moderator pages).

Read-only over the shared store. Public pages never show reporters, open flags or the audit log.
"""

from __future__ import annotations

from bot.web.app import create_app
from bot.web.server import serve

__all__ = ["create_app", "serve"]
