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
from moderation.actions import Send
from moderation.clock import ManualClock
from moderation.detection import Detector
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

    async def adetect_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> Sequence[Any]:
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
