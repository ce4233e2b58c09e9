"""Alembic environment: uses the connection handed over in `config.attributes` (see storage/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.engine import default_url
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables through batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(url=default_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    _run(connection)
else:  # plain `alembic upgrade` from a shell: use a synchronous engine on the configured URL
    url = default_url().replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    with create_engine(url, hide_parameters=True).begin() as conn:
        _run(conn)
