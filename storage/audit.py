"""The tamper-evident audit chain: hashing and verification.

Each community has its own chain so replicas serving different communities never contend for one lock.
An event's hash covers the previous hash and a canonical JSON of its content; editing, inserting or deleting
any row breaks the chain from that row on, which `verify_chain` reports by sequence number.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "GENESIS",
    "ChainProblem",
    "event_hash",
    "hashed_form",
    "personal",
    "readable",
    "redact_payload",
    "verify_chain",
]

GENESIS = "0" * 64
REDACTED = "[redacted]"


def personal(text: str) -> dict[str, str]:
    """Wrap free text a person wrote (a note, an edited value) for an audit payload so it can be forgotten.

    The chain hashes such a value as `{"redacted": sha256(salt + text)}` (see `hashed_form`), never as the
    text itself, so `redact_payload` can later drop the text and the salt and keep only that digest: the
    event's hash does not change and the chain still verifies. The random salt keeps a short note from being
    recovered from its digest by trying guesses once the salt is gone.
    """
    return {"redactable": text, "salt": secrets.token_hex(16)}


def _is_personal(value: Any) -> bool:
    return isinstance(value, dict) and value.keys() == {"redactable", "salt"}


def _is_redacted(value: Any) -> bool:
    return isinstance(value, dict) and value.keys() == {"redacted"}


def _digest(value: dict[str, str]) -> str:
    return hashlib.sha256((str(value["salt"]) + str(value["redactable"])).encode("utf-8")).hexdigest()


def hashed_form(payload: Any) -> Any:
    """The payload as the chain hashes it: each `personal` value replaced by its redacted form.

    Payloads without `personal` values (every event written before it existed) hash exactly as before.
    """
    if _is_personal(payload):
        return {"redacted": _digest(payload)}
    if isinstance(payload, dict):
        return {k: hashed_form(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [hashed_form(v) for v in payload]
    return payload


def redact_payload(payload: Any, keep: Callable[[str], bool] | None = None) -> tuple[Any, int]:
    """`payload` with its `personal` values redacted (text and salt dropped, digest kept), and how many.

    `keep(text)`, when given, says which texts stay (True) - the caller redacts only values that concern
    the forgotten member.
    """
    if _is_personal(payload):
        if keep is not None and keep(str(payload["redactable"])):
            return payload, 0
        return {"redacted": _digest(payload)}, 1
    if isinstance(payload, dict):
        out: dict[str, Any] = {}
        total = 0
        for k, v in payload.items():
            out[k], n = redact_payload(v, keep)
            total += n
        return out, total
    if isinstance(payload, list):
        items = [redact_payload(v, keep) for v in payload]
        return [v for v, _ in items], sum(n for _, n in items)
    return payload, 0


def readable(payload: Any) -> Any:
    """The payload for people (the moderators' audit page): a `personal` value as its text, a redacted one as
    "[redacted]", never the salt or the digest."""
    if _is_personal(payload):
        return payload["redactable"]
    if _is_redacted(payload):
        return REDACTED
    if isinstance(payload, dict):
        return {k: readable(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [readable(v) for v in payload]
    return payload


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
    """The hash of one audit event given the previous event's hash; `personal` values count by their digest
    (`hashed_form`), so redacting them later leaves the hash as it was."""
    body = json.dumps(
        {
            "c": community_id,
            "seq": seq,
            "at": _canonical_time(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": hashed_form(payload),
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
