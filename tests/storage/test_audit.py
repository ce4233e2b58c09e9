"""The audit chain detects edited, deleted and truncated events."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update

from storage import AuditEvent, Store, personal
from storage.audit import GENESIS, event_hash, readable, redact_payload

T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def _fill(store: Store, n: int = 5) -> int:
    async with store.transaction() as tx:
        c = await tx.communities.ensure("c", "C", T0)
        for i in range(n):
            await tx.audit_log.append(
                c.id,
                actor="discord:1",
                action="endorse",
                subject=f"release:{i}",
                payload={"i": i},
                at=T0 + timedelta(seconds=i),
            )
        return c.id


async def test_intact_chain_verifies(store: Store) -> None:
    """A chain nobody touched has no problems."""
    await _fill(store)
    async with store.transaction() as tx:
        assert await tx.audit_log.verify() == []


async def test_edited_row_is_detected(store: Store) -> None:
    """Changing one payload breaks that event's hash."""
    cid = await _fill(store)
    async with store.transaction() as tx:
        await tx.s.execute(
            update(AuditEvent).where(AuditEvent.community_id == cid, AuditEvent.seq == 3).values(payload={"i": 99})
        )
    async with store.transaction() as tx:
        problems = await tx.audit_log.verify()
    assert [p.seq for p in problems] == [3]


async def test_deleted_row_is_detected(store: Store) -> None:
    """Deleting a middle event leaves a gap and a broken link."""
    cid = await _fill(store)
    async with store.transaction() as tx:
        await tx.s.execute(delete(AuditEvent).where(AuditEvent.community_id == cid, AuditEvent.seq == 2))
    async with store.transaction() as tx:
        problems = await tx.audit_log.verify()
    assert problems and problems[0].seq == 2


async def test_deleted_tail_is_detected(store: Store) -> None:
    """Deleting the newest event is caught by the head row."""
    cid = await _fill(store)
    async with store.transaction() as tx:
        await tx.s.execute(delete(AuditEvent).where(AuditEvent.community_id == cid, AuditEvent.seq == 5))
    async with store.transaction() as tx:
        assert await tx.audit_log.verify() != []


async def _personal_event(store: Store, text: str) -> tuple[int, dict[str, Any]]:
    async with store.transaction() as tx:
        c = await tx.communities.ensure("c", "C", T0)
        await tx.audit_log.append(
            c.id, actor="discord:1", action="flag.dismissed", subject="F1", payload={"n": 1}, at=T0
        )
        payload = {"penalised": False, "note": personal(text)}
        await tx.audit_log.append(
            c.id, actor="discord:1", action="flag.dismissed", subject="F2", payload=payload, at=T0
        )
        return c.id, payload


async def test_a_redacted_personal_value_keeps_the_chain_verifiable(store: Store) -> None:
    """forget-me's redaction drops the text and its salt and keeps the salted digest: no hash changes; a
    changed digest or a changed text is still caught."""
    cid, payload = await _personal_event(store, "decided by Jane Doe")
    redacted, n = redact_payload(payload)
    assert n == 1 and "Jane" not in json.dumps(redacted) and "salt" not in json.dumps(redacted)
    assert readable(redacted) == {"penalised": False, "note": "[redacted]"}
    where = (AuditEvent.community_id == cid, AuditEvent.seq == 2)
    async with store.transaction() as tx:
        await tx.s.execute(update(AuditEvent).where(*where).values(payload=redacted))
    async with store.transaction() as tx:
        assert await tx.audit_log.verify() == []
    forged = {"penalised": False, "note": {"redacted": "0" * 64}}
    async with store.transaction() as tx:
        await tx.s.execute(update(AuditEvent).where(*where).values(payload=forged))
    async with store.transaction() as tx:
        assert [p.seq for p in await tx.audit_log.verify()] == [2]


async def test_an_edited_personal_text_is_detected(store: Store) -> None:
    """The text under a personal value is covered by its digest: editing it breaks the event's hash."""
    cid, payload = await _personal_event(store, "decided by Jane Doe")
    note = dict(payload["note"])
    note["redactable"] = "decided by someone else"
    async with store.transaction() as tx:
        await tx.s.execute(
            update(AuditEvent)
            .where(AuditEvent.community_id == cid, AuditEvent.seq == 2)
            .values(payload={**payload, "note": note})
        )
    async with store.transaction() as tx:
        assert [p.seq for p in await tx.audit_log.verify()] == [2]


def test_events_without_personal_values_hash_as_before() -> None:
    """Chains written before personal values existed verify unchanged: a plain payload hashes as it always did."""
    payload: dict[str, Any] = {"note": "plain text", "n": [1, {"x": "y"}]}
    body = json.dumps(
        {
            "c": 1,
            "seq": 1,
            "at": "2026-03-01T00:00:00.000000Z",
            "actor": "a",
            "action": "b",
            "subject": "c",
            "payload": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    digest = event_hash(GENESIS, community_id=1, seq=1, at=T0, actor="a", action="b", subject="c", payload=payload)
    assert digest == hashlib.sha256((GENESIS + body).encode()).hexdigest()
