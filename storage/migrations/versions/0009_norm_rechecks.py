"""norm_rechecks: re-checking the open releases after a norm change

Issue 23, item 4: `/norms set` offers a button that re-checks every open release against the adopted pack
in a background job. One row per adopted revision (unique), so a second press or a replayed event finds
the run instead of starting another; the job advances `after_release_id` and the counters batch by batch in
the batch's own transaction, so an interrupted run resumes where it stopped. The report chat is where the
moderator pressed the button (the summary goes there and to the moderators' chat).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "norm_rechecks",
        sa.Column("id", _ID, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("revision_id", _ID, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("after_release_id", sa.BigInteger(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("failing", sa.Integer(), nullable=False),
        sa.Column("report_platform", sa.String(length=16), nullable=False),
        sa.Column("report_chat_id", sa.String(length=64), nullable=False),
        sa.Column("report_thread_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('queued','done')", name=op.f("ck_norm_rechecks_state_known")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_norm_rechecks_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["norm_pack_revisions.id"],
            name=op.f("fk_norm_rechecks_revision_id_norm_pack_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_norm_rechecks")),
        sa.UniqueConstraint("revision_id", name=op.f("uq_norm_rechecks_revision_id")),
    )
    with op.batch_alter_table("norm_rechecks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_norm_rechecks_community_id"), ["community_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("norm_rechecks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_norm_rechecks_community_id"))
    op.drop_table("norm_rechecks")
