"""Detection corrections: labelled examples the community gives the detector ("the community teaches it").

A moderator or a message's author says whether one chat message is a release announcement. The store keeps
one row per (community, platform, chat, message): marking twice, or a platform event delivered twice,
stores one example, and a later opposite correction updates that row (the caller audits each change in the
community's hash chain, so the history is not lost). `Corrections.detection_corrections` reads them back as records in
the labelled corpus's format, ready to be appended to a training or evaluation set.

`Tx.corrections` stores a correction in the unit of work of the command that made it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select, update

from storage.models import Account, Community, DetectionCorrection
from storage.repositories.base import Repository

__all__ = ["Correction", "Corrections", "guess_lang"]

Outcome = Literal["stored", "changed", "unchanged"]


@dataclass(frozen=True, slots=True)
class Correction:
    """What `Corrections.record` did: `stored` a new example, `changed` its label, or left it `unchanged`."""

    outcome: Outcome
    id: int
    was_release: bool | None  # the label before a change (None when the example is new)


# Scripts that settle the language on their own, then a few function words per Latin-script language of the
# labelled corpus (es, de, pt, fr); anything else is "en". A guess for the corpus's `lang` field, no more.
_SCRIPTS = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"),
    (re.compile(r"[\u0400-\u04ff]"), "ru"),
)
_WORDS = {
    "es": {"el", "la", "los", "las", "de", "del", "para", "con", "una", "nuevo", "nueva", "es", "que", "por", "lanzo"},
    "de": {"der", "die", "das", "und", "ist", "mit", "für", "ein", "eine", "neues", "neue", "nicht", "auf", "ich"},
    "pt": {"o", "os", "as", "do", "da", "dos", "para", "com", "uma", "novo", "nova", "não", "é", "em", "meu"},
    "fr": {"le", "les", "des", "du", "pour", "avec", "une", "nouveau", "nouvelle", "est", "et", "sur", "je", "mon"},
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_lang(text: str) -> str:
    """An ISO 639-1 guess from the script and a handful of function words; "en" when nothing points elsewhere."""
    for pattern, lang in _SCRIPTS:
        if pattern.search(text):
            return lang
    words = [w.lower() for w in _WORD.findall(text)[:400]]
    if not words:
        return "en"
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    english = sum(w in {"the", "and", "for", "with", "is", "my", "new", "of", "to", "a"} for w in words)
    return best if scores[best] >= 2 and scores[best] > english else "en"


def _iso(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Corrections(Repository):
    """Detection corrections of one unit of work: store them, read them back as corpus records."""

    async def record(
        self,
        *,
        community_id: int,
        platform: str,
        chat_id: str,
        message_id: str,
        text: str,
        author_id: int,
        is_release: bool,
        corrected_by: int,
        release_id: int | None,
        at: datetime,
    ) -> Correction:
        """Store that a message is (or is not) a release; one row per message, whatever the number of calls.

        `INSERT ... ON CONFLICT DO NOTHING` first (a duplicate is a zero row count, never an aborted PostgreSQL
        transaction), then a conditional UPDATE that only matches when the label differs, so two replicas
        handling the same correction change the row once."""
        key = {"community_id": community_id, "platform": platform, "chat_id": chat_id, "message_id": message_id}
        new_id = await self.insert_ignore_returning(
            DetectionCorrection.__table__,
            {
                **key,
                "text": text,
                "author_id": author_id,
                "is_release": is_release,
                "corrected_by": corrected_by,
                "release_id": release_id,
                "created_at": at,
                "corrected_at": at,
            },
        )
        if new_id is not None:
            return Correction("stored", int(new_id), None)
        where = [getattr(DetectionCorrection, k) == v for k, v in key.items()]
        values: dict[str, Any] = {
            "is_release": is_release,
            "corrected_by": corrected_by,
            "corrected_at": at,
            "text": text,
        }
        if release_id is not None:
            values["release_id"] = release_id
        changed = await self.s.execute(
            update(DetectionCorrection)
            .where(*where, DetectionCorrection.is_release != is_release)
            .values(**values)
            .returning(DetectionCorrection.id)
            .execution_options(synchronize_session=False)
        )
        row_id = changed.scalar_one_or_none()
        if row_id is not None:
            return Correction("changed", int(row_id), not is_release)
        existing = (
            await self.s.execute(select(DetectionCorrection.id, DetectionCorrection.release_id).where(*where))
        ).one()
        if release_id is not None and existing.release_id is None:
            await self.s.execute(
                update(DetectionCorrection)
                .where(DetectionCorrection.id == existing.id)
                .values(release_id=release_id)
                .execution_options(synchronize_session=False)
            )
        return Correction("unchanged", int(existing.id), is_release)

    async def of_community(self, community_id: int) -> list[DetectionCorrection]:
        """A community's corrections, oldest first."""
        stmt = select(DetectionCorrection).where(DetectionCorrection.community_id == community_id)
        return list((await self.s.execute(stmt.order_by(DetectionCorrection.id))).scalars())

    async def detection_corrections(
        self, community: str | None = None, *, batch: int = 500
    ) -> AsyncIterator[dict[str, Any]]:
        """Every correction (of the community with slug `community`, or of all), oldest first, as a record of the
        labelled corpus: `{"id", "text", "is_release", "fields": {}, "source", "split": "train", "lang",
        "community", "corrected_by", "at"}`. `source` is `normbot:<community>/<platform>/<chat>/<message>`;
        `corrected_by` is the corrector's `platform:user_id` (as the audit log names actors); `at` is the time of
        the latest correction in UTC. Read in pages of `batch` rows (by id), so a large store streams."""
        after = 0
        while True:
            stmt = (
                select(DetectionCorrection, Community.slug, Account.platform, Account.user_id)
                .join(Community, Community.id == DetectionCorrection.community_id)
                .join(Account, Account.id == DetectionCorrection.corrected_by)
                .where(DetectionCorrection.id > after)
                .order_by(DetectionCorrection.id)
                .limit(batch)
            )
            if community is not None:
                stmt = stmt.where(Community.slug == community)
            rows = (await self.s.execute(stmt)).all()
            for row, slug, platform, user_id in rows:
                yield {
                    "id": f"normbot-{slug}-{row.id}",
                    "text": row.text,
                    "is_release": bool(row.is_release),
                    "fields": {},
                    "source": f"normbot:{slug}/{row.platform}/{row.chat_id}/{row.message_id}",
                    "split": "train",
                    "lang": guess_lang(row.text),
                    "community": slug,
                    "corrected_by": f"{platform}:{user_id}",
                    "at": _iso(row.corrected_at),
                }
            if len(rows) < batch:
                return
            after = rows[-1][0].id
