"""scale indexes: open flags per release

Found by `python -m bench` (store at scale, 100k releases / 1M endorsements, see docs/performance.md): the
moderation queue joins a community's releases with their *open* flags; without this partial index the
planner reads the whole flags table (mostly resolved flags, and growing) on every `/queue`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_flags_open_release",
        "flags",
        ["release_id"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_flags_open_release", table_name="flags")
