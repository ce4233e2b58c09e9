"""What every repository shares: the unit of work's session and memory, and the insert helpers written once.

A repository is one aggregate's queries (releases, endorsements, the audit log...) inside one unit of work. It
holds the unit's `AsyncSession` and its `UnitMemory`, and nothing else, except the sibling repositories a
cross-aggregate query needs (named in its constructor). Hot inserts use a dialect-level
`INSERT ... ON CONFLICT DO NOTHING` so a duplicate is a zero row count, not an exception that aborts the
PostgreSQL transaction; the statements are built once per dialect and table (`_ignoring`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import NormCheck, NormResult

__all__ = ["Repository", "UnitMemory", "escape_like", "rowcount"]

_IGNORING: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def escape_like(value: str) -> str:
    """Make user-derived text literal inside a LIKE pattern."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def rowcount(result: Any) -> int:
    """The row count of an UPDATE or DELETE result (typed `Result` hides the attribute)."""
    return int(result.rowcount)


class UnitMemory:
    """Memory of one unit of work that several repositories read and write (it dies with the transaction, so
    it can never go stale across events): releases created here, and norm checks stored here.

    Releases created here that nobody endorsed or flagged here: no other transaction can have rows that point
    at them yet (the release is not committed), so their counts are known to be zero. A check stored here is
    the release's newest, so the prompt and the quorum test that follow need not read it back."""

    __slots__ = ("fresh_releases", "latest_checks")

    def __init__(self) -> None:
        self.fresh_releases: set[int] = set()
        self.latest_checks: dict[int, tuple[NormCheck, list[NormResult]]] = {}

    def clear(self) -> None:
        """Forget everything (the unit of work was rolled back)."""
        self.fresh_releases.clear()
        self.latest_checks.clear()


class Repository:
    """Base of the repositories: the session, the unit's memory, and the shared insert helpers."""

    __slots__ = ("memory", "s")

    def __init__(self, session: AsyncSession, memory: UnitMemory) -> None:
        self.s = session
        self.memory = memory

    async def insert_ignore(self, table: Any, values: dict[str, Any]) -> bool:
        """INSERT that silently skips a unique-constraint conflict; True when a row was written."""
        result = await self.s.execute(self._ignoring(table), values)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def insert_many_ignore(
        self, table: Any, rows: Sequence[dict[str, Any]], returning: tuple[str, ...] = ("id",)
    ) -> list[tuple[Any, ...]]:
        """`insert_ignore` for several rows in one round trip: the `returning` columns of the rows written.

        An executemany of the one cached single-row statement (SQLAlchemy batches it into multi-row VALUES
        at run time), never a `.values([...])` statement: SQLAlchemy cannot cache a multi-row VALUES
        statement, and compiling one anew for every announcement cost more than the round trip it saves."""
        if not rows:
            return []
        result = await self.s.execute(self._ignoring(table, returning), list(rows))
        return [tuple(r) for r in result.all()]

    async def insert_ignore_returning(self, table: Any, values: dict[str, Any]) -> int | None:
        """`insert_ignore` that returns the new row's id in the same statement (None on a conflict)."""
        return (await self.s.execute(self._ignoring(table, ("id",)), values)).scalar_one_or_none()

    def _ignoring(self, table: Table, returning: tuple[str, ...] = ()) -> Any:
        """`INSERT ... ON CONFLICT DO NOTHING [RETURNING ...]` for `table`, built once per dialect: the values
        go in as parameters, so the hot inserts do not pay for building a statement every time."""
        dialect = self.s.get_bind().dialect.name
        key = (dialect, table.name, returning)
        stmt = _IGNORING.get(key)
        if stmt is None:
            stmt = self.dialect_insert(table).on_conflict_do_nothing()
            if returning:
                stmt = stmt.returning(*(table.c[name] for name in returning))
            _IGNORING[key] = stmt
        return stmt

    def dialect_insert(self, target: Any) -> Any:
        """`INSERT` of this database's dialect (for `ON CONFLICT`)."""
        return (postgresql.insert if self.s.get_bind().dialect.name == "postgresql" else sqlite.insert)(target)
