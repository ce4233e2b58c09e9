"""The community signing key: one Ed25519 key per key directory, generated on first use.

Why a file and not the database: whoever can read the store should not thereby be able to forge receipts,
and operators back keys up differently from data. The private key is a PKCS#8 PEM file created with mode
0600 inside a 0700 directory (`NORMBOT_KEY_DIR`, default `./data/keys/`); it is never logged and never
leaves this module except as signatures. Creation uses O_EXCL, so two replicas starting at once end up with
the same key (the loser reads the winner's file).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["DEFAULT_KEY_DIR", "KEY_FILE", "KeyProblem", "KeyStore", "key_id_of", "load_public_key", "verify_signature"]

log = logging.getLogger("normbot.provenance.keys")
DEFAULT_KEY_DIR = Path("data") / "keys"
KEY_FILE = "community.ed25519.pem"


class KeyProblem(Exception):
    """The key file is unreadable, not an Ed25519 key, or a public key is malformed (message is safe to show)."""


def key_id_of(public: Ed25519PublicKey) -> str:
    """A short, stable fingerprint: the first 16 hex digits of SHA-256 over the raw 32-byte public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_b64(public: Ed25519PublicKey) -> str:
    """The raw public key as base64 (44 characters): what `normbot keys show` prints and receipts carry."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as base64 of the raw 32 bytes, or as a PEM `PUBLIC KEY` block."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise KeyProblem("the PEM block is not an Ed25519 public key")
            return key
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except KeyProblem:
        raise
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyProblem(f"not an Ed25519 public key (base64 of 32 bytes or PEM): {exc}") from None


def verify_signature(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """Whether `signature` is `public`'s Ed25519 signature of `message`."""
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass
class KeyStore:
    """Loads (or creates) the private key lazily: a core that records no claim never touches the disk."""

    directory: Path = field(default_factory=lambda: Path(os.environ.get("NORMBOT_KEY_DIR") or DEFAULT_KEY_DIR))
    _private: Ed25519PrivateKey | None = field(default=None, init=False, repr=False)

    def __repr__(self) -> str:
        return f"KeyStore(directory={str(self.directory)!r})"

    @property
    def path(self) -> Path:
        """Where the private key lives."""
        return self.directory / KEY_FILE

    def exists(self) -> bool:
        """Whether a key was generated already."""
        return self.path.is_file()

    def _ensure_dir(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = stat.S_IMODE(self.directory.stat().st_mode)
        if mode & 0o077:
            os.chmod(self.directory, 0o700)

    def _create(self) -> bool:
        """Write a fresh key with O_EXCL; False when another process won the race."""
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        log.info("generated a new community signing key %s in %s", key_id_of(key.public_key()), self.directory)
        return True

    def private_key(self) -> Ed25519PrivateKey:
        """The signing key, created on first use."""
        if self._private is not None:
            return self._private
        try:
            self._ensure_dir()
            if not self.path.exists():
                self._create()
            mode = stat.S_IMODE(self.path.stat().st_mode)
            if mode & 0o077:
                log.warning("key file %s is readable by others (mode %o); tightening to 0600", self.path, mode)
                os.chmod(self.path, 0o600)
            data = self.path.read_bytes()
        except OSError as exc:
            raise KeyProblem(f"cannot use the key directory {self.directory}: {exc.strerror or exc}") from None
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise KeyProblem(f"{self.path} is not a readable PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyProblem(f"{self.path} holds a key that is not Ed25519")
        self._private = key
        return key

    def public_key(self) -> Ed25519PublicKey:
        """The public half (what verifiers trust)."""
        return self.private_key().public_key()

    def key_id(self) -> str:
        """Fingerprint of the public key."""
        return key_id_of(self.public_key())

    def public_b64(self) -> str:
        """Base64 of the raw public key."""
        return public_b64(self.public_key())

    def public_pem(self) -> str:
        """The public key as a PEM block."""
        return (
            self.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of `message`."""
        return self.private_key().sign(message)
