"""communities.origin: mark the community `normbot demo` created

Issue 20, item 11: the demo deleted the `pixel-forge` community of whatever store it opened. It now deletes
only a community it created itself, and this column is how it knows: 'demo' on the row it made, NULL on
every community made from a config or a chat (all existing rows, so an upgrade never hands an existing
community to the demo).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN, not batch mode: on SQLite, batch mode rebuilds `communities`, and dropping the old
# table (foreign keys on) would cascade to every release, flag and audit event of every community.
_CHECK = "origin IS NULL OR origin = 'demo'"


def upgrade() -> None:
    op.add_column(
        "communities",
        sa.Column(
            "origin",
            sa.String(length=16),
            sa.CheckConstraint(_CHECK, name=op.f("ck_communities_origin_known")),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("communities", "origin")
