"""Extension points of the core (`CoreHooks`, `NoHooks`): what provenance (claims, lineage, credit) plugs into.

They are defined in `moderation.kernel.services`, beside `Services`, because each names the other: the hooks
are one of the services, and every hook is handed the services. This module keeps the name a reader looks
for.
"""

from __future__ import annotations

from moderation.kernel.services import CoreHooks, NoHooks

__all__ = ["CoreHooks", "NoHooks"]
