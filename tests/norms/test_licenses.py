"""The license table: spellings, flow-down facts, base model licenses."""

from __future__ import annotations

import pytest

from norms.licenses import base_model_license, license_info, normalize_license


@pytest.mark.parametrize(
    ("base", "lic"),
    [
        ("SD 1.5", "creativeml-openrail-m"),
        ("sd15", "creativeml-openrail-m"),
        ("SDXL 1.0", "openrail++"),
        ("Flux.1 D", "flux-1-dev-non-commercial-license"),
        ("Llama 3 8B", "llama3"),
        ("google/gemma-2-9b", "gemma"),
        ("Mistral 7B", "apache-2.0"),
        ("Flux.1 Schnell", "apache-2.0"),
    ],
)
def test_base_model_license(base: str, lic: str) -> None:
    """Base model names map to their license regardless of case and punctuation."""
    assert base_model_license(base) == lic


def test_unknown_base_model_is_none() -> None:
    """An unknown base gives None, not a guess."""
    assert base_model_license("My Homebrew Base") is None


def test_aliases_normalize() -> None:
    """Civitai-style names normalize to ids; unknown names are lower-cased."""
    assert normalize_license("CreativeML Open RAIL-M") == "creativeml-openrail-m"
    assert normalize_license("Apache 2.0") == "apache-2.0"
    assert normalize_license("  My-Custom ") == "my-custom"


def test_flowdown_facts() -> None:
    """RAIL/Flux-dev flow down; Apache is permissive; openrail++ is not plain openrail."""
    rail, flux, apache = license_info("openrail++"), license_info("flux-1-dev"), license_info("apache-2.0")
    assert rail is not None and rail.flowdown and "apache-2.0" not in rail.accepts
    assert flux is not None and flux.flowdown and not flux.commercial
    assert apache is not None and apache.permissive and not apache.flowdown
    assert normalize_license("openrail++") != normalize_license("openrail")
