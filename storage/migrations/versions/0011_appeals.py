"""appeals: a creator asks moderators to look again at a decision on their release

Issue 23, item 3: `/appeal R12 <text>` after an upheld flag, changes requested or a removal. One open appeal
per decision is a partial unique index (`uq_appeals_open_decision`), so two replicas taking the same appeal at
once store one; the text is the appellant's (forget-me redacts it, as it does flag reasons).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", _ID, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("release_id", _ID, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("decision", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", _ID, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(text) > 0", name=op.f("ck_appeals_text_given")),
        sa.CheckConstraint("status IN ('open','granted','denied')", name=op.f("ck_appeals_status_known")),
        sa.CheckConstraint("decision LIKE 'F%' OR decision LIKE 'status:%'", name=op.f("ck_appeals_decision_known")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_appeals_community_id_communities"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_appeals_release_id_releases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_appeals_account_id_accounts")),
        sa.ForeignKeyConstraint(["decided_by"], ["accounts.id"], name=op.f("fk_appeals_decided_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    op.create_index(
        "uq_appeals_open_decision",
        "appeals",
        ["release_id", "decision"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_appeals_account_created", "appeals", ["account_id", "created_at"], unique=False)
    op.create_index("ix_appeals_community_status", "appeals", ["community_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_table("appeals")
