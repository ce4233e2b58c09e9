"""Which norm pack applies to a community right now.

A community starts with the pack its config names (a built-in name or a file); once a moderator adopts a
pack in chat (`norms set`), the latest stored revision wins. Parsed packs are cached by digest so the hot
path never re-parses YAML. A quorum or review window set with `/setup` (`CommunityConfig.quorum`,
`review_window`) replaces the pack's own: the pack is what the community adopted, the settings say how its
reviews run here, and every reader of `pack.review` (endorsements, deadlines, the prompt) sees one value.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from moderation.kernel.community import CommunityConfig
from norms import NormPack, load_pack_text, resolve_pack
from storage import Tx

__all__ = ["PackProvider"]


class PackProvider:
    """Resolves and caches norm packs per community."""

    def __init__(self, base_dir: Path | None = None) -> None:
        self.base_dir = base_dir
        self._configured: dict[str, NormPack] = {}
        self._by_digest: dict[str, NormPack] = {}
        self._with_review: dict[tuple[str, int | None, timedelta | None], NormPack] = {}

    def configured(self, community: CommunityConfig) -> NormPack:
        """The pack named in the config (loaded once; a broken file fails at start-up, not mid-chat)."""
        pack = self._configured.get(community.slug)
        if pack is None:
            pack = resolve_pack(community.norms, self.base_dir)
            self._configured[community.slug] = pack
        return pack

    async def current(self, tx: Tx, community: CommunityConfig, community_id: int) -> NormPack:
        """The pack in force: the latest adopted revision, else the configured pack, with the community's
        quorum and review window where `/setup` set them."""
        revision = await tx.pack_revisions.current(community_id)
        if revision is None:
            return self.with_settings(self.configured(community), community)
        pack = self._by_digest.get(revision.digest)
        if pack is None:
            label = f"revision-{revision.number}.yaml"
            pack = await asyncio.to_thread(load_pack_text, revision.source, label, self.base_dir)  # off the loop
            self._by_digest[revision.digest] = pack
        return self.with_settings(pack, community)

    def with_settings(self, pack: NormPack, community: CommunityConfig) -> NormPack:
        """`pack` with the community's quorum and window in place of its own (cached: one copy per pack and
        pair of values, so the hot path builds nothing). The digest stays the pack's: checks are made
        against its norms, which the settings do not touch."""
        quorum, window = community.quorum, community.review_window
        if (quorum is None or quorum == pack.review.quorum) and (window is None or window == pack.review.window):
            return pack
        key = (pack.digest, quorum, window)
        found = self._with_review.get(key)
        if found is None:
            review = replace(
                pack.review,
                quorum=pack.review.quorum if quorum is None else quorum,
                window=pack.review.window if window is None else window,
            )
            found = replace(pack, review=review)
            if len(self._with_review) > 256:
                self._with_review.clear()
            self._with_review[key] = found
        return found

    def remember(self, pack: NormPack) -> None:
        """Cache a pack that was just adopted."""
        self._by_digest[pack.digest] = pack
