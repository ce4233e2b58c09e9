"""`Settings`: community settings changed from chat (`/setup`), each overriding `normbot.toml` and the pack.

The core keeps the meaning of each key (`moderation.setup.settings`); the store keeps who set it and when.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from storage.models import Community, CommunitySetting
from storage.repositories.base import Repository

__all__ = ["SettingRow", "Settings"]


class SettingRow(NamedTuple):
    """A stored setting with its community's slug, who set it and when. `value` is the value's Python form:
    an int (quorum, the window in seconds), a str (a chat id, a language) or a list of str (reviewer roles)."""

    community_id: int
    community_slug: str
    key: str
    platform: str
    value: Any
    updated_by: str
    updated_at: datetime


def _value(row: CommunitySetting) -> Any:
    if row.key == "reviewer_roles":
        return list(json.loads(row.value_text or "[]"))
    return row.value_int if row.value_int is not None else row.value_text


def _columns(key: str, value: Any) -> dict[str, Any]:
    if key == "reviewer_roles":
        return {"value_int": None, "value_text": json.dumps(sorted(value))}
    if isinstance(value, int):
        return {"value_int": value, "value_text": None}
    return {"value_int": None, "value_text": str(value)}


class Settings(Repository):
    """Stored settings of communities, one row per (community, key, platform)."""

    async def all(self, community_id: int | None = None) -> list[SettingRow]:
        """Every stored setting (of one community, or of all: the core reads all of them with its binding
        snapshot, one query per few seconds)."""
        stmt = select(CommunitySetting, Community.slug).join(Community, Community.id == CommunitySetting.community_id)
        if community_id is not None:
            stmt = stmt.where(CommunitySetting.community_id == community_id)
        stmt = stmt.order_by(CommunitySetting.community_id, CommunitySetting.key, CommunitySetting.platform)
        return [
            SettingRow(r.community_id, slug, r.key, r.platform, _value(r), r.updated_by, r.updated_at)
            for r, slug in (await self.s.execute(stmt)).all()
        ]

    async def set(self, community_id: int, key: str, platform: str, value: Any, *, by: str, at: datetime) -> Any:
        """Store a setting (`value` None removes it: the file's value applies again); returns the value it
        replaced (None when there was none). The row is locked while it changes, so two moderators saving at
        once each see the other's value as the old one."""
        found = (
            await self.s.execute(
                select(CommunitySetting)
                .where(
                    CommunitySetting.community_id == community_id,
                    CommunitySetting.key == key,
                    CommunitySetting.platform == platform,
                )
                .with_for_update()
            )
        ).scalar_one_or_none()
        old = _value(found) if found is not None else None
        if value is None:
            if found is not None:
                await self.s.delete(found)
                await self.s.flush()
            return old
        if found is None:
            self.s.add(
                CommunitySetting(
                    community_id=community_id,
                    key=key,
                    platform=platform,
                    updated_by=by,
                    updated_at=at,
                    **_columns(key, value),
                )
            )
        else:
            for name, column_value in _columns(key, value).items():
                setattr(found, name, column_value)
            found.updated_by, found.updated_at = by, at
        await self.s.flush()
        return old
