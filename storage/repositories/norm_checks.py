"""`NormChecks`: norm checks of releases with their per-norm results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select

from storage.models import (
    NormCheck,
    NormResult,
)
from storage.repositories.base import Repository

__all__ = ["NormChecks", "ResultRow"]

# The `block` norms the newest check of a release failed: the one thing the endorsement path needs of the check.
_BLOCKING_NORMS = (
    select(NormResult.norm_id)
    .where(
        NormResult.check_id
        == select(func.max(NormCheck.id)).where(NormCheck.release_id == bindparam("release_id")).scalar_subquery(),
        NormResult.severity == "block",
        NormResult.outcome == "fail",
    )
    .order_by(NormResult.id)
)


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One norm result to store with a check."""

    norm_id: str
    need: str
    severity: str
    outcome: str
    evidence: str


class NormChecks(Repository):
    """Norm checks of releases with their per-norm results."""

    async def add(
        self,
        release_id: int,
        *,
        pack_id: str,
        pack_version: str,
        pack_digest: str,
        trigger: str,
        actor_id: int | None,
        results: Sequence[ResultRow],
        at: datetime,
    ) -> NormCheck:
        """Store a check and its per-norm results."""
        values: dict[str, Any] = {
            "release_id": release_id,
            "pack_id": pack_id,
            "pack_version": pack_version,
            "pack_digest": pack_digest,
            "trigger": trigger,
            "actor_id": actor_id,
            "created_at": at,
        }
        # Core statements, not ORM objects: the check's id comes back with its INSERT, the results go in one
        # executemany, and the unit of work remembers both as plain (transient) rows for the prompt that
        # follows. Building ORM objects from RETURNING cost more than the statements themselves here.
        check_table: Any = NormCheck.__table__
        check_id = (await self.s.execute(insert(check_table).values(**values).returning(check_table.c.id))).scalar_one()
        check = NormCheck(id=check_id, **values)
        result_values = [
            {
                "check_id": check_id,
                "norm_id": r.norm_id,
                "need": r.need,
                "severity": r.severity,
                "outcome": r.outcome,
                "evidence": r.evidence,
            }
            for r in results
        ]
        if result_values:
            await self.s.execute(insert(NormResult.__table__), result_values)  # type: ignore[arg-type]
        rows = [NormResult(**v) for v in result_values]
        self.memory.latest_checks[release_id] = (check, rows)
        return check

    async def latest(self, release_id: int) -> tuple[NormCheck, list[NormResult]] | None:
        """The newest check of a release with its results (a check stored in this unit of work is the newest)."""
        cached = self.memory.latest_checks.get(release_id)
        if cached is not None:
            return cached[0], list(cached[1])
        stmt = select(NormCheck).where(NormCheck.release_id == release_id).order_by(NormCheck.id.desc()).limit(1)
        check = (await self.s.execute(stmt)).scalar_one_or_none()
        if check is None:
            return None
        rows = await self.s.execute(select(NormResult).where(NormResult.check_id == check.id).order_by(NormResult.id))
        return check, list(rows.scalars())

    async def blocking_norms(self, release_id: int) -> list[str]:
        """Norm ids of `block` severity that the newest check of the release failed, in one statement (the
        quorum test on every endorsement needs only this, not the check with all its results)."""
        cached = self.memory.latest_checks.get(release_id)
        if cached is not None:
            return [r.norm_id for r in cached[1] if r.severity == "block" and r.outcome == "fail"]
        return list((await self.s.execute(_BLOCKING_NORMS, {"release_id": release_id})).scalars())
