"""Privilege, resolved in the core from the community's config and the platform's own admin signal.

Adapters only report facts (is the actor a platform admin, which roles they hold); this module decides.
Levels are ordered and only ever appended: never reorder them, stored data and configs compare them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING

from moderation.kernel.community import CommunityConfig
from moderation.kernel.events import Actor

if TYPE_CHECKING:
    from storage import Tx

__all__ = ["Privilege", "configured_handle", "handle_ref", "resolve_pinned", "resolve_privilege"]


class Privilege(IntEnum):
    """Who may do what. MEMBER < REVIEWER < MODERATOR < OWNER."""

    MEMBER = 0
    REVIEWER = 1
    MODERATOR = 2
    OWNER = 3


_log = logging.getLogger("normbot.permissions")


def _ids(actor: Actor, *, by_handle: bool = True) -> set[str]:
    """What a config may name this actor by: the user id, and the platform-checked handle when there is one
    (and it is not pinned to another account). Never the display name: anyone can call themselves "Mia"."""
    ids = {f"{actor.platform}:{actor.user_id}"}
    if actor.handle and by_handle:
        ids.add(handle_ref(actor))
    return ids


def handle_ref(actor: Actor) -> str:
    """How a config names the actor by handle: `platform:@handle`, lowercased."""
    return f"{actor.platform}:@{(actor.handle or '').lower()}"


def configured_handle(actor: Actor, community: CommunityConfig) -> str | None:
    """The actor's `platform:@handle` when the community's config grants it something, else None: only then
    does the handle need resolving to an id (one store round trip, on privileged actors only)."""
    if not actor.handle:
        return None
    ref = handle_ref(actor)
    return ref if ref in community.owners | community.moderators | community.reviewers else None


def resolve_privilege(actor: Actor, community: CommunityConfig, *, by_handle: bool = True) -> Privilege:
    """The actor's privilege in `community`.

    Owners and moderators are named in the config by `platform:user_id`, or `platform:@handle`, which matches
    the platform's unique handle (`Actor.handle`: a Telegram @username, a Discord username, a console name) and
    never a display name; the core resolves a handle to the id it was first seen with (`resolve_pinned`) and
    passes `by_handle=False` when another account holds it now. Moderator and reviewer roles match platform
    role ids or names; a platform admin (Discord Manage Server, Telegram group administrator) counts as a
    moderator.
    """
    ids = _ids(actor, by_handle=by_handle)
    roles = {r.lower() for r in actor.roles}
    if ids & community.owners:
        return Privilege.OWNER
    if actor.is_admin or ids & community.moderators or roles & community.moderator_roles:
        return Privilege.MODERATOR
    if ids & community.reviewers or roles & community.reviewer_roles:
        return Privilege.REVIEWER
    return Privilege.MEMBER


async def resolve_pinned(
    tx: Tx, community_id: int, actor: Actor, community: CommunityConfig, now: datetime
) -> Privilege:
    """`resolve_privilege`, with a configured handle resolved to one user id, once.

    The first account seen with a handle the config names is pinned to it (stored, audited, logged with the id
    to write into the config). Afterwards the handle grants its privileges to that id only: a handle can be
    given up and taken by another account, and that account gets no more than any member. An operator who
    wants the handle to move runs `normbot handles unpin` (or names the new id in the config).
    """
    ref = configured_handle(actor, community)
    if ref is None:
        return resolve_privilege(actor, community)
    platform, _, handle = ref.partition(":@")
    pinned, created = await tx.accounts.pin_handle(platform, handle, actor.user_id, now)
    if created:
        _log.info(
            "config handle %s pinned to user id %s (name it as %s:%s to say so in the config)",
            ref,
            actor.user_id,
            platform,
            actor.user_id,
        )
        await tx.audit_log.append(
            community_id,
            actor="normbot",
            action="identity.handle_pinned",
            subject=ref,
            payload={"user_id": actor.user_id},
            at=now,
        )
    if pinned == actor.user_id:
        return resolve_privilege(actor, community)
    _log.warning(
        "config handle %s is pinned to user id %s; user id %s holds it now and gets no privilege by it",
        ref,
        pinned,
        actor.user_id,
    )
    return resolve_privilege(actor, community, by_handle=False)
