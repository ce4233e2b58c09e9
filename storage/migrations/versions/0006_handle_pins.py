"""handle pins: a config's platform:@handle is resolved to one user id, once

Issue 21, item 1: a handle can change hands, an id cannot. The first account seen with a configured handle is
pinned; afterwards only that id holds the handle's privileges (`moderation.permissions`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "handle_pins",
        sa.Column("id", _ID, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handle_pins")),
        sa.UniqueConstraint("platform", "handle", name=op.f("uq_handle_pins_platform")),
    )


def downgrade() -> None:
    op.drop_table("handle_pins")
