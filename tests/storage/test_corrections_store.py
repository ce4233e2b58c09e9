"""Detection corrections in the store: one row per message (a constraint), a label that follows the latest
correction, and migration 0005 up and down with data in it, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from storage import Correction, DetectionCorrection, Store, Tx
from storage.migrate import downgrade_connection, upgrade_connection

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def _setup(tx: Tx) -> tuple[int, int, int, int]:
    c = await tx.communities.ensure("forge", "Forge", NOW)
    author = await tx.accounts.upsert("discord", "111", "ada", NOW)
    mod = await tx.accounts.upsert("discord", "222", "mia", NOW)
    rel = await tx.releases.add(
        community_id=c.id,
        creator_id=author.id,
        release_key="k@1",
        model_name="Neon",
        version="1",
        fields_json={},
        text="x",
        status="withdrawn",
        created_at=NOW,
        updated_at=NOW,
    )
    return c.id, author.id, mod.id, rel.id


async def _mark(tx: Tx, ids: tuple[int, int, int, int], is_release: bool, at: datetime) -> Correction:
    cid, author, mod, rel = ids
    return await tx.corrections.record(
        community_id=cid,
        platform="discord",
        chat_id="10",
        message_id="20",
        text="Neon v1 is out",
        author_id=author,
        is_release=is_release,
        corrected_by=mod,
        release_id=rel,
        at=at,
    )


async def test_one_row_per_message_and_the_latest_label(store: Store) -> None:
    """Stored, then unchanged (a repeat), then changed (the opposite label): always one row."""
    async with store.transaction() as tx:
        ids = await _setup(tx)
        first = await _mark(tx, ids, True, NOW)
        again = await _mark(tx, ids, True, NOW + timedelta(minutes=1))
        flipped = await _mark(tx, ids, False, NOW + timedelta(minutes=2))
        rows = await tx.corrections.of_community(ids[0])
    assert (first.outcome, again.outcome, flipped.outcome) == ("stored", "unchanged", "changed")
    assert first.id == again.id == flipped.id and flipped.was_release is True
    (row,) = rows
    assert row.is_release is False and row.release_id == ids[3]


async def test_the_unique_constraint_holds_against_a_raw_insert(store: Store) -> None:
    """Bypassing `record_correction` still cannot store a second row for the same message."""
    async with store.transaction() as tx:
        ids = await _setup(tx)
        await _mark(tx, ids, True, NOW)
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            cid, author, mod, rel = ids
            tx.s.add(
                DetectionCorrection(
                    community_id=cid,
                    platform="discord",
                    chat_id="10",
                    message_id="20",
                    text="again",
                    author_id=author,
                    is_release=False,
                    corrected_by=mod,
                    release_id=rel,
                    created_at=NOW,
                    corrected_at=NOW,
                )
            )
            await tx.s.flush()


async def test_unknown_release_status_is_refused(store: Store) -> None:
    """The status constraint knows `withdrawn` and still refuses anything else."""
    async with store.transaction() as tx:
        await _setup(tx)
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            await tx.s.execute(text("UPDATE releases SET status = 'gone'"))


async def test_migration_0005_down_and_up_with_data(store: Store) -> None:
    """Down to 0004: corrections dropped, withdrawn releases become removed, the old constraint refuses
    `withdrawn`; up again: the table is back and `withdrawn` is allowed."""
    async with store.transaction() as tx:
        ids = await _setup(tx)
        await _mark(tx, ids, False, NOW)
    async with store.engine.connect() as conn:  # migrations commit on SQLite (storage.migrate)
        await conn.run_sync(downgrade_connection, "0004")
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "detection_corrections" not in names and "releases" in names
        status = (await conn.execute(text("SELECT status FROM releases"))).scalar_one()
        assert status == "removed"
        await conn.commit()
    with pytest.raises(IntegrityError):
        async with store.engine.begin() as conn:
            await conn.execute(text("UPDATE releases SET status = 'withdrawn'"))
    async with store.engine.connect() as conn:  # migrations commit on SQLite (storage.migrate)
        await conn.run_sync(upgrade_connection, "head")
        await conn.execute(text("UPDATE releases SET status = 'withdrawn'"))
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "detection_corrections" in names
        await conn.commit()
    async with store.transaction() as tx:
        await _mark(tx, ids, True, NOW)
        (row,) = await tx.corrections.of_community(ids[0])
        assert row.is_release
