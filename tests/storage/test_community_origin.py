"""`communities.origin` (migration 0007): the mark that lets `normbot demo` delete only what it created.

Down and up with data on both databases: no community or child row is lost (a batch-mode rebuild of
`communities` on SQLite would cascade-delete every child row), existing communities come back unmarked, and
the check constraint refuses any origin but 'demo'.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from moderation.kernel.clock import utcnow
from storage import Store
from storage.migrate import alembic_config, downgrade_connection, upgrade_connection


def _before_origin() -> str:
    """The revision just below the one that adds `origin` (found by name: the number changes on merges)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    (rev,) = [r for r in script.walk_revisions() if "community_origin" in (r.path or "")]
    assert isinstance(rev.down_revision, str)
    return rev.down_revision


async def test_origin_migration_keeps_every_row_and_constrains_the_value(store: Store) -> None:
    async with store.transaction() as tx:
        forge = await tx.communities.ensure("forge", "Forge", utcnow())
        await tx.chats.bind(forge.id, "console", "releases", watched=True, role="releases")
        demo = await tx.communities.ensure("pixel-forge", "Pixel Forge", utcnow())
        await tx.communities.mark_origin(demo.id, "demo")
    async with store.engine.connect() as conn:  # migrations commit on SQLite (storage.migrate)
        await conn.run_sync(downgrade_connection, _before_origin())
        assert (await conn.execute(text("SELECT count(*) FROM watched_chats"))).scalar_one() == 1
        await conn.run_sync(upgrade_connection, "head")
        rows = (await conn.execute(text("SELECT slug, origin FROM communities ORDER BY slug"))).all()
        assert [tuple(r) for r in rows] == [("forge", None), ("pixel-forge", None)]
        assert (await conn.execute(text("SELECT count(*) FROM watched_chats"))).scalar_one() == 1
        await conn.commit()
    async with store.transaction() as tx:
        await tx.communities.mark_origin(demo.id, "demo")
        assert {c.slug: c.origin for c in await tx.communities.all()} == {"forge": None, "pixel-forge": "demo"}
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            await tx.communities.mark_origin(forge.id, "someone")
