"""Migrations are tested, not trusted: upgrade an empty database, check it matches the models, go down, up."""

from __future__ import annotations

from sqlalchemy import inspect

from storage import Store
from storage.migrate import check_connection, downgrade_connection, upgrade_connection


async def test_upgrade_check_downgrade_upgrade(store: Store) -> None:
    """head -> `alembic check` -> base -> head again, on each backend."""
    async with store.engine.connect() as conn:  # migrations commit on SQLite (storage.migrate)
        await conn.run_sync(check_connection)
        await conn.run_sync(downgrade_connection, "base")
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "releases" not in names
        await conn.run_sync(upgrade_connection, "head")
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"releases", "endorsements", "flags", "audit_events", "claims"} <= names
        await conn.commit()
