"""Migrations keep every row: SQLite's table rebuilds (Alembic batch mode) must not cascade.

Found while renumbering a migration: upgrading a SQLite store from 0004 past 0005 (which rebuilds `releases` to
change its status check) deleted every announcement and endorsement, because dropping the old table with
foreign keys on runs its `ON DELETE CASCADE`s. `storage.migrate` now migrates SQLite with the keys off and
checks every reference before turning them back on. Both backends, real data, the store's own `upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage import Store
from storage.migrate import downgrade_connection

ROWS = (
    "INSERT INTO communities (id, slug, name, created_at) VALUES (1, 'c', 'C', '2026-01-01')",
    "INSERT INTO accounts (id, platform, user_id, display_name, created_at, redacted) "
    "VALUES (1, 'console', 'a', 'a', '2026-01-01', false), (2, 'console', 'b', 'b', '2026-01-01', false)",
    "INSERT INTO releases (id, community_id, creator_id, release_key, model_name, fields_json, text, status, "
    "created_at, updated_at) VALUES (1, 1, 1, 'k', 'm', '{}', 't', 'in_review', '2026-01-01', '2026-01-01')",
    "INSERT INTO announcements (id, release_id, author_id, platform, chat_id, message_id, text, created_at) "
    "VALUES (1, 1, 1, 'console', 'x', 'm1', 't', '2026-01-01')",
    "INSERT INTO endorsements (id, release_id, account_id, note, by_reviewer, created_at) "
    "VALUES (1, 1, 2, '', false, '2026-01-01')",
    "INSERT INTO flags (id, release_id, account_id, norm_id, reason, status, created_at, penalised) "
    "VALUES (1, 1, 2, 'other', 'r', 'open', '2026-01-01', false)",
)
TABLES = ("releases", "announcements", "endorsements", "flags")


async def _counts(store: Store) -> dict[str, int]:
    async with store.engine.connect() as conn:
        return {t: int((await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one()) for t in TABLES}


async def test_upgrading_through_a_table_rebuild_keeps_child_rows(store: Store, tmp_path: Path) -> None:
    async with store.engine.connect() as conn:
        await conn.run_sync(downgrade_connection, "0004")
        await conn.commit()
    async with store.engine.begin() as conn:
        for statement in ROWS:
            await conn.execute(text(statement))
    before = await _counts(store)
    assert before == dict.fromkeys(TABLES, 1)
    await store.upgrade()
    assert await _counts(store) == before
    if store.dialect == "sqlite":
        async with store.engine.connect() as conn:  # the pooled connection has its keys back on
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
    async with store.engine.connect() as conn:
        await conn.run_sync(downgrade_connection, "0004")
        await conn.commit()
    assert await _counts(store) == before
    await store.upgrade()
