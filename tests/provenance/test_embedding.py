"""The cosine path: the detector's `embed` is used when present, and a failing model never stops announcements.

The embedder is replaced at its edge by a tiny deterministic one (vectors by topic), so the test controls
which texts are "semantically" identical; the real MiniLM figures are in docs/provenance.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from bot.wiring import build_core
from moderation.detection import Detection, Detector
from moderation.kernel.actions import Send
from moderation.kernel.clock import ManualClock
from moderation.provenance import Provenance
from storage import Store
from tests.core.harness import Chat
from tests.provenance.conftest import two_platform_community

A = "Releasing Glowtown v1, a LoRA for SDXL 1.0 with neon city lights at night. License: openrail++."
B = "Just dropped: GlowCity 1.0! SDXL LoRA, city lights + neon nights, openrail++ license, have fun"


class TopicEmbedder:
    """Rules-only detection plus an `embed` that maps texts mentioning 'glow' to one vector."""

    def __init__(self, fail: bool = False, store: Store | None = None) -> None:
        self.inner = Detector(use_model=False)
        self.fail = fail
        self.embedded: list[str] = []
        self.store = store
        self.inside_unit_of_work: list[bool] = []

    async def adetect_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[Detection]:
        return await self.inner.adetect_many(items)

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.embedded.extend(texts)
        if self.store is not None:
            self.inside_unit_of_work.append(self.store.busy)
        if self.fail:
            raise RuntimeError("model exploded")
        return np.array([[1.0, 0.0] if "glow" in t.lower() else [0.0, 1.0] for t in texts], np.float32)


async def _chat(store: Store, prov: Provenance, detector: TopicEmbedder) -> Chat:
    clock = ManualClock()
    core = await build_core(
        store, [two_platform_community()], clock=clock, migrate=False, hooks=prov, detector=detector
    )
    return Chat(core, clock)


def _alerts(actions: Sequence[object]) -> list[Send]:
    return [a for a in actions if isinstance(a, Send) and "re-upload" in a.card.title]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_cosine_catches_reworded_copy(store: Store, prov: Provenance) -> None:
    """Low shingle overlap, same meaning: the cosine threshold raises the evidence."""
    det = TopicEmbedder()
    chat = await _chat(store, prov, det)
    await chat.say("ada", A)
    actions = await chat.say("bo", B)
    (alert,) = [a for a in _alerts(actions) if a.chat.chat_id == "releases-mods"]
    assert "1.00 embedding cosine" in alert.card.body
    assert "Jaccard" not in alert.card.body
    # Each text is embedded once, when it is announced (this detector gives no vectors of its own); later
    # comparisons take it from the cache.
    assert det.embedded == [A, B]
    await chat.say("cy", "Releasing Inkwell v1, a LoRA for SD 1.5 with brush strokes. License: creativeml-openrail-m.")
    assert len(det.embedded) == 3


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_broken_model_falls_back_to_shingles(store: Store, prov: Provenance) -> None:
    """An exception in the embedder is logged; the announcement is handled and no alert is invented."""
    chat = await _chat(store, prov, TopicEmbedder(fail=True))
    await chat.say("ada", A)
    actions = await chat.say("bo", B)
    assert _alerts(actions) == []
    assert any(isinstance(a, Send) and a.key == "prompt:2" for a in actions)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_model_runs_outside_the_unit_of_work(store: Store, prov: Provenance) -> None:
    """On SQLite units of work are serialised: the embedding model must never run while one is open, or every
    other event would wait for it."""
    det = TopicEmbedder(store=store)
    chat = await _chat(store, prov, det)
    await chat.say("ada", A)
    await chat.say("bo", B)
    assert det.inside_unit_of_work and not any(det.inside_unit_of_work)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_fresh_process_embeds_earlier_announcements_it_never_saw(store: Store, prov: Provenance) -> None:
    """After a restart the vector cache is empty: earlier texts are embedded (outside the unit of work) and
    the reworded copy is still caught by its cosine."""
    chat = await _chat(store, prov, TopicEmbedder())
    await chat.say("ada", A)
    det = TopicEmbedder(store=store)
    fresh = Provenance(keys=prov.keys)
    later = await _chat(store, fresh, det)
    actions = await later.say("bo", B)
    assert any("embedding cosine" in a.card.body for a in _alerts(actions))
    assert det.embedded == [B, A] and not any(det.inside_unit_of_work)


class NamedTopicEmbedder(TopicEmbedder):
    """`TopicEmbedder` whose vectors have a name (`Detector.embedding_model`): provenance stores them."""

    def __init__(self, name: str = "topic/1", store: Store | None = None) -> None:
        super().__init__(store=store)
        self.embedding_model = name


async def test_a_fresh_process_reads_stored_vectors_instead_of_embedding_again(store: Store, prov: Provenance) -> None:
    """The vector of an announcement is kept with it: a restarted process (or another replica) compares a
    new announcement with the earlier one without running the model over the earlier text."""
    await (await _chat(store, prov, NamedTopicEmbedder())).say("ada", A)
    det = NamedTopicEmbedder(store=store)
    later = await _chat(store, Provenance(keys=prov.keys), det)
    actions = await later.say("bo", B)
    assert any("1.00 embedding cosine" in a.card.body for a in _alerts(actions))
    assert det.embedded == [B]  # only the new text; A's vector came from the store


async def test_vectors_of_another_model_are_not_compared(store: Store, prov: Provenance) -> None:
    """A vector made by another encoder (or the same one quantised differently) is not comparable: the
    earlier text is embedded again by the model in use."""
    await (await _chat(store, prov, NamedTopicEmbedder("topic/1"))).say("ada", A)
    det = NamedTopicEmbedder("topic/2", store=store)
    later = await _chat(store, Provenance(keys=prov.keys), det)
    actions = await later.say("bo", B)
    assert any("embedding cosine" in a.card.body for a in _alerts(actions))
    assert det.embedded == [B, A]


async def test_vectors_the_model_made_for_older_announcements_are_kept_too(store: Store, prov: Provenance) -> None:
    """Announced while the bot ran without a model (or with another one): the first process that embeds
    the old text keeps its vector, so the next process does not embed it again."""
    await (await _chat(store, prov, TopicEmbedder())).say("ada", A)  # no named model: nothing stored
    first = NamedTopicEmbedder("topic/1")
    await (await _chat(store, Provenance(keys=prov.keys), first)).say("bo", B)
    assert first.embedded == [B, A]
    second = NamedTopicEmbedder("topic/1")
    later = await _chat(store, Provenance(keys=prov.keys), second)
    await later.say("cy", "Releasing Glowshore v1, an SDXL LoRA of glowing beaches at dusk. License: openrail++.")
    assert len(second.embedded) == 1  # only the new text: A's and B's vectors were both kept


async def test_a_new_model_replaces_the_old_models_vectors(store: Store, prov: Provenance) -> None:
    """After the encoder changed, the old vectors are replaced by the new model's, not kept beside them."""
    await (await _chat(store, prov, NamedTopicEmbedder("topic/1"))).say("ada", A)
    await (await _chat(store, Provenance(keys=prov.keys), NamedTopicEmbedder("topic/2"))).say("bo", B)
    third = NamedTopicEmbedder("topic/2")
    later = await _chat(store, Provenance(keys=prov.keys), third)
    await later.say("cy", "Releasing Glowshore v1, an SDXL LoRA of glowing beaches at dusk. License: openrail++.")
    assert len(third.embedded) == 1
