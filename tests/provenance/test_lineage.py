"""Lineage across three generations: parents resolve, creators are credited, norms see parents' permissions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from moderation.kernel.actions import DirectMessage
from moderation.provenance import LineageIndex, parent_facts
from storage import Store
from tests.core.harness import Chat, reply_text

ALPHA = (
    "Releasing Alpha Base v1, a checkpoint for SDXL 1.0. License: openrail++. Merges welcome, please credit. "
    "https://huggingface.co/ada/alpha"
)
BETA = (
    "New merge: Beta Mix v1. Merge of Alpha Base and Sketchy. Base model: SDXL 1.0. License: openrail++. "
    "No merges allowed."
)
GAMMA = "New merge: Gamma Mix v1. Merge of Beta Mix. Base model: SDXL 1.0. License: openrail++. NSFW: no"
DELTA = "New merge: Delta Mix v1, a merge of Alpha Base. Base model: SDXL 1.0. License: apache-2.0. NSFW: no"


async def _results(store: Store, release_id: int) -> dict[str, tuple[str, str]]:
    async with store.transaction() as tx:
        latest = await tx.norm_checks.latest(release_id)
        assert latest is not None
        return {r.norm_id: (r.outcome, r.evidence) for r in latest[1]}


def _dms(actions: Sequence[object], user: str) -> list[DirectMessage]:
    return [a for a in actions if isinstance(a, DirectMessage) and a.user_id == user]


@pytest.fixture
async def three(chat: Chat) -> Chat:
    await chat.say("ada", ALPHA)
    chat.clock.advance(timedelta(hours=1))
    chat.beta_actions = await chat.say("bo", BETA)  # type: ignore[attr-defined]
    chat.clock.advance(timedelta(hours=1))
    chat.gamma_actions = await chat.say("cy", GAMMA)  # type: ignore[attr-defined]
    return chat


async def test_child_of_a_no_merges_parent_fails_permissions(three: Chat, store: Store) -> None:
    """Gamma merges Beta, whose creator said 'No merges allowed': credit-parent-permissions fails with evidence."""
    gamma = await _results(store, 3)
    outcome, evidence = gamma["credit-parent-permissions"]
    assert outcome == "fail"
    assert "Beta Mix v1 (R2) does not allow derivatives" in evidence
    assert gamma["harm-license-flowdown"][0] == "fail"  # the flow-down norm refuses derivatives of it too


async def test_parent_that_allows_merges_passes(three: Chat, store: Store) -> None:
    """Beta merges Alpha, whose creator welcomed merges and asked for credit (given): pass."""
    beta = await _results(store, 2)
    assert beta["credit-parent-permissions"] == ("pass", "parent Alpha Base v1 (R1) permits this")


async def test_laxer_license_than_parent_fails_flowdown(three: Chat, store: Store) -> None:
    """Delta relicenses a child of the openrail++ Alpha as apache-2.0: the flow-down norm fails naming the parent."""
    await three.say("dee", DELTA)
    outcome, evidence = (await _results(store, 4))["harm-license-flowdown"]
    assert outcome == "fail"
    assert "apache-2.0 drops the use restrictions of openrail++ (from parent Alpha Base v1 (R1))" in evidence


async def test_creators_are_told_they_were_credited(three: Chat) -> None:
    """ada hears that bo credits Alpha; bo hears that cy credits Beta, with a note about their no-merges wish."""
    to_ada = _dms(three.beta_actions, "ada")  # type: ignore[attr-defined]
    assert [d.card.title for d in to_ada] == ["bo credits your model Alpha Base"]
    to_bo = _dms(three.gamma_actions, "bo")  # type: ignore[attr-defined]
    assert len(to_bo) == 1 and to_bo[0].card.title == "cy credits your model Beta Mix"
    assert "not allowed" in to_bo[0].card.body


async def test_tree_as_data_and_chat(three: Chat, store: Store) -> None:
    """The tree walks up from Gamma to Alpha and down from Alpha to Gamma; /provenance renders it."""
    async with store.transaction() as tx:
        index = await LineageIndex.load(tx, 1)
        tree = index.tree(3)
        down = index.tree(1)["descendants"]
        gamma = await tx.releases.get(1, 3)
        assert gamma is not None
        facts = await parent_facts(tx, gamma)
    assert tree["ancestors"][0]["release"] == "R2"
    assert tree["ancestors"][0]["links"][0]["release"] == "R1"
    assert down[0]["release"] == "R2" and down[0]["links"][0]["release"] == "R3"
    assert [(f.allow_derivatives, f.license) for f in facts] == [(False, "openrail++")]
    text = reply_text(await three.cmd("zed", "/provenance R2"))
    assert "Descends from:\n└─ R1 Alpha Base v1 by ada" in text
    assert "Credited by:\n└─ R3 Gamma Mix v1 by cy" in text


async def test_a_later_version_is_never_an_earlier_childs_parent(chat: Chat, store: Store) -> None:
    """Names resolve to releases announced before the child only."""
    await chat.say("bo", BETA)
    await chat.say("ada", ALPHA)
    async with store.transaction() as tx:
        assert LineageIndex(await tx.releases.all(1), {}).parents.get(1, []) == []
