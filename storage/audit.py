"""The tamper-evident audit chain: hashing and verification.

Each community has its own chain so replicas serving different communities never contend for one lock.
An event's hash covers the previous hash and a canonical JSON of its content; editing, inserting or deleting
any row breaks the chain from that row on, which `verify_chain` reports by sequence number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["GENESIS", "ChainProblem", "event_hash", "verify_chain"]

GENESIS = "0" * 64


def _canonical_time(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite returns naive datetimes; everything we store is UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    prev_hash: str,
    *,
    community_id: int,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
) -> str:
    """The hash of one audit event given the previous event's hash."""
    body = json.dumps(
        {
            "c": community_id,
            "seq": seq,
            "at": _canonical_time(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """Where a chain breaks and why."""

    community_id: int
    seq: int
    message: str


def verify_chain(community_id: int, rows: Iterable[Any], head_seq: int | None = None) -> list[ChainProblem]:
    """Check rows (ordered by seq) of one community's chain; `head_seq` catches deletion of the tail."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    expected_seq = 1
    for row in rows:
        if row.seq != expected_seq:
            problems.append(
                ChainProblem(community_id, expected_seq, f"event {expected_seq} is missing (next is {row.seq})")
            )
            expected_seq = row.seq
        if row.prev_hash != prev:
            problems.append(ChainProblem(community_id, row.seq, "previous-hash link does not match"))
        computed = event_hash(
            row.prev_hash,
            community_id=community_id,
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            subject=row.subject,
            payload=row.payload,
        )
        if computed != row.hash:
            problems.append(ChainProblem(community_id, row.seq, "content does not match its hash (edited)"))
        prev = row.hash
        expected_seq += 1
    if head_seq is not None and head_seq != expected_seq - 1:
        problems.append(
            ChainProblem(community_id, expected_seq, f"chain ends at {expected_seq - 1} but head says {head_seq}")
        )
    return problems
