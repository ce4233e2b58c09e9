"""Privilege, resolved in the core from the community's config and the platform's own admin signal.

Adapters only report facts (is the actor a platform admin, which roles they hold); this module decides.
Levels are ordered and only ever appended: never reorder them, stored data and configs compare them.
"""

from __future__ import annotations

import logging
from enum import IntEnum

from moderation.community import CommunityConfig
from moderation.events import Actor

__all__ = ["Privilege", "resolve_privilege"]


class Privilege(IntEnum):
    """Who may do what. MEMBER < REVIEWER < MODERATOR < OWNER."""

    MEMBER = 0
    REVIEWER = 1
    MODERATOR = 2
    OWNER = 3


_log = logging.getLogger("normbot.permissions")
_HANDLES_SEEN: set[tuple[str, str]] = set()


def _ids(actor: Actor) -> set[str]:
    """What a config may name this actor by: the user id, and the platform-checked handle when there is one.
    Never the display name: anyone can call themselves "Mia"."""
    ids = {f"{actor.platform}:{actor.user_id}"}
    if actor.handle:
        ids.add(f"{actor.platform}:@{actor.handle.lower()}")
    return ids


def _note_handle_match(actor: Actor, names: frozenset[str]) -> None:
    """Say once which user id a config handle matched, so an operator can pin the id (a handle can be given
    up and taken by another account; an id cannot)."""
    by_id = f"{actor.platform}:{actor.user_id}"
    if by_id in names or not actor.handle:
        return
    key = (f"{actor.platform}:@{actor.handle.lower()}", actor.user_id)
    if key[0] in names and key not in _HANDLES_SEEN:
        _HANDLES_SEEN.add(key)
        _log.info("config handle %s matched user id %s; name it as %s to pin it", key[0], actor.user_id, by_id)


def resolve_privilege(actor: Actor, community: CommunityConfig) -> Privilege:
    """The actor's privilege in `community`.

    Owners and moderators are named in the config by `platform:user_id`, or `platform:@handle`, which matches
    the platform's unique handle (`Actor.handle`: a Telegram @username, a Discord username, a console name) and
    never a display name;
    moderator and reviewer roles match platform role ids or names; a platform admin (Discord Manage Server,
    Telegram group administrator) counts as a moderator.
    """
    ids = _ids(actor)
    _note_handle_match(actor, community.owners | community.moderators | community.reviewers)
    roles = {r.lower() for r in actor.roles}
    if ids & community.owners:
        return Privilege.OWNER
    if actor.is_admin or ids & community.moderators or roles & community.moderator_roles:
        return Privilege.MODERATOR
    if ids & community.reviewers or roles & community.reviewer_roles:
        return Privilege.REVIEWER
    return Privilege.MEMBER
