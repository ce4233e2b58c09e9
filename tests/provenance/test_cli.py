"""`normbot keys show`, `normbot claim verify`, `normbot claim receipt`: output, exit codes, clear errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from bot.cli import _load_areas, app
from moderation.provenance import KeyStore, canonical
from moderation.provenance.keys import public_b64
from moderation.provenance.receipts import sign_receipt

BODY = {
    "community": {"id": 1, "slug": "forge"},
    "creator": {"account": "console:ada", "name": "ada", "person": None},
    "claim": {"id": 1, "kind": "link", "value": "huggingface.co/ada/neon"},
    "claimed_at": "2026-01-05T12:00:00.000000Z",
    "release": None,
    "audit": {"community_id": 1, "seq": 1, "hash": "0" * 64},
}


def cli(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    _load_areas()
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def receipt(key_dir: Path, tmp_path: Path) -> Path:
    p = tmp_path / "r.json"
    p.write_bytes(canonical(sign_receipt(BODY, KeyStore(key_dir))) + b"\n")
    return p


def test_keys_show_generates_once_and_prints_public_key_only(key_dir: Path) -> None:
    """First run generates (0600); both runs print the same public key and never the private one."""
    code, first = cli("keys", "show")
    assert code == 0 and "BEGIN PUBLIC KEY" in first and "PRIVATE" not in first
    assert (key_dir / "community.ed25519.pem").stat().st_mode & 0o077 == 0
    code, second = cli("keys", "show")
    assert code == 0
    assert first.splitlines()[-5:] == second.splitlines()[-5:]
    assert KeyStore(key_dir).public_b64() in second


def test_verify_with_local_key_pinned_key_and_stdin(receipt: Path, key_dir: Path) -> None:
    """Valid via the key directory, via --key (text or file), and from standard input."""
    assert cli("claim", "verify", str(receipt))[0] == 0
    pub = KeyStore(key_dir).public_b64()
    assert cli("claim", "verify", str(receipt), "--key", pub)[0] == 0
    keyfile = receipt.parent / "pub.pem"
    keyfile.write_text(KeyStore(key_dir).public_pem())
    assert cli("claim", "verify", str(receipt), "--key", str(keyfile))[0] == 0
    assert cli("claim", "verify", "-", stdin=receipt.read_bytes())[0] == 0


def test_verify_rejects_other_key_and_edits(receipt: Path) -> None:
    """Exit 1 with the reason for a foreign key or an edited receipt."""
    other = public_b64(Ed25519PrivateKey.generate().public_key())
    code, out = cli("claim", "verify", str(receipt), "--key", other)
    assert code == 1 and "not a trusted key" in out
    receipt.write_bytes(receipt.read_bytes().replace(b"neon", b"noen"))
    code, out = cli("claim", "verify", str(receipt))
    assert code == 1 and "altered" in out


def test_verify_usage_errors(tmp_path: Path, receipt: Path) -> None:
    """A missing file or a malformed --key is a usage error (2), not a traceback."""
    code, out = cli("claim", "verify", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in out
    code, out = cli("claim", "verify", str(receipt), "--key", "xyz")
    assert code == 2 and "--key" in out


def test_receipt_errors(tmp_path: Path) -> None:
    """A value that is not a hash or model link is a usage error; an unclaimed one is exit 1."""
    db = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"

    async def migrate() -> None:
        from storage import Store

        s = Store.from_url(db)
        await s.upgrade()
        await s.close()

    asyncio.run(migrate())
    code, out = cli("claim", "receipt", "hello")
    assert code == 2 and "not a SHA-256" in out
    code, out = cli("claim", "receipt", "ab" * 32, "--db", db)
    assert code == 1 and "no signed claim" in out


def test_verify_refuses_deep_or_huge_json_with_a_verdict(tmp_path: Path, key_dir: Path) -> None:
    """30,000-deep arrays, 5,000-deep objects (from a file or standard input) and a 200 KB file get exit 1 and
    a one-line reason; before, Python's JSON parser raised RecursionError and the CLI printed a traceback."""
    _load_areas()
    cases = {
        b"[" * 30_000 + b"]" * 30_000: "the JSON nests more than 16 levels deep",
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000 + b"\n": "the JSON nests more than 16 levels deep",
        b"[" * 100_000 + b"]" * 100_000: "larger than 64 KB (a receipt is under 2 KB)",
    }
    for data, reason in cases.items():
        path = tmp_path / "hostile.json"
        path.write_bytes(data)
        for args, stdin in (([str(path)], None), (["-"], data)):
            result = CliRunner().invoke(app, ["claim", "verify", *args], input=stdin)
            assert isinstance(result.exception, SystemExit), result.exception  # an exit, not a RecursionError
            assert result.exit_code == 1 and "Traceback" not in result.output
            assert result.output.strip() == f"invalid: not a receipt: {reason}"


def test_brackets_inside_strings_do_not_count_as_nesting(key_dir: Path, tmp_path: Path) -> None:
    """A real receipt whose creator name is 200 `[` (escaped quotes too) is still valid: strings are skipped."""
    body = {**BODY, "creator": {"account": "console:x", "name": '["\\' * 200, "person": None}}
    path = tmp_path / "r.json"
    path.write_bytes(canonical(sign_receipt(body, KeyStore(key_dir))) + b"\n")
    code, out = cli("claim", "verify", str(path))
    assert code == 0 and out.startswith("valid:")
