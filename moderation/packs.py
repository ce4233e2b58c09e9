"""Which norm pack applies to a community right now.

A community starts with the pack its config names (a built-in name or a file); once a moderator adopts a
pack in chat (`norms set`), the latest stored revision wins. Parsed packs are cached by digest so the hot
path never re-parses YAML.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from moderation.community import CommunityConfig
from norms import NormPack, load_pack_text, resolve_pack
from storage import Tx

__all__ = ["PackProvider"]


class PackProvider:
    """Resolves and caches norm packs per community."""

    def __init__(self, base_dir: Path | None = None) -> None:
        self.base_dir = base_dir
        self._configured: dict[str, NormPack] = {}
        self._by_digest: dict[str, NormPack] = {}

    def configured(self, community: CommunityConfig) -> NormPack:
        """The pack named in the config (loaded once; a broken file fails at start-up, not mid-chat)."""
        pack = self._configured.get(community.slug)
        if pack is None:
            pack = resolve_pack(community.norms, self.base_dir)
            self._configured[community.slug] = pack
        return pack

    async def current(self, tx: Tx, community: CommunityConfig, community_id: int) -> NormPack:
        """The pack in force: the latest adopted revision, else the configured pack."""
        revision = await tx.pack_revisions.current(community_id)
        if revision is None:
            return self.configured(community)
        pack = self._by_digest.get(revision.digest)
        if pack is None:
            label = f"revision-{revision.number}.yaml"
            pack = await asyncio.to_thread(load_pack_text, revision.source, label, self.base_dir)  # off the loop
            self._by_digest[revision.digest] = pack
        return pack

    def remember(self, pack: NormPack) -> None:
        """Cache a pack that was just adopted."""
        self._by_digest[pack.digest] = pack
