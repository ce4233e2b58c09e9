"""Run Alembic migrations programmatically (the `normbot db upgrade` command and the tests).

The scripts ship inside the package (`storage/migrations`) so an installed normbot can migrate its store;
the connection-sharing recipe lets async code hand Alembic an open connection.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

__all__ = ["alembic_config", "check_connection", "downgrade_connection", "upgrade_connection"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts, optionally bound to an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind `connection` (call through `AsyncConnection.run_sync`)."""
    command.upgrade(alembic_config(connection), revision)


def downgrade_connection(connection: Connection, revision: str = "base") -> None:
    """Downgrade the database behind `connection`."""
    command.downgrade(alembic_config(connection), revision)


def check_connection(connection: Connection) -> None:
    """Raise when the models and the migrations disagree (`alembic check`)."""
    command.check(alembic_config(connection))
