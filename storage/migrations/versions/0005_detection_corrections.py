"""detection corrections: labelled examples from the community, and the `withdrawn` release status

Item 5 of the detection issue ("the community teaches it"): a moderator or the author marks a missed message
as a release, or a prompt as not a release. Each correction is one row per (community, platform, chat,
message), so marking twice stores one example and a later opposite correction updates it. A release whose
announcement was marked "not a release" is `withdrawn`: its rows stay, but it is no longer under review.

Downgrading moves withdrawn releases to `removed` (the nearest status 0004 knows) before the old check
constraint comes back, and drops the corrections.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OLD = "status IN ('announced','in_review','endorsed','changes_requested','flagged','resolved','removed')"
_NEW = "status IN ('announced','in_review','endorsed','changes_requested','flagged','resolved','removed','withdrawn')"


def upgrade() -> None:
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_releases_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_releases_status_known"), _NEW)
    op.create_table(
        "detection_corrections",
        sa.Column("id", _ID, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", _ID, nullable=False),
        sa.Column("is_release", sa.Boolean(), nullable=False),
        sa.Column("corrected_by", _ID, nullable=False),
        sa.Column("release_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_detection_corrections_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_detection_corrections_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by"], ["accounts.id"], name=op.f("fk_detection_corrections_corrected_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_detection_corrections_release_id_releases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection_corrections")),
        sa.UniqueConstraint(
            "community_id", "platform", "chat_id", "message_id", name=op.f("uq_detection_corrections_community_id")
        ),
    )
    with op.batch_alter_table("detection_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detection_corrections_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_detection_corrections_release_id"), ["release_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("detection_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detection_corrections_release_id"))
        batch_op.drop_index(batch_op.f("ix_detection_corrections_author_id"))
    op.drop_table("detection_corrections")
    op.execute(sa.text("UPDATE releases SET status = 'removed' WHERE status = 'withdrawn'"))
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_releases_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_releases_status_known"), _OLD)
