"""Provenance, credit and ownership: claims with signed receipts, re-upload evidence, lineage, reputation.

The public API (see docs/provenance.md): `Provenance` (the core's hooks), `KeyStore` and `verify_receipt`
(offline receipt checks), `read_safetensors`, `parse_permissions`, `LineageIndex`, `profile_of`.
"""

from __future__ import annotations

from moderation.provenance.claims import ReuploadMatch, alert_actions, record_claim
from moderation.provenance.keys import KeyProblem, KeyStore, load_public_key
from moderation.provenance.lineage import LineageIndex, parent_facts, render_tree, resolve_parents
from moderation.provenance.permissions import parse_permissions
from moderation.provenance.plugin import Provenance
from moderation.provenance.receipts import Verdict, canonical, verify_receipt
from moderation.provenance.reputation import Profile, decayed, most_credited, profile_of
from moderation.provenance.safetensors import SafetensorsError, SafetensorsInfo, read_safetensors
from moderation.provenance.similarity import jaccard, shingles
from moderation.provenance.values import ClaimValue, claim_values, normalise_link, parse_claim_value

__all__ = [
    "ClaimValue",
    "KeyProblem",
    "KeyStore",
    "LineageIndex",
    "Profile",
    "Provenance",
    "ReuploadMatch",
    "SafetensorsError",
    "SafetensorsInfo",
    "Verdict",
    "alert_actions",
    "canonical",
    "claim_values",
    "decayed",
    "jaccard",
    "load_public_key",
    "most_credited",
    "normalise_link",
    "parent_facts",
    "parse_claim_value",
    "parse_permissions",
    "profile_of",
    "read_safetensors",
    "record_claim",
    "render_tree",
    "resolve_parents",
    "shingles",
    "verify_receipt",
]
