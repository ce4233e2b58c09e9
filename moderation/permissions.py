"""Privilege, resolved in the core from the community's config and the platform's own admin signal.

Adapters only report facts (is the actor a platform admin, which roles they hold); this module decides.
Levels are ordered and only ever appended: never reorder them, stored data and configs compare them.
"""

from __future__ import annotations

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


def _ids(actor: Actor) -> set[str]:
    return {f"{actor.platform}:{actor.user_id}", f"{actor.platform}:@{actor.name.lower()}"}


def resolve_privilege(actor: Actor, community: CommunityConfig) -> Privilege:
    """The actor's privilege in `community`.

    Owners and moderators are named in the config by `platform:user_id` (or `platform:@name` for the console);
    moderator and reviewer roles match platform role ids or names; a platform admin (Discord Manage Server,
    Telegram group administrator) counts as a moderator.
    """
    ids = _ids(actor)
    roles = {r.lower() for r in actor.roles}
    if ids & community.owners:
        return Privilege.OWNER
    if actor.is_admin or ids & community.moderators or roles & community.moderator_roles:
        return Privilege.MODERATOR
    if ids & community.reviewers or roles & community.reviewer_roles:
        return Privilege.REVIEWER
    return Privilege.MEMBER
