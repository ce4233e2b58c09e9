"""`license_flowdown` check kind."""

from __future__ import annotations

import pytest

from norms import ParentFacts
from norms.checks import license_flowdown
from tests.norms.factories import ctx

CHECK = license_flowdown.LicenseFlowdown()


@pytest.mark.parametrize(
    ("base", "lic", "outcome"),
    [
        ("SD 1.5", "apache-2.0", "fail"),
        ("SD 1.5", "mit", "fail"),
        ("SD 1.5", "creativeml-openrail-m", "pass"),
        ("SDXL 1.0", "openrail++", "pass"),
        ("Flux.1 D", "openrail++", "fail"),
        ("Flux.1 D", "flux-1-dev-non-commercial-license", "pass"),
        ("Llama 3 8B", "apache-2.0", "fail"),
        ("google/gemma-2-9b", "gemma", "pass"),
        ("Mistral 7B", "mit", "pass"),
        ("SD 1.5", "my-own-license", "needs_review"),
    ],
)
def test_base_model_license_flows_down(base: str, lic: str, outcome: str) -> None:
    """The child's license is judged against the base model's flow-down terms."""
    r = CHECK.run(ctx(base_model=base, license=lic))
    assert r is not None and r.outcome == outcome


def test_missing_license_under_a_flowdown_base_fails() -> None:
    """SDXL derivative without a license: fail, naming the upstream license."""
    r = CHECK.run(ctx(base_model="SDXL 1.0"))
    assert r is not None and r.outcome == "fail" and "openrail++" in r.evidence[0]


def test_unknown_upstream_is_undecided() -> None:
    """No known base and no parents: the check does not decide."""
    assert CHECK.run(ctx(base_model="homebrew", license="mit")) is None
    assert CHECK.run(ctx()) is None


def test_parent_forbidding_derivatives_fails_a_merge() -> None:
    """A parent with allow_derivatives False fails, whatever the license."""
    r = CHECK.run(ctx(license="mit", parent_facts=(ParentFacts("A", "mit", allow_derivatives=False),)))
    assert r is not None and r.outcome == "fail" and r.evidence == ("parent A does not allow derivatives",)


def test_parent_license_flows_down() -> None:
    """A parent under openrail++ makes an apache-2.0 merge fail."""
    r = CHECK.run(ctx(license="apache-2.0", parent_facts=(ParentFacts("A", "openrail++", allow_derivatives=True),)))
    assert r is not None and r.outcome == "fail"


def test_build_false_configures_nothing() -> None:
    """`license_flowdown: false` is no check at all."""
    assert license_flowdown.build(False) is None
