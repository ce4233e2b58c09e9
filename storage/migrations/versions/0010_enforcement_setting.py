"""enforcement setting: `/setup enforcement on|off`

Issue 23, item 7: a community may let normbot delete the announcements of a removed release (or of one held
by an upheld block flag). Off by default; the switch is one more community-wide setting, so the known keys
widen and its value is constrained to `on` or `off` like the other settings' invariants.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 13:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OLD = "'review_chat', 'mod_chat', 'log_chat', 'reviewer_roles', 'quorum', 'review_window', 'language'"
_NEW = _OLD + ", 'enforcement'"


def upgrade() -> None:
    with op.batch_alter_table("community_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_community_settings_key_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_community_settings_key_known"), f"key IN ({_NEW})")
        batch_op.create_check_constraint(
            op.f("ck_community_settings_enforcement_on_off"), "key <> 'enforcement' OR value_text IN ('on', 'off')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM community_settings WHERE key = 'enforcement'")
    with op.batch_alter_table("community_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_community_settings_enforcement_on_off"), type_="check")
        batch_op.drop_constraint(op.f("ck_community_settings_key_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_community_settings_key_known"), f"key IN ({_OLD})")
