"""The safetensors reader: header metadata, tensor-only hash, bounded and safe on bad files."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from moderation.provenance import SafetensorsError, read_safetensors

TENSORS = {"lora_up.weight": np.arange(24, dtype=np.float32).reshape(4, 6), "alpha": np.array([4.0], np.float32)}


def _write(path: Path, metadata: dict[str, str]) -> Path:
    save_file(TENSORS, str(path), metadata=metadata)
    return path


def test_metadata_and_tensor_hash(tmp_path: Path) -> None:
    """modelspec/ss_ keys are read; the tensor hash covers exactly the bytes after the header."""
    p = _write(
        tmp_path / "a.safetensors",
        {
            "modelspec.author": "ada",
            "modelspec.license": "openrail++",
            "modelspec.trigger_phrase": "neondrm",
            "ss_merged_from": "Alpha, Beta",
            "format": "pt",
        },
    )
    info = read_safetensors(p)
    raw = p.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert info.tensor_sha256 == hashlib.sha256(raw[8 + n :]).hexdigest()
    assert info.tensor_sha256 != hashlib.sha256(raw).hexdigest()
    assert (info.author, info.license, info.trigger_phrase) == ("ada", "openrail++", "neondrm")
    assert info.merged_from == ("Alpha", "Beta")
    assert "format" not in info.metadata
    assert info.tensors == 2 and info.tensor_bytes == 24 * 4 + 4


def test_repacked_file_keeps_its_tensor_hash(tmp_path: Path) -> None:
    """Same weights with another author in the header: file hashes differ, tensor hashes agree."""
    a = _write(tmp_path / "a.safetensors", {"modelspec.author": "ada"})
    b = _write(tmp_path / "b.safetensors", {"modelspec.author": "someone-else", "modelspec.title": "Mine Now"})
    assert hashlib.sha256(a.read_bytes()).digest() != hashlib.sha256(b.read_bytes()).digest()
    assert read_safetensors(a).tensor_sha256 == read_safetensors(b).tensor_sha256


def test_oversized_header_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A declared header over the bound is refused before any allocation."""
    p = tmp_path / "big.safetensors"
    p.write_bytes(struct.pack("<Q", 11 * 1024 * 1024) + b"{}")
    with pytest.raises(SafetensorsError, match="refusing headers"):
        read_safetensors(p)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"abc", "too short"),
        (struct.pack("<Q", 100) + b"{}", "ends inside its header"),
        (struct.pack("<Q", 4) + b"nope", "not valid UTF-8 JSON"),
        (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
        (struct.pack("<Q", 19) + b'{"__metadata__": 1}', "not an object"),
    ],
)
def test_malformed_files_give_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    """Each kind of damage gets a message naming it."""
    p = tmp_path / "bad.safetensors"
    p.write_bytes(content)
    with pytest.raises(SafetensorsError, match=message):
        read_safetensors(p)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is a SafetensorsError too."""
    with pytest.raises(SafetensorsError, match="cannot open"):
        read_safetensors(tmp_path / "nope.safetensors")


def test_hand_built_file_matches_library(tmp_path: Path) -> None:
    """A file built by hand (no library) reads the same way: the format is what we think it is."""
    header = json.dumps(
        {"__metadata__": {"ss_author": "bo"}, "t": {"dtype": "U8", "shape": [3], "data_offsets": [0, 3]}}
    )
    p = tmp_path / "hand.safetensors"
    p.write_bytes(struct.pack("<Q", len(header)) + header.encode() + b"\x01\x02\x03")
    info = read_safetensors(p)
    assert info.author == "bo"
    assert info.tensor_sha256 == hashlib.sha256(b"\x01\x02\x03").hexdigest()
