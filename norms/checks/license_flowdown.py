"""`license_flowdown: true`: use restrictions of upstream licenses are passed on, not dropped.

Upstream = the base model's license (from `norms/data/licenses.yaml`) plus each parent's license as
provenance reports it. For every upstream license marked `flowdown` (OpenRAIL family, Gemma, Llama,
FLUX.1 [dev] non-commercial) the release must state a license, and that license must be one the upstream
`accepts`; a known license outside that list (apache-2.0, mit, a commercial one on a non-commercial base)
fails, an unknown one goes to peer review. A parent that does not allow derivatives fails the release.
Undecided (None) when nothing upstream is known.

PASS::

    base_model: SD 1.5, license: creativeml-openrail-m

FAIL::

    base_model: SD 1.5, license: apache-2.0   -> "apache-2.0 drops the use restrictions of creativeml-openrail-m"
    base_model: SDXL 1.0, no license          -> "no license stated; openrail++ (from SDXL 1.0) flows down"
    parent X with allow_derivatives false     -> "parent X does not allow derivatives"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.licenses import base_model_license, license_info, normalize_license
from norms.model import CheckOutcome, ReleaseContext

__all__ = ["ID", "LicenseFlowdown", "build"]

ID = "license_flowdown"


@dataclass(frozen=True, slots=True)
class LicenseFlowdown:
    """Compiled `license_flowdown` (no options)."""

    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome | None:
        upstream: list[tuple[str, str]] = []  # (license id, where it came from)
        if ctx.fields.base_model:
            lic = base_model_license(ctx.fields.base_model)
            if lic:
                upstream.append((lic, f"base model {ctx.fields.base_model}"))
        fails: list[str] = []
        review: list[str] = []
        for parent in ctx.parents:
            if parent.allow_derivatives is False:
                fails.append(f"parent {parent.name} does not allow derivatives")
            if parent.license:
                upstream.append((normalize_license(parent.license), f"parent {parent.name}"))
        if not upstream and not fails:
            return None
        child = normalize_license(ctx.fields.license) if ctx.fields.license else None
        child_info = license_info(child) if child else None
        for lic, origin in upstream:
            info = license_info(lic)
            if info is None or not info.flowdown:
                continue
            if child is None:
                fails.append(f"no license stated; {lic} (from {origin}) has use restrictions that flow down")
            elif child not in info.accepts:
                if child_info is None:
                    review.append(f"license {child} is not in the table; check it keeps {lic}'s terms ({origin})")
                else:
                    fails.append(f"{child} drops the use restrictions of {lic} (from {origin})")
        if fails:
            return CheckOutcome("fail", tuple(fails))
        if review:
            return CheckOutcome("needs_review", tuple(review))
        return CheckOutcome("pass", tuple(f"{lic} from {origin}" for lic, origin in upstream))


def build(value: Any) -> LicenseFlowdown | None:
    """`license_flowdown: false` configures nothing (returns None)."""
    return LicenseFlowdown() if value is True else None
