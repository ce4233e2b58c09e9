"""community settings from chat: `/setup` overrides, "add this group" invites, chat titles

Issue 23, item 1: moderators set the review, moderators' and log chats, reviewer roles, quorum, review window
and language from chat. Each setting is a row (who set it, when) that overrides `normbot.toml` and the norm
pack; the invariants (a quorum of at least 1, a window between an hour and 30 days, a known language) are
constraints. `chat_invites` keeps the hash of each one-time "add this group" token; `watched_chats.title`
the name of a chat added through one, so `/setup` offers chats by name.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEYS = "'review_chat', 'mod_chat', 'log_chat', 'reviewer_roles', 'quorum', 'review_window', 'language'"
_CHATS = "'review_chat', 'mod_chat', 'log_chat'"


def upgrade() -> None:
    op.create_table(
        "community_settings",
        sa.Column("id", _ID, nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"key IN ({_KEYS})", name=op.f("ck_community_settings_key_known")),
        sa.CheckConstraint(
            f"(key IN ({_CHATS}) AND platform <> '') OR (key NOT IN ({_CHATS}) AND platform = '')",
            name=op.f("ck_community_settings_platform_only_for_chats"),
        ),
        sa.CheckConstraint(
            "key <> 'quorum' OR (value_int IS NOT NULL AND value_int >= 1 AND value_int <= 50)",
            name=op.f("ck_community_settings_quorum_in_range"),
        ),
        sa.CheckConstraint(
            "key <> 'review_window' OR (value_int IS NOT NULL AND value_int >= 3600 AND value_int <= 2592000)",
            name=op.f("ck_community_settings_window_in_range"),
        ),
        sa.CheckConstraint(
            "key <> 'language' OR value_text IN ('en', 'zh', 'ja', 'ru', 'es')",
            name=op.f("ck_community_settings_language_known"),
        ),
        sa.CheckConstraint(
            f"key NOT IN ({_CHATS}) OR (value_text IS NOT NULL AND length(value_text) >= 1 "
            "AND length(value_text) <= 64)",
            name=op.f("ck_community_settings_chat_given"),
        ),
        sa.CheckConstraint(
            "key <> 'reviewer_roles' OR value_text IS NOT NULL", name=op.f("ck_community_settings_roles_given")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_settings_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_settings")),
        sa.UniqueConstraint("community_id", "key", "platform", name=op.f("uq_community_settings_community_id")),
    )
    op.create_index(op.f("ix_community_settings_community_id"), "community_settings", ["community_id"], unique=False)
    op.create_table(
        "chat_invites",
        sa.Column("id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('releases', 'review', 'mod', 'log')", name=op.f("ck_chat_invites_role_known")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_chat_invites_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_chat_invites_token_hash")),
    )
    op.create_index(op.f("ix_chat_invites_community_id"), "chat_invites", ["community_id"], unique=False)
    # Plain ADD COLUMN (not batch mode): batch mode rebuilds the table (see 0007 on why that is dangerous).
    op.add_column("watched_chats", sa.Column("title", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("watched_chats", "title")
    op.drop_index(op.f("ix_chat_invites_community_id"), table_name="chat_invites")
    op.drop_table("chat_invites")
    op.drop_index(op.f("ix_community_settings_community_id"), table_name="community_settings")
    op.drop_table("community_settings")
