"""The store's invariants hold on both databases because they are constraints, not code paths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from storage import Flag, Store, Tx

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


async def _release(tx: Tx) -> tuple[int, int, int]:
    c = await tx.communities.ensure("pixel-forge", "Pixel Forge", NOW)
    creator = await tx.accounts.upsert("discord", "111", "ada", NOW)
    member = await tx.accounts.upsert("discord", "222", "bo", NOW)
    rel = await tx.releases.add(
        community_id=c.id,
        creator_id=creator.id,
        release_key="k@1",
        model_name="Neon",
        version="1",
        fields_json={},
        text="x",
        status="in_review",
        created_at=NOW,
        updated_at=NOW,
    )
    return c.id, rel.id, member.id


async def test_second_endorsement_is_refused_not_duplicated(store: Store) -> None:
    """One endorsement per account per release: the second insert writes nothing."""
    async with store.transaction() as tx:
        _, rid, member = await _release(tx)
        assert await tx.endorsements.add(rid, member, "", NOW) is True
        assert await tx.endorsements.add(rid, member, "again", NOW) is False
        assert await tx.endorsements.count(rid) == 1


async def test_endorsement_constraint_holds_against_raw_orm_insert(store: Store) -> None:
    """Bypassing the helper still cannot create a duplicate: the database refuses."""
    from storage import Endorsement

    async with store.transaction() as tx:
        _, rid, member = await _release(tx)
        await tx.endorsements.add(rid, member, "", NOW)
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            tx.s.add(Endorsement(release_id=rid, account_id=member, note="", created_at=NOW))
            await tx.s.flush()


async def test_one_flag_per_account_release_norm(store: Store) -> None:
    """A second flag on the same norm is refused; another norm is a new flag."""
    async with store.transaction() as tx:
        _, rid, member = await _release(tx)
        first = await tx.flags.add(rid, member, "credit-base-model", "no base named", NOW)
        assert first is not None
        assert await tx.flags.add(rid, member, "credit-base-model", "again", NOW) is None
        assert await tx.flags.add(rid, member, "harm-safe-format", "ckpt file", NOW) is not None
        assert len(await tx.flags.of_release(rid)) == 2


async def test_flag_needs_a_reason(store: Store) -> None:
    """An empty reason violates a CHECK constraint."""
    async with store.transaction() as tx:
        _, rid, member = await _release(tx)
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            tx.s.add(Flag(release_id=rid, account_id=member, norm_id="n", reason="", status="open", created_at=NOW))
            await tx.s.flush()


async def test_one_announcement_per_platform_message(store: Store) -> None:
    """The same platform message recorded twice is one announcement."""
    async with store.transaction() as tx:
        _, rid, member = await _release(tx)
        values = {
            "release_id": rid,
            "author_id": member,
            "platform": "telegram",
            "chat_id": "-100123",
            "thread_id": None,
            "message_id": "42",
            "url": None,
            "text": "x",
            "created_at": NOW,
        }
        first = await tx.announcements.add(**values)
        assert isinstance(first, int)
        assert await tx.announcements.add(**values) is None
        assert len(await tx.announcements.of_release(rid)) == 1


async def test_processed_events_are_recorded_once(store: Store) -> None:
    """A replayed platform event is recognised."""
    async with store.transaction() as tx:
        assert await tx.processed_events.mark("discord", "interaction:9", NOW) is True
        assert await tx.processed_events.mark("discord", "interaction:9", NOW) is False
        assert await tx.processed_events.mark("telegram", "interaction:9", NOW) is True


async def test_platform_ids_keep_64_bits(store: Store) -> None:
    """Snowflakes and negative Telegram ids survive a round trip unchanged."""
    big = str(2**63 - 1)
    async with store.transaction() as tx:
        a = await tx.accounts.upsert("discord", big, "z", NOW)
        b = await tx.accounts.upsert("telegram", "-1001234567890123", "y", NOW)
    async with store.transaction() as tx:
        assert (await tx.accounts.get(a.id)).user_id == big  # type: ignore[union-attr]
        assert (await tx.accounts.get(b.id)).user_id == "-1001234567890123"  # type: ignore[union-attr]


async def test_release_status_must_be_known(store: Store) -> None:
    """The lifecycle's states are a CHECK constraint."""
    async with store.transaction() as tx:
        _, rid, _ = await _release(tx)
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            rel = await tx.releases.get_any(rid)
            assert rel is not None
            rel.status = "approved-ish"
            await tx.s.flush()


async def test_job_claim_is_exclusive(store: Store) -> None:
    """Only one claimant moves a pending job to running."""
    async with store.transaction() as tx:
        assert await tx.jobs.schedule("review_deadline", "1", NOW, NOW)
        assert not await tx.jobs.schedule("review_deadline", "1", NOW, NOW)
    async with store.transaction() as tx:
        (job,) = await tx.jobs.due(NOW)
        assert await tx.jobs.claim(job.id, "a", NOW) is True
        assert await tx.jobs.claim(job.id, "b", NOW) is False


async def test_release_lookup_is_scoped_to_its_community(store: Store) -> None:
    """A release id of another community is not found."""
    async with store.transaction() as tx:
        _, rid, _ = await _release(tx)
        other = await tx.communities.ensure("other", "Other", NOW)
        assert await tx.releases.get(other.id, rid) is None


async def test_a_stored_vector_must_have_the_length_its_dimension_says(store: Store) -> None:
    """float16 bytes: two per dimension. A truncated vector is refused by the database, not read back as noise."""
    from storage.models import AnnouncementVector

    async with store.transaction() as tx:
        _, rid, member = await _release(tx)
        ann = await tx.announcements.add(
            release_id=rid, author_id=member, platform="console", chat_id="releases", thread_id=None,
            message_id="m1", url=None, text="x", created_at=NOW,
        )  # fmt: skip
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            tx.s.add(AnnouncementVector(announcement_id=ann, model="m", dim=384, vector=b"\0" * 100))
            await tx.s.flush()
    async with store.transaction() as tx:  # the right length is stored
        tx.s.add(AnnouncementVector(announcement_id=ann, model="m", dim=50, vector=b"\0" * 100))
