"""Lineage: a release's declared parents and base model, resolved to releases this community knows.

A name resolves (case-insensitively, on the model name) to the newest release of that name announced
*before* the child, so a later v3 of a parent never becomes the parent of an older merge, and a model never
becomes its own parent. The graph is recomputed from stored fields on demand: releases are few per
community (thousands), and one pass over them is cheaper than keeping an edge table in sync with
`/release edit`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moderation.provenance.permissions import ALLOW_DERIVATIVES, REQUIRE_CREDIT, parse_permissions, permission_of
from moderation.releases.cards import clip, release_ref
from norms import ParentFacts
from norms.fields import ReleaseFields
from storage import Account, Release, Tx

__all__ = ["LineageIndex", "TreeNode", "declared_parent_names", "parent_facts", "render_tree", "resolve_parents"]

MAX_DEPTH = 8


def declared_parent_names(release: Release) -> list[tuple[str, str]]:
    """(name, relation) pairs a release declares: each parent ("parent") and its base model ("base")."""
    fields = ReleaseFields.from_json(release.fields_json)
    own = release.model_name.casefold()
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, relation in [*((p, "parent") for p in fields.parents), (fields.base_model or "", "base")]:
        key = name.strip().casefold()
        if key and key != own and key not in seen:
            seen.add(key)
            out.append((name.strip(), relation))
    return out


def _pick(candidates: Iterable[Release], child: Release) -> Release | None:
    earlier = [r for r in candidates if r.id < child.id and r.id != child.id]
    return max(earlier, key=lambda r: r.id) if earlier else None


async def resolve_parents(tx: Tx, release: Release) -> list[tuple[Release, str]]:
    """The releases a release descends from, with the relation ("parent" or "base").

    Remembered for the unit of work under the names the release declares (the norm check and the credit
    notices of one announcement both ask; an edit that changes the names asks afresh)."""
    declared = declared_parent_names(release)
    if not declared:
        return []
    key = ("parents", release.id, tuple(declared))
    remembered = tx.memo.get(key)
    if remembered is not None:
        return list(remembered)
    found = await tx.releases.by_names(release.community_id, [n for n, _ in declared])
    by_name: dict[str, list[Release]] = defaultdict(list)
    for r in found:
        by_name[r.model_name.casefold()].append(r)
    out: list[tuple[Release, str]] = []
    for name, relation in declared:
        parent = _pick(by_name.get(name.casefold(), ()), release)
        if parent is not None and all(parent.id != p.id for p, _ in out):
            out.append((parent, relation))
    tx.memo[key] = tuple(out)
    return out


def _facts_of(parent: Release) -> ParentFacts:
    fields = ReleaseFields.from_json(parent.fields_json)
    stated: Mapping[str, str] = fields.extra
    if ALLOW_DERIVATIVES not in stated and REQUIRE_CREDIT not in stated:
        stated = {**parse_permissions(parent.text), **stated}
    name = parent.model_name + (f" {parent.version}" if parent.version else "")
    return ParentFacts(
        name=f"{name} ({release_ref(parent)})",
        license=fields.license,
        allow_derivatives=permission_of(stated, ALLOW_DERIVATIVES),
        require_credit=permission_of(stated, REQUIRE_CREDIT),
        # Resolved parents are the ones the child names, so they are credited by construction.
        credited=True,
    )


async def parent_facts(tx: Tx, release: Release) -> list[ParentFacts]:
    """`norms.ParentFacts` for each resolved parent: license and the permissions its creator stated."""
    return [_facts_of(p) for p, _ in await resolve_parents(tx, release)]


@dataclass
class TreeNode:
    """One release in a lineage tree, as data (`as_dict`) and as lines of text (`render_tree`)."""

    release_id: int
    name: str
    version: str | None
    creator: str
    relation: str
    links: list[TreeNode] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (`links` are parents in the ancestor tree, children in the descendant tree)."""
        return {
            "release": f"R{self.release_id}",
            "name": self.name,
            "version": self.version,
            "creator": self.creator,
            "relation": self.relation,
            "links": [n.as_dict() for n in self.links],
        }


class LineageIndex:
    """Every parent edge of a community, resolved in one pass over its releases."""

    def __init__(self, releases: Sequence[Release], creators: Mapping[int, Account]) -> None:
        self.releases = {r.id: r for r in releases}
        self.creators = creators
        by_name: dict[str, list[Release]] = defaultdict(list)
        for r in releases:
            by_name[r.model_name.casefold()].append(r)
        self.parents: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.children: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for r in releases:
            for name, relation in declared_parent_names(r):
                parent = _pick(by_name.get(name.casefold(), ()), r)
                if parent is not None and all(parent.id != p for p, _ in self.parents[r.id]):
                    self.parents[r.id].append((parent.id, relation))
                    self.children[parent.id].append((r.id, relation))

    @classmethod
    async def load(cls, tx: Tx, community_id: int) -> LineageIndex:
        """Build the index for one community."""
        releases = await tx.releases.all(community_id)
        creators = {a.id: a for a in await tx.accounts.by_ids({r.creator_id for r in releases})}
        return cls(releases, creators)

    def _node(self, release_id: int, relation: str) -> TreeNode:
        r = self.releases[release_id]
        creator = self.creators.get(r.creator_id)
        return TreeNode(r.id, r.model_name, r.version, creator.display_name if creator else "?", relation)

    def _walk(
        self, release_id: int, edges: Mapping[int, list[tuple[int, str]]], relation: str, seen: set[int], depth: int
    ) -> TreeNode:
        node = self._node(release_id, relation)
        if depth >= MAX_DEPTH:
            return node
        for other, rel in edges.get(release_id, ()):
            if other not in seen:
                node.links.append(self._walk(other, edges, rel, seen | {other}, depth + 1))
        return node

    def ancestors(self, release_id: int) -> TreeNode:
        """The release with its parents, their parents, … (cycles and depth are bounded)."""
        return self._walk(release_id, self.parents, "self", {release_id}, 0)

    def descendants(self, release_id: int) -> TreeNode:
        """The release with the releases that credit it, and theirs, …"""
        return self._walk(release_id, self.children, "self", {release_id}, 0)

    def tree(self, release_id: int) -> dict[str, Any]:
        """Both directions as data: `{"release": …, "ancestors": […], "descendants": […]}`."""
        up, down = self.ancestors(release_id), self.descendants(release_id)
        me = up.as_dict()
        me.pop("links")
        return {
            "release": me,
            "ancestors": [n.as_dict() for n in up.links],
            "descendants": [n.as_dict() for n in down.links],
        }


def _lines(nodes: Sequence[TreeNode], prefix: str) -> list[str]:
    out: list[str] = []
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        label = f"R{node.release_id} {clip(node.name, 50)}" + (f" {node.version}" if node.version else "")
        rel = " (base)" if node.relation == "base" else ""
        out.append(f"{prefix}{'└─ ' if last else '├─ '}{label} by {clip(node.creator, 30)}{rel}")
        out.extend(_lines(node.links, prefix + ("   " if last else "│  ")))
    return out


def render_tree(index: LineageIndex, release_id: int, limit: int = 40) -> str:
    """The tree as chat text: ancestors above the release, descendants below."""
    up, down = index.ancestors(release_id), index.descendants(release_id)
    lines = ["Descends from:", *(_lines(up.links, "") or ["(no known parents)"])]
    lines += ["Credited by:", *(_lines(down.links, "") or ["(no known derivatives)"])]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… {len(lines) - limit} more lines"]
    return "\n".join(lines)
