"""`Provenance`: the `CoreHooks` implementation that plugs claims, re-upload alerts, lineage and credit in.

`bot.wiring.build_core` constructs one per process. It owns the community key (`KeyStore`) and the
settings that are not norms: thresholds, the reputation half-life, how many earlier announcements a new one
is compared with, and a small cache of announcement embeddings (ids are stable; an edited text drops its entry).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.kernel.actions import Action, Card, DirectMessage
from moderation.kernel.community import chats_for
from moderation.kernel.events import MessagePosted
from moderation.kernel.i18n import _
from moderation.kernel.redaction import redacting_logger
from moderation.provenance.claims import ReuploadMatch, alert_actions, claim_matches, record_claims
from moderation.provenance.keys import KeyStore
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
    pack_vector,
    shingles,
    unpack_vector,
)
from moderation.provenance.values import ClaimValue, claim_values
from moderation.releases.cards import clip, release_ref, title_of
from norms import ParentFacts
from norms.fields import ReleaseFields
from norms.licenses import normalize_license
from storage import Account, AnnouncementRef, Release, Tx, personal

if TYPE_CHECKING:
    from moderation.kernel.services import Services

__all__ = ["Provenance"]

log = redacting_logger("normbot.provenance")


@dataclass(frozen=True, slots=True)
class TextNeighbours:
    """A new announcement's text scored against recent ones, before its unit of work (`prepare_announcement`)."""

    vector: Any
    scored: list[tuple[AnnouncementRef, float, float | None]]  # (neighbour, Jaccard, cosine or None)
    embedded: dict[int, Any]  # neighbours' vectors the model made just now (none stored): kept with this one


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
        cache_size: int = 20_000,
    ) -> None:
        self.keys = keys or (KeyStore(Path(key_dir)) if key_dir is not None else KeyStore())
        self.half_life = half_life
        self.cosine_threshold = cosine_threshold
        self.jaccard_threshold = jaccard_threshold
        self.compare_last = compare_last
        self.link_code_ttl = link_code_ttl
        self.cache_size = cache_size
        self._vectors: OrderedDict[int, Any] = OrderedDict()
        self._shingles: OrderedDict[int, frozenset[str]] = OrderedDict()

    def __repr__(self) -> str:
        return f"Provenance(keys={self.keys!r})"

    # -- CoreHooks -------------------------------------------------------------------------------------

    async def lineage_facts(self, services: Services, tx: Tx, release: Release) -> Sequence[ParentFacts]:
        """Facts about each resolved parent, for `parent_permissions` and `license_flowdown`."""
        return await parent_facts(tx, release)

    async def digest_lines(self, services: Services, tx: Tx, community_id: int, since: datetime) -> Sequence[str]:
        """The week's most-credited models."""
        return await most_credited(tx, community_id, since)

    async def prepare_announcement(
        self, services: Services, community_id: int, event: MessagePosted, embedding: Any = None
    ) -> TextNeighbours | None:
        """Before the announcement's unit of work: score its text against the community's recent announcements.

        The embedding model and a read of up to `compare_last` texts happen here, outside the transaction
        that registers the release: on SQLite units of work are serialised, so a model call inside one would
        hold every other event up (measured in docs/performance.md). `embedding` is the detector's vector of
        this text when it has one, so the text is not embedded twice. Announcements committed between this
        read and the registration are not compared, exactly as if they had arrived a moment later.
        """
        text = event.text
        if len(normalise_text(text)) < MIN_CHARS or self._embedder(services) is None:
            return None  # without a model nothing here is slow: `after_announcement` scores in its own unit
        async with services.store.transaction() as tx:
            recent, texts = await self._neighbours(services, tx, community_id)
        return await self._score(services, text, embedding, recent, texts)

    async def after_announcement(
        self,
        services: Services,
        tx: Tx,
        release: Release,
        author: Account,
        fields: ReleaseFields,
        event: MessagePosted,
        created: bool,
        now: datetime,
        *,
        announcement_id: int | None = None,
        prepared: object = None,
    ) -> Sequence[Action]:
        """Claims, re-upload evidence and credit notices for a newly registered release."""
        if not created:
            return ()  # a cross-post by the same person: its claims were recorded the first time
        slug = services.directory.slug_of(release.community_id) or str(release.community_id)
        same_person = set(await tx.accounts.of_person(author))
        headers, header_evidence = await self._read_headers(event, author, fields)
        self._remember_stated(release, event.text, headers)
        values = claim_values(fields) + [ClaimValue("tensor_sha256", h.tensor_sha256) for h in headers]
        matches = await claim_matches(tx, release.community_id, values, same_person, release.id)
        neighbours = prepared if isinstance(prepared, TextNeighbours) else None
        if neighbours is None and len(normalise_text(event.text)) >= MIN_CHARS:
            # Called without the preparation step (a hook user of its own): score inside the transaction.
            neighbours = await self._score_in_tx(services, tx, release.community_id, event.text)
        if neighbours is not None:
            await self._text_matches(tx, release, same_person, neighbours, matches)
            if announcement_id is not None:
                # Only once committed: a rolled-back id can be handed out again on SQLite.
                remembered_id, vector = announcement_id, neighbours.vector
                tx.on_commit(lambda: self._remember(remembered_id, event.text, vector))
        if header_evidence:
            if matches:
                for m in matches.values():
                    m.evidence.extend(header_evidence)
            else:
                matches[0] = ReuploadMatch(None, None, None, list(header_evidence))
        if announcement_id is None:
            announcement = await tx.announcements.by_message(event.chat.platform, event.chat.chat_id, event.message_id)
            announcement_id = announcement.id if announcement else None
        model = self._model_name(services)
        if neighbours is not None and neighbours.vector is not None and model:
            # This announcement's vector, and those of earlier ones the model just made (announced before
            # the model was on): no process has to embed them again.
            fresh = dict(neighbours.embedded)
            if announcement_id is not None:
                fresh[announcement_id] = neighbours.vector
            await tx.announcements.add_vectors(model, {i: pack_vector(v) for i, v in fresh.items()})
        recorded = await self._record(tx, slug, author, values, release, announcement_id, now, services)
        actions = await self._alerts(services, tx, release, author, matches, recorded, now)
        actions.extend(await self._credit_notices(tx, release, author, same_person))
        return actions

    async def after_content_change(
        self,
        services: Services,
        tx: Tx,
        release: Release,
        creator: Account,
        before: ReleaseFields,
        after: ReleaseFields,
        now: datetime,
        *,
        announcement_id: int | None = None,
        text: str | None = None,
    ) -> Sequence[Action]:
        """A release's hashes or links changed after it was announced: the values it states now are claimed
        for its creator, and a value someone else claimed first raises the same re-upload alert an
        announcement would. Without this an "endorse, then swap" edit could put another creator's file
        under an endorsed release unseen. An edited wording also drops the cached and stored text vectors
        of that announcement, which describe words it no longer says."""
        if announcement_id is not None and text is not None:
            self._shingles.pop(announcement_id, None)
            self._vectors.pop(announcement_id, None)
            await tx.announcements.forget_vectors([announcement_id])
            self._remember_stated(release, text, ())
        known = set(claim_values(before))
        values = [v for v in claim_values(after) if v not in known]
        if not values:
            return ()
        slug = services.directory.slug_of(release.community_id) or str(release.community_id)
        same_person = set(await tx.accounts.of_person(creator))
        matches = await claim_matches(tx, release.community_id, values, same_person, release.id)
        recorded = await self._record(tx, slug, creator, values, release, announcement_id, now, services, source="edit")
        return await self._alerts(services, tx, release, creator, matches, recorded, now)

    async def _alerts(
        self,
        services: Services,
        tx: Tx,
        release: Release,
        author: Account,
        matches: dict[int, ReuploadMatch],
        recorded: list[str],
        now: datetime,
    ) -> list[Action]:
        """The moderators' card and the earlier creator's DM for each match, audited."""
        slug = services.directory.slug_of(release.community_id) or str(release.community_id)
        config = services.communities.get(slug)
        actions: list[Action] = []
        mod_chats = chats_for(config, "mod", "review", "releases") if config else []
        for m in matches.values():
            actions.extend(
                alert_actions(
                    m, later=release, later_account=author, later_claims=recorded, now=now, mod_chats=mod_chats
                )
            )
            await tx.audit_log.append(
                release.community_id,
                actor="normbot",
                action="provenance.reupload_suspected",
                subject=release_ref(release),
                payload={
                    "earlier": m.earlier.id if m.earlier else None,
                    "evidence": [personal(e[:200]) for e in m.evidence[:10]],
                },
                at=now,
            )
            services.stats["reupload_alerts"] += 1
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
        services: Services,
        *,
        source: str = "announcement",
    ) -> list[str]:
        claims, problem = await record_claims(
            tx,
            self.keys,
            community_id=release.community_id,
            community_slug=slug,
            account=author,
            values=values,
            release=release,
            announcement_id=announcement_id,
            source=source,
            now=now,
        )
        if problem is not None:
            # The claims stand without receipts: keep the announcement flowing.
            log.error("cannot sign claim receipts: %s", problem)
            services.stats["receipt_errors"] += sum(1 for c in claims if c.receipt is None)
        services.stats["claims_recorded"] += len(claims)
        return [f"C{c.id} {c.kind.replace('_', '-')}" for c in claims if c.receipt is not None]

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
                    _("{file} header names author {author}, but {announcer} announced it").format(
                        file=clip(att.name, 60),
                        author=repr(clip(info.author, 40)),
                        announcer=repr(clip(author.display_name, 40)),
                    )
                )
            if info.license and fields.license and normalize_license(info.license) != normalize_license(fields.license):
                evidence.append(
                    _("{file} header says license {license}, the announcement says {stated}").format(
                        file=clip(att.name, 60),
                        license=repr(clip(info.license, 40)),
                        stated=repr(clip(fields.license, 40)),
                    )
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

    def _embedder(self, services: Services) -> Callable[[Sequence[str]], Any] | None:
        """The detector's `embed`, unless the detector says it runs without its model (`model_status`):
        then there is nothing to embed with, and no reason for `prepare_announcement` to read anything."""
        embed = getattr(services.detector, "embed", None)
        if not callable(embed):
            return None
        status = getattr(services.detector, "model_status", "loaded")
        return embed if status == "loaded" else None

    async def _score_in_tx(self, services: Services, tx: Tx, community_id: int, text: str) -> TextNeighbours:
        recent, texts = await self._neighbours(services, tx, community_id)
        return await self._score(services, text, None, recent, texts)

    async def _neighbours(
        self, services: Services, tx: Tx, community_id: int
    ) -> tuple[list[AnnouncementRef], dict[int, str]]:
        """The community's recent announcements, and the texts of those whose shingles or vector (with a
        model) are not cached yet."""
        recent = await tx.announcements.recent_refs(community_id, limit=self.compare_last)
        with_model = self._embedder(services) is not None
        model = self._model_name(services)
        if with_model and model is not None:
            # Vectors stored at registration: a restarted process or another replica reads them instead
            # of running the model over every neighbour again.
            unseen = [r.announcement_id for r in recent if r.announcement_id not in self._vectors]
            for i, data in (await tx.announcements.vectors(unseen, model)).items():
                self._cache_vector(i, unpack_vector(data))
        missing = [
            r.announcement_id
            for r in recent
            if r.announcement_id not in self._shingles or (with_model and r.announcement_id not in self._vectors)
        ]
        return recent, await tx.announcements.texts(missing)

    async def _score(
        self, services: Services, text: str, embedding: Any, recent: Sequence[AnnouncementRef], texts: dict[int, str]
    ) -> TextNeighbours:
        """Jaccard (and cosine, with a model) of `text` against each neighbour long enough to compare."""
        rows = [
            r
            for r in recent
            if len(self._shingles_of(r.announcement_id, texts.get(r.announcement_id, ""))) >= MIN_CHARS - SHINGLE + 1
        ]
        mine = shingles(text)
        jaccards = [jaccard(mine, self._shingles_of(r.announcement_id, "")) for r in rows]
        vector, cosines, embedded = await self._cosines(
            services, text, embedding, [(r.announcement_id, texts.get(r.announcement_id)) for r in rows]
        )
        return TextNeighbours(
            vector,
            [(r, jaccards[k], cosines[k] if cosines is not None else None) for k, r in enumerate(rows)],
            embedded,
        )

    async def _text_matches(
        self,
        tx: Tx,
        release: Release,
        same_person: set[int],
        neighbours: TextNeighbours,
        matches: dict[int, ReuploadMatch],
    ) -> None:
        for ref, jac, cos in neighbours.scored:
            if ref.release_id == release.id or ref.author_id in same_person or ref.creator_id in same_person:
                continue
            reasons = []
            if jac >= self.jaccard_threshold:
                reasons.append(_("{share} character-shingle Jaccard").format(share=f"{jac:.0%}"))
            if cos is not None and cos >= self.cosine_threshold:
                reasons.append(_("{score} embedding cosine").format(score=f"{cos:.2f}"))
            if not reasons:
                continue
            earlier = await tx.releases.get(release.community_id, ref.release_id)
            account = await tx.accounts.get(ref.author_id)
            if earlier is None or account is None:
                continue  # removed meanwhile (forget-me): nothing to show
            m = matches.get(account.id)
            if m is None:
                m = matches[account.id] = ReuploadMatch(earlier, account, ref.created_at)
            m.evidence.append(
                _("announcement text near-identical to {ref} {title} ({reasons})").format(
                    ref=release_ref(earlier), title=title_of(earlier), reasons=", ".join(reasons)
                )
            )

    def _shingles_of(self, announcement_id: int, text: str) -> frozenset[str]:
        """Shingles of a stored announcement (cached, least recently used out; an edited announcement's entry is
        dropped by `after_content_change`)."""
        cached = self._shingles.get(announcement_id)
        if cached is None:
            cached = self._shingles[announcement_id] = shingles(text)
            if len(self._shingles) > self.cache_size:
                self._shingles.popitem(last=False)
        else:
            self._shingles.move_to_end(announcement_id)
        return cached

    def _remember(self, announcement_id: int, text: str, vector: Any) -> None:
        """Cache a new announcement's shingles and vector: the next announcement compares with it for free."""
        self._shingles_of(announcement_id, text)
        if vector is not None:
            self._cache_vector(announcement_id, vector)

    def _cache_vector(self, announcement_id: int, vector: Any) -> None:
        """Keep a vector, least recently cached out beyond `cache_size`."""
        self._vectors[announcement_id] = vector
        if len(self._vectors) > self.cache_size:
            self._vectors.popitem(last=False)

    @staticmethod
    def _model_name(services: Services) -> str | None:
        """The identity of the detector's vectors (`Detector.embedding_model`); None: do not store them."""
        name = getattr(services.detector, "embedding_model", None)
        return name if isinstance(name, str) and name else None

    async def _cosines(
        self, services: Services, text: str, embedding: Any, others: Sequence[tuple[int, str | None]]
    ) -> tuple[Any, list[float] | None, dict[int, Any]]:
        """(this text's vector, cosine with each of `others`, the vectors of `others` the model had to make),
        or (None, None, {}) without a working model."""
        embed = self._embedder(services)
        if embed is None:
            return None, None, {}
        # Vectors are taken out of the cache before the model runs: other announcements use it meanwhile.
        have = {i: self._vectors[i] for i, _text in others if i in self._vectors}
        missing = [(i, t or "") for i, t in others if i not in have]
        wanted = ([] if embedding is not None else [text]) + [t for _, t in missing]
        try:
            vectors = await asyncio.to_thread(embed, wanted) if wanted else []
        except Exception:  # a broken model must not stop announcements; fall back to shingles
            log.exception("embedding failed; using shingle similarity")
            return None, None, {}
        if vectors is None:
            return None, None, {}
        if embedding is None:
            embedding, vectors = vectors[0], vectors[1:]
        embedded: dict[int, Any] = {}
        for (i, _text), vec in zip(missing, vectors, strict=True):
            have[i] = embedded[i] = vec
            self._cache_vector(i, vec)
        if not others:
            return embedding, [], embedded
        import numpy as np

        stack = np.stack([have[i] for i, _text in others])
        return embedding, cosine_scores(embedding, stack), embedded

    async def _credit_notices(self, tx: Tx, release: Release, author: Account, same_person: set[int]) -> list[Action]:
        actions: list[Action] = []
        told: set[int] = set()
        for parent, relation in await resolve_parents(tx, release):
            if parent.creator_id in same_person or parent.creator_id in told:
                continue
            creator = await tx.accounts.get(parent.creator_id)
            if creator is None:
                continue
            told.add(parent.creator_id)
            names = (
                _("{release} names your {parent} as its base model. See /provenance {ref}.")
                if relation == "base"
                else _("{release} names your {parent} as its parent. See /provenance {ref}.")
            )
            body = names.format(
                release=f"{release_ref(release)} {title_of(release)}",
                parent=f"{release_ref(parent)} {clip(parent.model_name, 60)}",
                ref=release_ref(release),
            )
            stated = ReleaseFields.from_json(parent.fields_json).extra
            if permission_of(stated, ALLOW_DERIVATIVES) is False:
                body += "\n" + _("You said derivatives are not allowed; the norm check shows this to the reviewers.")
            title = _("{author} credits your model {model}").format(
                author=clip(author.display_name, 40), model=clip(parent.model_name, 60)
            )
            actions.append(DirectMessage(creator.platform, creator.user_id, Card(title, body)))
        return actions
