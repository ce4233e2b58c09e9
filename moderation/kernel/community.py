"""A community's settings as the core sees them (built by `bot/config.py` from `normbot.toml`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from moderation.kernel.events import ChatRef

__all__ = ["ChatBinding", "CommunityConfig", "chats_for"]


@dataclass(frozen=True, slots=True)
class ChatBinding:
    """A chat of the community. `role`: releases (watched for announcements), review (prompts go here),
    mod (moderator alerts go here), log (the mod log: every decision and its consequences, posted once)."""

    platform: str
    chat_id: str
    role: str = "releases"


@dataclass(frozen=True, slots=True)
class CommunityConfig:
    """Who moderates and reviews, which chats belong to it and which norm pack applies.

    Names in `owners`, `moderators` and `reviewers` are `platform:user_id` (or `platform:@handle`, matched
    against the platform's unique handle only, never a display name: `moderation.kernel.permissions`);
    role names are compared case-insensitively. `detect_threshold` moves the score at which the detector's
    verdict counts as a release in this community (see `moderation.announcements.watcher.is_release_for`).

    `quorum` and `review_window`, when set, replace the norm pack's `review.quorum` and `review.window`
    (`moderation.norms_admin.packs.PackProvider.current` applies them); `language` is the community's language;
    `enforcement` deletes a removed release's announcements (`moderation.enforcement`).
    The core's copy has the settings moderators changed from chat merged in (`moderation.setup.settings.merged`),
    so every reader sees the one effective configuration.
    """

    slug: str
    name: str
    norms: str = "baseline"
    owners: frozenset[str] = frozenset()
    moderators: frozenset[str] = frozenset()
    reviewers: frozenset[str] = frozenset()
    moderator_roles: frozenset[str] = frozenset()
    reviewer_roles: frozenset[str] = frozenset()
    chats: tuple[ChatBinding, ...] = field(default=())
    spaces: frozenset[tuple[str, str]] = frozenset()  # (platform, guild or group id)
    web_token: str | None = None
    detect_threshold: float | None = None  # the detector's own threshold when None
    language: str = "en"
    quorum: int | None = None  # the norm pack's when None
    review_window: timedelta | None = None  # the norm pack's when None
    registry_url: str | None = None  # the web registry's address (`[web] url`): the mod log links release pages
    # Optional enforcement (`moderation.enforcement`): off unless the community turns it on, since deleting
    # a member's message is a step some communities leave to people.
    enforcement: bool = False

    def __post_init__(self) -> None:
        t = self.detect_threshold
        if t is not None and not 0.0 < t < 1.0:
            raise ValueError(f"community {self.slug!r}: detect_threshold must be between 0 and 1 (exclusive), not {t}")


def chats_for(community: CommunityConfig, *roles: str) -> list[ChatRef]:
    """The community's chats of the first role that has any (e.g. mod, else review, else releases)."""
    for role in roles:
        found = [ChatRef(c.platform, c.chat_id) for c in community.chats if c.role == role]
        if found:
            return found
    return []
