"""Run Alembic migrations programmatically (the `normbot db upgrade` command and the tests).

The scripts ship inside the package (`storage/migrations`) so an installed normbot can migrate its store;
the connection-sharing recipe lets async code hand Alembic an open connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

__all__ = [
    "SchemaStatus",
    "alembic_config",
    "check_connection",
    "downgrade_connection",
    "schema_status",
    "upgrade_connection",
]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts, optionally bound to an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Foreign keys off while SQLite migrates, then a check that every reference still holds.

    Why: SQLite cannot alter a constraint in place, so Alembic's batch mode copies the table, drops the old one
    and renames the copy. With foreign keys on, dropping the old `releases` deletes its rows first, and every
    `ON DELETE CASCADE` child goes with them: upgrading a store from 0004 to 0005 deleted all announcements,
    endorsements, flags and checks. SQLite's documented procedure for such changes is this one: keys off
    (outside a transaction, where the pragma takes effect), migrate, `PRAGMA foreign_key_check`, keys on.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        connection.commit()  # the pragma is a no-op inside a transaction
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
        if connection.in_transaction():
            connection.commit()
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left {len(broken)} broken reference(s), first: {tuple(broken[0])}")
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind `connection` (call through `AsyncConnection.run_sync`)."""
    with _sqlite_foreign_keys_off(connection):
        command.upgrade(alembic_config(connection), revision)


def downgrade_connection(connection: Connection, revision: str = "base") -> None:
    """Downgrade the database behind `connection`."""
    with _sqlite_foreign_keys_off(connection):
        command.downgrade(alembic_config(connection), revision)


def check_connection(connection: Connection) -> None:
    """Raise when the models and the migrations disagree (`alembic check`)."""
    command.check(alembic_config(connection))


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands against the migrations this code ships.

    `state`: `current` (at head), `empty` (never migrated: no `alembic_version`), `behind` (an older
    revision: `normbot db upgrade` brings it up), `ahead` (a revision these scripts do not know: a newer
    normbot migrated it).
    """

    current: str | None
    head: str
    state: Literal["current", "empty", "behind", "ahead"]


def schema_status(connection: Connection) -> SchemaStatus:
    """Read the database's revision without changing anything (call through `AsyncConnection.run_sync`).

    Commands that only read refuse a store that is not `current` instead of failing later on a missing
    table or column, and never create the version table themselves.
    """
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head() or ""
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        return SchemaStatus(None, head, "empty")
    if current == head:
        return SchemaStatus(current, head, "current")
    try:
        known = script.get_revision(current) is not None
    except CommandError:
        known = False
    return SchemaStatus(current, head, "behind" if known else "ahead")
