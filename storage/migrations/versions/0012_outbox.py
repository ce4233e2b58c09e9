"""outbox: messages decided where no chat adapter runs (the web registry's moderator forms)

Issue 23, item 6: a moderator who upholds a flag or decides an appeal on the registry goes through the same
core path as in chat; the creator's message, the alert's edit and the mod-log line it produces are stored here
and a bot process delivers them on its next tick, claiming each row by deleting it (one replica wins).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _ID, nullable=False),
        sa.Column("community_id", _ID, nullable=True),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_outbox_community_id_communities"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )


def downgrade() -> None:
    op.drop_table("outbox")
