"""Which database errors mean "the store is unreachable" (issue 21, item 9).

SQLite raises OperationalError for a missing file and for a statement it refuses alike; only the first is an
outage ("Not recorded yet, try again"), the second is a bug that retrying cannot fix (an internal error with an
incident id). Before the fix both were `StoreUnavailable`, so an announcement SQLite refused was dropped as if
the database were down.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from storage import Store, StoreUnavailable


async def test_a_sqlite_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "db-is-a-folder.db").mkdir()
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'db-is-a-folder.db'}")
    try:
        with pytest.raises(StoreUnavailable, match="store unreachable"):
            async with store.transaction() as tx:
                await tx.s.execute(text("SELECT 1"))
    finally:
        await store.close()


async def test_a_statement_the_database_refuses_is_not_an_outage(store: Store) -> None:
    """On both backends a refused statement surfaces as itself, not as `StoreUnavailable`."""
    deep = " OR ".join(f"id = {i}" for i in range(1500))  # deeper than SQLite's expression limit
    with pytest.raises(DBAPIError) as caught:  # the database's own error, so not StoreUnavailable
        async with store.transaction() as tx:
            await tx.s.execute(text(f"SELECT id FROM no_such_table WHERE {deep}"))
    if store.dialect == "sqlite":
        assert isinstance(caught.value, OperationalError)
