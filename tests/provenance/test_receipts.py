"""Keys and receipts: generated safely, signed canonically, every changed byte rejected."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from moderation.provenance import KeyProblem, KeyStore, canonical, load_public_key, verify_receipt
from moderation.provenance.receipts import sign_receipt

BODY = {
    "community": {"id": 1, "slug": "forge"},
    "creator": {"account": "console:ada", "name": "ada", "person": None},
    "claim": {"id": 1, "kind": "sha256", "value": "ab" * 32},
    "claimed_at": "2026-01-05T12:00:00.000000Z",
    "release": "R1",
    "audit": {"community_id": 1, "seq": 3, "hash": "cd" * 32},
}


def _file(keys: KeyStore) -> bytes:
    return canonical(sign_receipt(BODY, keys)) + b"\n"


def test_key_is_created_once_with_private_modes(tmp_path: Path) -> None:
    """0700 directory, 0600 file; a second store on the same directory reads the same key."""
    d = tmp_path / "k"
    keys = KeyStore(d)
    assert not keys.exists()
    kid = keys.key_id()
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
    assert KeyStore(d).key_id() == kid
    assert "PRIVATE" not in repr(keys) and "BEGIN" not in repr(keys)


def test_loose_key_file_mode_is_tightened(tmp_path: Path) -> None:
    """A key file readable by others is fixed to 0600 when loaded."""
    keys = KeyStore(tmp_path)
    keys.key_id()
    keys.path.chmod(0o644)
    KeyStore(tmp_path).key_id()
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600


def test_garbage_key_file_is_a_clear_error(tmp_path: Path) -> None:
    """A corrupt key file raises KeyProblem naming the file, not a cryptography traceback."""
    (tmp_path / "community.ed25519.pem").write_text("not a key")
    with pytest.raises(KeyProblem, match="not a readable PEM"):
        KeyStore(tmp_path).key_id()


def test_valid_receipt_verifies(tmp_path: Path) -> None:
    """A freshly signed receipt is valid against its key (given as base64 or PEM)."""
    keys = KeyStore(tmp_path)
    data = _file(keys)
    for text in (keys.public_b64(), keys.public_pem()):
        verdict = verify_receipt(data, [load_public_key(text)])
        assert verdict.valid, verdict.reason
        assert "sha256" in verdict.reason


def test_every_single_byte_change_is_rejected(tmp_path: Path) -> None:
    """Flipping any one byte (content, signature, key id or punctuation) makes the receipt invalid."""
    keys = KeyStore(tmp_path)
    data = _file(keys)
    trusted = [keys.public_key()]
    accepted = []
    for i in range(len(data) - 1):  # the final newline is optional by design
        for replacement in {ord("0"), ord("a"), data[i] ^ 0x01}:
            if replacement == data[i]:
                continue
            changed = data[:i] + bytes([replacement]) + data[i + 1 :]
            if verify_receipt(changed, trusted).valid:
                accepted.append((i, chr(replacement)))
    assert accepted == []


def test_rejections_say_why(tmp_path: Path) -> None:
    """Wrong key, edited content, reformatting and non-JSON each get their own reason."""
    keys = KeyStore(tmp_path)
    data = _file(keys)
    other = Ed25519PrivateKey.generate().public_key()
    assert "not a trusted key" in verify_receipt(data, [other]).reason
    assert "no trusted public key" in verify_receipt(data, []).reason
    edited = data.replace(b'"name":"ada"', b'"name":"bob"')
    assert "altered" in verify_receipt(edited, [keys.public_key()]).reason
    pretty = data.replace(b",", b", ")
    assert "canonical" in verify_receipt(pretty, [keys.public_key()]).reason
    assert "invalid JSON" in verify_receipt(b"{", [keys.public_key()]).reason
    assert "missing" in verify_receipt(b"{}", [keys.public_key()]).reason
    assert "non-ASCII" in verify_receipt('{"é":1}'.encode(), [keys.public_key()]).reason


def test_bad_public_key_text_is_a_clear_error() -> None:
    """A malformed --key is reported, not a traceback."""
    with pytest.raises(KeyProblem):
        load_public_key("definitely not base64!")
    with pytest.raises(KeyProblem):
        load_public_key("AAAA")
