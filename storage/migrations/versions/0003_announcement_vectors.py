"""announcement vectors: sentence embeddings of announcements, kept

Found by `python -m bench` (docs/performance.md): a process that starts, and every replica, embedded up to 200
earlier announcements per community before it could compare the first new one (a forward pass each).
The vector is computed once, when the announcement is registered, and stored beside it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcement_vectors",
        sa.Column("announcement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("dim > 0", name=op.f("ck_announcement_vectors_dim_positive")),
        sa.CheckConstraint("length(vector) = 2 * dim", name=op.f("ck_announcement_vectors_vector_is_dim_halves")),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_vectors_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("announcement_id", name=op.f("pk_announcement_vectors")),
    )


def downgrade() -> None:
    op.drop_table("announcement_vectors")
