"""`Provenance`: the `CoreHooks` implementation that plugs claims, re-upload alerts, lineage and credit in.

`bot.wiring.build_core` constructs one per process. It owns the community key (`KeyStore`) and the
settings that are not norms: thresholds, the reputation half-life, how many earlier announcements a new one
is compared with, and a small cache of announcement embeddings (ids are stable, texts never change).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.actions import Action, Card, DirectMessage
from moderation.events import MessagePosted
from moderation.jobs import chats_for
from moderation.provenance.claims import ReuploadMatch, alert_actions, claim_matches, record_claim
from moderation.provenance.keys import KeyProblem, KeyStore
from moderation.provenance.lineage import parent_facts, resolve_parents
from moderation.provenance.permissions import ALLOW_DERIVATIVES, parse_permissions, permission_of
from moderation.provenance.reputation import DEFAULT_HALF_LIFE, most_credited
from moderation.provenance.safetensors import SafetensorsError, SafetensorsInfo, read_safetensors
from moderation.provenance.similarity import (
    COSINE_THRESHOLD,
    JACCARD_THRESHOLD,
    MIN_CHARS,
    SHINGLE,
    cosine_scores,
    jaccard,
    normalise_text,
    shingles,
)
from moderation.provenance.values import ClaimValue, claim_values
from moderation.render import clip, release_ref, title_of
from norms import ParentFacts
from norms.fields import ReleaseFields
from norms.licenses import normalize_license
from storage import Account, Release, Tx
from storage import provenance as q

if TYPE_CHECKING:
    from moderation.core import Core

__all__ = ["Provenance"]

log = logging.getLogger("normbot.provenance")
_CACHE_MAX = 5000


def _same_name(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return "".join(ch for ch in s.casefold().lstrip("@") if ch.isalnum())

    return norm(a) == norm(b)


class Provenance:
    """Claims registry, re-upload detection, lineage and credit (see docs/provenance.md)."""

    def __init__(
        self,
        *,
        keys: KeyStore | None = None,
        key_dir: str | Path | None = None,
        half_life: timedelta = DEFAULT_HALF_LIFE,
        cosine_threshold: float = COSINE_THRESHOLD,
        jaccard_threshold: float = JACCARD_THRESHOLD,
        compare_last: int = 200,
        link_code_ttl: timedelta = timedelta(minutes=10),
    ) -> None:
        self.keys = keys or (KeyStore(Path(key_dir)) if key_dir is not None else KeyStore())
        self.half_life = half_life
        self.cosine_threshold = cosine_threshold
        self.jaccard_threshold = jaccard_threshold
        self.compare_last = compare_last
        self.link_code_ttl = link_code_ttl
        self._vectors: dict[int, Any] = {}
        self._shingles: dict[int, frozenset[str]] = {}

    def __repr__(self) -> str:
        return f"Provenance(keys={self.keys!r})"

    # -- CoreHooks -------------------------------------------------------------------------------------

    async def lineage_facts(self, core: Core, tx: Tx, release: Release) -> Sequence[ParentFacts]:
        """Facts about each resolved parent, for `parent_permissions` and `license_flowdown`."""
        return await parent_facts(tx, release)

    async def digest_lines(self, core: Core, tx: Tx, community_id: int, since: datetime) -> Sequence[str]:
        """The week's most-credited models."""
        return await most_credited(tx, community_id, since)

    async def after_announcement(
        self,
        core: Core,
        tx: Tx,
        release: Release,
        author: Account,
        fields: ReleaseFields,
        event: MessagePosted,
        created: bool,
        now: datetime,
    ) -> Sequence[Action]:
        """Claims, re-upload evidence and credit notices for a newly registered release."""
        if not created:
            return ()  # a cross-post by the same person: its claims were recorded the first time
        community = await tx.community(release.community_id)
        slug = community.slug if community else str(release.community_id)
        config = core.communities.get(slug)
        same_person = set(await tx.accounts_of_person(author))
        headers, header_evidence = await self._read_headers(event, author, fields)
        self._remember_stated(release, event.text, headers)
        values = claim_values(fields) + [ClaimValue("tensor_sha256", h.tensor_sha256) for h in headers]
        matches = await claim_matches(tx, release.community_id, values, same_person, release.id)
        await self._text_matches(core, tx, release, event.text, same_person, matches)
        if header_evidence:
            if matches:
                for m in matches.values():
                    m.evidence.extend(header_evidence)
            else:
                matches[0] = ReuploadMatch(None, None, None, list(header_evidence))
        announcement = await tx.announcement_at(event.chat.platform, event.chat.chat_id, event.message_id)
        recorded = await self._record(
            tx, slug, author, values, release, announcement.id if announcement else None, now, core
        )
        actions: list[Action] = []
        mod_chats = chats_for(config, "mod", "review", "releases") if config else []
        for m in matches.values():
            actions.extend(
                alert_actions(
                    m, later=release, later_account=author, later_claims=recorded, now=now, mod_chats=mod_chats
                )
            )
            await tx.audit(
                release.community_id,
                actor="normbot",
                action="provenance.reupload_suspected",
                subject=release_ref(release),
                payload={
                    "earlier": m.earlier.id if m.earlier else None,
                    "evidence": [e[:200] for e in m.evidence[:10]],
                },
                at=now,
            )
            core.stats["reupload_alerts"] += 1
        actions.extend(await self._credit_notices(tx, release, author, same_person))
        return actions

    # -- pieces ----------------------------------------------------------------------------------------

    async def _record(
        self,
        tx: Tx,
        slug: str,
        author: Account,
        values: Sequence[ClaimValue],
        release: Release,
        announcement_id: int | None,
        now: datetime,
        core: Core,
    ) -> list[str]:
        labels: list[str] = []
        for v in values:
            try:
                claim = await record_claim(
                    tx,
                    self.keys,
                    community_id=release.community_id,
                    community_slug=slug,
                    account=author,
                    value=v,
                    release=release,
                    announcement_id=announcement_id,
                    source="announcement",
                    now=now,
                )
            except KeyProblem as exc:
                # The claim itself matters more than its receipt: keep the announcement flowing.
                log.error("cannot sign claim receipts: %s", exc)
                core.stats["receipt_errors"] += 1
                continue
            if claim is not None:
                core.stats["claims_recorded"] += 1
                labels.append(f"C{claim.id} {v.kind.replace('_', '-')}")
        return labels

    async def _read_headers(
        self, event: MessagePosted, author: Account, fields: ReleaseFields
    ) -> tuple[list[SafetensorsInfo], list[str]]:
        infos: list[SafetensorsInfo] = []
        evidence: list[str] = []
        for att in event.attachments:
            if not att.local_path or not att.name.lower().endswith(".safetensors"):
                continue
            try:
                info = await asyncio.to_thread(read_safetensors, att.local_path)
            except SafetensorsError as exc:
                log.info("unreadable safetensors attachment: %s", exc)
                continue
            infos.append(info)
            if info.author and not (
                _same_name(info.author, author.display_name) or _same_name(info.author, author.user_id)
            ):
                evidence.append(
                    f"{clip(att.name, 60)} header names author {clip(info.author, 40)!r}, "
                    f"but {clip(author.display_name, 40)!r} announced it"
                )
            if info.license and fields.license and normalize_license(info.license) != normalize_license(fields.license):
                evidence.append(
                    f"{clip(att.name, 60)} header says license {clip(info.license, 40)!r}, "
                    f"the announcement says {clip(fields.license, 40)!r}"
                )
        return infos, evidence

    @staticmethod
    def _remember_stated(release: Release, text: str, headers: Sequence[SafetensorsInfo]) -> None:
        """Keep stated permissions and header facts in `fields.extra`, where lineage reads them later."""
        extra = dict(release.fields_json.get("extra", {}))
        extra.update(parse_permissions(text))
        for h in headers[:1]:
            extra["tensor_sha256"] = h.tensor_sha256
            if h.author:
                extra["header_author"] = h.author
            if h.license:
                extra["header_license"] = h.license
            if h.merged_from:
                extra["header_merged_from"] = ", ".join(h.merged_from)[:500]
        if extra != release.fields_json.get("extra", {}):
            release.fields_json = {**release.fields_json, "extra": extra}

    def _embedder(self, core: Core) -> Callable[[Sequence[str]], Any] | None:
        embed = getattr(core.detector, "embed", None)
        return embed if callable(embed) else None

    async def _text_matches(
        self, core: Core, tx: Tx, release: Release, text: str, same_person: set[int], matches: dict[int, ReuploadMatch]
    ) -> None:
        if len(normalise_text(text)) < MIN_CHARS:
            return
        rows = [
            (a, r, acc)
            for a, r, acc in await q.recent_announcements(
                tx, release.community_id, exclude_release=release.id, limit=self.compare_last
            )
            if acc.id not in same_person
            and r.creator_id not in same_person
            and len(self._shingles_of(a.id, a.text)) >= MIN_CHARS - SHINGLE + 1
        ]
        if not rows:
            return
        mine = shingles(text)
        jaccards = [jaccard(mine, self._shingles_of(a.id, a.text)) for a, _, _ in rows]
        cosines = await self._cosines(core, text, [(a.id, a.text) for a, _, _ in rows])
        for k, (a, r, acc) in enumerate(rows):
            reasons = []
            if jaccards[k] >= self.jaccard_threshold:
                reasons.append(f"{jaccards[k]:.0%} character-shingle Jaccard")
            if cosines is not None and cosines[k] >= self.cosine_threshold:
                reasons.append(f"{cosines[k]:.2f} embedding cosine")
            if not reasons:
                continue
            m = matches.get(acc.id)
            if m is None:
                m = matches[acc.id] = ReuploadMatch(r, acc, a.created_at)
            m.evidence.append(
                f"announcement text near-identical to {release_ref(r)} {title_of(r)} ({', '.join(reasons)})"
            )

    def _shingles_of(self, announcement_id: int, text: str) -> frozenset[str]:
        """Shingles of a stored announcement (cached: announcements are never edited)."""
        cached = self._shingles.get(announcement_id)
        if cached is None:
            if len(self._shingles) > _CACHE_MAX:
                self._shingles.clear()
            cached = self._shingles[announcement_id] = shingles(text)
        return cached

    async def _cosines(self, core: Core, text: str, others: Sequence[tuple[int, str]]) -> list[float] | None:
        embed = self._embedder(core)
        if embed is None:
            return None
        missing = [(i, t) for i, t in others if i not in self._vectors]
        try:
            vectors = await asyncio.to_thread(embed, [text, *(t for _, t in missing)])
        except Exception:  # a broken model must not stop announcements; fall back to shingles
            log.exception("embedding failed; using shingle similarity")
            return None
        if vectors is None:
            return None
        if len(self._vectors) > _CACHE_MAX:
            self._vectors.clear()
        for (i, _), vec in zip(missing, vectors[1:], strict=True):
            self._vectors[i] = vec
        import numpy as np

        stack = np.stack([self._vectors[i] for i, _ in others])
        return cosine_scores(vectors[0], stack)

    async def _credit_notices(self, tx: Tx, release: Release, author: Account, same_person: set[int]) -> list[Action]:
        actions: list[Action] = []
        told: set[int] = set()
        for parent, relation in await resolve_parents(tx, release):
            if parent.creator_id in same_person or parent.creator_id in told:
                continue
            creator = await tx.account(parent.creator_id)
            if creator is None:
                continue
            told.add(parent.creator_id)
            role = "base model" if relation == "base" else "parent"
            body = (
                f"{release_ref(release)} {title_of(release)} names your {release_ref(parent)} "
                f"{clip(parent.model_name, 60)} as its {role}. See /provenance {release_ref(release)}."
            )
            stated = ReleaseFields.from_json(parent.fields_json).extra
            if permission_of(stated, ALLOW_DERIVATIVES) is False:
                body += "\nYou said derivatives are not allowed; the norm check shows this to the reviewers."
            actions.append(
                DirectMessage(
                    creator.platform,
                    creator.user_id,
                    Card(f"{clip(author.display_name, 40)} credits your model {clip(parent.model_name, 60)}", body),
                )
            )
        return actions
