"""communities.origin: mark the community `normbot demo` created

Issue 20, item 11: the demo deleted the `pixel-forge` community of whatever store it opened. It now deletes
only a community it created itself, and this column is how it knows: 'demo' on the row it made, NULL on
every community made from a config or a chat (all existing rows, so an upgrade never hands an existing
community to the demo).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(op.f("ck_communities_origin_known"), "origin IS NULL OR origin = 'demo'")


def downgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_communities_origin_known"), type_="check")
        batch_op.drop_column("origin")
