"""releases by community, newest first

Found by `python -m bench` (docs/performance.md): the re-upload comparison reads the announcements of a
community's newest releases on every announcement; without an index on (community_id, id) both databases
walked all communities' announcements backwards to find one community's.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 19:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_releases_community_newest", "releases", ["community_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_releases_community_newest", table_name="releases")
