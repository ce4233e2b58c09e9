"""Building the core from settings: the one place that picks the store, the detector and the clock."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from moderation.core import Core
from moderation.kernel.clock import Clock, utcnow
from moderation.kernel.community import CommunityConfig
from moderation.provenance import Provenance
from storage import Store

__all__ = ["build_core", "make_detector", "settle"]

log = logging.getLogger("normbot")


def make_detector(*, rules_only: bool = False) -> Any:
    """The staged detector; with `rules_only`, the transformer stage is off (it also falls back by itself)."""
    from moderation.detection import Detector

    return Detector(use_model=not rules_only)


async def build_core(
    store: Store,
    communities: Sequence[CommunityConfig],
    *,
    clock: Clock = utcnow,
    rules_only: bool = False,
    base_dir: Path | None = None,
    migrate: bool = True,
    worker_id: str | None = None,
    detector: Any = None,
    hooks: Any = None,
) -> Core:
    """Migrate the store (idempotent), create the core and register the configured communities."""
    if migrate:
        await store.upgrade()
    detector = detector or make_detector(rules_only=rules_only)
    hooks = hooks if hooks is not None else Provenance()  # claims, re-upload alerts, lineage (NORMBOT_KEY_DIR)
    core = Core(store, communities, detector=detector, clock=clock, base_dir=base_dir, worker_id=worker_id, hooks=hooks)
    await core.setup()
    return core


async def settle(core: Core) -> None:
    """Finish starting up: load the detector's model now (off the loop) rather than on the first candidate
    message, then move everything startup allocated out of the garbage collector's way.

    A full collection walks every tracked object; with torch, transformers, SQLAlchemy and the model's
    modules loaded that is a long pause, and the event loop stands still meanwhile, so every message in
    flight waits several times longer than the work it needs. `gc.freeze()` after a collection keeps those
    long-lived objects out of later collections, which then walk only what the bot allocated since (the
    figures are in docs/performance.md, "Figures behind code comments").
    """
    status = await asyncio.to_thread(lambda: getattr(core.detector, "model_status", None))
    if status is not None:
        log.info("release detector: %s", status)
    gc.collect()
    gc.freeze()
