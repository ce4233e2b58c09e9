"""Signed claim receipts: canonical JSON that anyone can check offline with the community's public key.

A receipt names the creator, the claimed value (hash or link), the time, the community and the claim's
position in the audit log (community id, sequence number, event hash), plus `key_id` and `signature`.

Canonical form: `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True)`, UTF-8, one trailing
newline in files. The signature is Ed25519 over the canonical form of the receipt *without* its `signature`
member. `verify_receipt` also insists that the bytes it is given ARE the canonical form, so that every
single changed byte is rejected: it either breaks the JSON, changes signed content, or breaks canonical
form. (A re-indented receipt is therefore rejected too; `normbot claim receipt` writes canonical files.)

Hostile files are refused before parsing: more than `MAX_RECEIPT_BYTES` (a real receipt is under 2 KB), or
JSON nested deeper than `MAX_DEPTH` (a real receipt nests 2 deep; Python's parser recurses per level and
raised `RecursionError` on `[[[[…` 100,000 deep, a traceback instead of a verdict).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from moderation.provenance.keys import KeyStore, key_id_of, verify_signature

__all__ = [
    "MAX_DEPTH",
    "MAX_RECEIPT_BYTES",
    "RECEIPT_TYPE",
    "Verdict",
    "canonical",
    "iso_time",
    "json_depth",
    "sign_receipt",
    "verify_receipt",
]

RECEIPT_TYPE = "normbot.claim/v1"
MAX_RECEIPT_BYTES = 64 * 1024
MAX_DEPTH = 16
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')
_REQUIRED = ("type", "creator", "claim", "claimed_at", "community", "audit", "key_id", "signature")


def canonical(obj: Mapping[str, Any]) -> bytes:
    """The one byte string a receipt (or its unsigned body) is signed and stored as."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def iso_time(at: datetime) -> str:
    """UTC, microseconds, `Z` suffix (SQLite hands back naive datetimes; everything stored is UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sign_receipt(body: Mapping[str, Any], keys: KeyStore) -> dict[str, Any]:
    """`body` plus `type`, `key_id` and `signature` (base64)."""
    unsigned = {**body, "type": RECEIPT_TYPE, "key_id": keys.key_id()}
    unsigned.pop("signature", None)
    signature = keys.sign(canonical(unsigned))
    return {**unsigned, "signature": base64.b64encode(signature).decode("ascii")}


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count), without parsing:
    linear time and no recursion, so it is safe on any input."""
    depth = deepest = 0
    for ch in _STRING.sub("", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of checking a receipt; `reason` says why it is (in)valid in words people can act on."""

    valid: bool
    reason: str
    receipt: Mapping[str, Any] | None = None


def verify_receipt(data: bytes | str, trusted: Iterable[Ed25519PublicKey]) -> Verdict:
    """Check a receipt file's bytes against the trusted public keys. Never raises for bad input."""
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    if len(raw) > MAX_RECEIPT_BYTES:
        return Verdict(False, f"not a receipt: larger than {MAX_RECEIPT_BYTES // 1024} KB (a receipt is under 2 KB)")
    body = raw[:-1] if raw.endswith(b"\n") else raw
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return Verdict(False, "not a receipt: it contains non-ASCII bytes (receipts are canonical ASCII JSON)")
    if json_depth(text) > MAX_DEPTH:
        return Verdict(False, f"not a receipt: the JSON nests more than {MAX_DEPTH} levels deep")
    try:
        receipt = json.loads(text)
    except ValueError as exc:
        return Verdict(False, f"not a receipt: invalid JSON ({exc})")
    if not isinstance(receipt, dict):
        return Verdict(False, "not a receipt: the JSON is not an object")
    missing = [k for k in _REQUIRED if k not in receipt]
    if missing:
        return Verdict(False, f"not a receipt: missing {', '.join(missing)}")
    if receipt["type"] != RECEIPT_TYPE:
        return Verdict(False, f"unknown receipt type {str(receipt['type'])[:40]!r} (expected {RECEIPT_TYPE})")
    try:
        if canonical(receipt) != body:
            return Verdict(False, "the file is not in canonical form (it was edited or re-formatted)")
    except ValueError as exc:
        return Verdict(False, f"not a receipt: {exc}")
    sig_text = receipt["signature"]
    try:
        signature = base64.b64decode(str(sig_text), validate=True)
    except (binascii.Error, ValueError):
        return Verdict(False, "the signature is not valid base64")
    # base64 has spare bits in its last character: insist on the one canonical spelling of the signature.
    if base64.b64encode(signature).decode("ascii") != sig_text:
        return Verdict(False, "the signature is not in canonical base64 (it was altered)")
    keys = {key_id_of(k): k for k in trusted}
    if not keys:
        return Verdict(False, "no trusted public key: pass --key with the community's key (normbot keys show)")
    key = keys.get(str(receipt["key_id"]))
    if key is None:
        return Verdict(False, f"signed with key {str(receipt['key_id'])[:20]!r}, which is not a trusted key")
    unsigned = {k: v for k, v in receipt.items() if k != "signature"}
    if not verify_signature(key, signature, canonical(unsigned)):
        return Verdict(False, "the signature does not match the content (the receipt was altered)")
    claim = receipt.get("claim") or {}
    return Verdict(
        True,
        f"valid: {claim.get('kind', '?')} {str(claim.get('value', '?'))[:80]} claimed at {receipt['claimed_at']} "
        f"(audit #{(receipt.get('audit') or {}).get('seq', '?')}, key {receipt['key_id']})",
        receipt,
    )
