"""The community teaches the detector: /markrelease and /notrelease through the real core, on both databases."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_settings
from bot.wiring import build_core
from moderation.announcements.watcher import is_release_for
from moderation.detection import Detection
from moderation.kernel.actions import Edit
from moderation.kernel.clock import ManualClock
from moderation.kernel.community import CommunityConfig
from storage import Store, guess_lang
from tests.core.harness import GOOD, Chat, community, reply_text, sends

# The rules-only detector does not see a release in this (it is one: a creator's casual announcement).
MISSED = "finally finished Glass Skin v1, been cooking it for weeks, grab it on my page https://example.org/glassskin"


async def _corrections(store: Store) -> list[Any]:
    async with store.transaction() as tx:
        row = await tx.communities.by_slug("forge")
        assert row is not None
        return await tx.corrections.of_community(row.id)


async def _audit_actions(store: Store) -> list[str]:
    async with store.transaction() as tx:
        row = await tx.communities.by_slug("forge")
        assert row is not None
        return [e.action for e in await tx.audit_log.events(row.id)]


async def _status(store: Store, release_id: int) -> str:
    async with store.transaction() as tx:
        release = await tx.releases.get_any(release_id)
        assert release is not None
        return release.status


async def test_missed_message_marked_by_a_moderator_becomes_a_release(chat: Chat, store: Store) -> None:
    """The moderator's /markrelease registers the message as an announcement: prompt, check, jobs, example."""
    assert await chat.say("ada", MISSED, message_id="miss1") == []
    actions = await chat.cmd("mia", "/markrelease", reply_to="miss1")
    assert "Marked as a release: R1" in reply_text(actions)
    (prompt,) = [s for s in sends(actions) if s.key == "prompt:1"]
    # (what the prompt names the model is extraction's business, tested there)
    assert prompt.reply_to == "miss1" and prompt.card.title.startswith("Review R1:") and prompt.buttons
    async with store.transaction() as tx:
        (ann,) = await tx.announcements.of_release(1)
        assert ann.message_id == "miss1" and ann.text == MISSED
        assert await tx.norm_checks.latest(1) is not None
        assert {j.kind for j in await tx.jobs.all("pending") if j.subject == "1"} >= {"review_deadline"}
        mia = await tx.accounts.by_name("console", "mia")
        ada = await tx.accounts.by_name("console", "ada")
    (row,) = await _corrections(store)
    assert row.is_release and row.release_id == 1 and row.text == MISSED
    assert mia is not None and ada is not None and row.corrected_by == mia.id and row.author_id == ada.id
    assert (row.platform, row.chat_id, row.message_id) == ("console", "releases", "miss1")
    assert "detection.corrected" in await _audit_actions(store)


async def test_a_stranger_cannot_mark_someone_elses_message(chat: Chat, store: Store) -> None:
    """A member who is neither a moderator nor the author is refused; nothing is stored."""
    await chat.say("ada", MISSED, message_id="miss1")
    text = reply_text(await chat.cmd("bo", "/markrelease", reply_to="miss1"))
    assert "Only moderators, or the person who posted it" in text
    assert await _corrections(store) == []
    async with store.transaction() as tx:
        assert await tx.releases.get_any(1) is None


async def test_the_author_can_mark_their_own_message(chat: Chat, store: Store) -> None:
    """A creator whose announcement was missed marks it themselves."""
    await chat.say("ada", MISSED, message_id="miss1")
    actions = await chat.cmd("ada", "/markrelease", reply_to="miss1")
    assert any(s.key == "prompt:1" for s in sends(actions))
    (row,) = await _corrections(store)
    assert row.is_release


async def test_marking_twice_stores_one_row_and_a_replay_changes_nothing(chat: Chat, store: Store) -> None:
    """A second /markrelease finds the release; the same platform event again is a no-op; one example."""
    await chat.say("ada", MISSED, message_id="miss1")
    await chat.cmd("mia", "/markrelease", reply_to="miss1", event_id="e1")
    assert await chat.cmd("mia", "/markrelease", reply_to="miss1", event_id="e1") == []
    assert "already a release" in reply_text(await chat.cmd("ada", "/markrelease", reply_to="miss1"))
    assert len(await _corrections(store)) == 1
    assert (await _audit_actions(store)).count("detection.corrected") == 1
    async with store.transaction() as tx:
        assert len(await tx.releases.page(1)) == 1
        assert len(await tx.announcements.of_release(1)) == 1


async def test_not_a_release_withdraws_the_prompt_and_keeps_everything(chat: Chat, store: Store) -> None:
    """/notrelease: prompt edited into a note without buttons, reminders cancelled, rows kept, example stored."""
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", "/endorse R1")
    await chat.cmd("cy", "/flag R1 credit-base-model vague")
    actions = await chat.cmd("mia", "/notrelease", reply_to="ann1")
    assert "R1 withdrawn: not a release" in reply_text(actions)
    (edit,) = [a for a in actions if isinstance(a, Edit)]
    assert "withdrawn" in edit.card.title and edit.buttons == ()
    assert await _status(store, 1) == "withdrawn"
    async with store.transaction() as tx:
        assert await tx.endorsements.count(1) == 1
        assert len(await tx.flags.of_release(1)) == 1
        assert len(await tx.announcements.of_release(1)) == 1
        pending = [j for j in await tx.jobs.all("pending") if j.kind != "weekly_digest"]
        cancelled = {j.kind for j in await tx.jobs.all("cancelled")}
    assert pending == []
    assert {"review_reminder", "review_deadline", "flag_escalation"} <= cancelled
    (row,) = await _corrections(store)
    assert not row.is_release and row.release_id == 1 and row.message_id == "ann1" and row.text == GOOD
    assert "release.withdrawn" in await _audit_actions(store)
    assert "withdrawn" in reply_text(await chat.cmd("cy", "/endorse R1"))
    assert "withdrawn" in reply_text(await chat.cmd("cy", "/flag R1 own-no-reupload copied"))


async def test_reminders_do_not_fire_for_a_withdrawn_release(chat: Chat) -> None:
    """Even after the whole review window, nothing is sent about a withdrawn release."""
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("mia", "/notrelease R1")
    chat.clock.advance(timedelta(days=4))
    assert [a for a in await chat.core.run_due_jobs() if "R1" in getattr(getattr(a, "card", None), "title", "")] == []


async def test_who_may_say_not_a_release(chat: Chat, store: Store) -> None:
    """Members may not withdraw someone else's release; its creator may."""
    await chat.say("ada", GOOD, message_id="ann1")
    assert "Only moderators, or the person who announced it" in reply_text(await chat.cmd("bo", "/notrelease R1"))
    assert await _status(store, 1) != "withdrawn"
    assert "withdrawn" in reply_text(await chat.cmd("ada", "/notrelease", reply_to="ann1"))
    assert await _status(store, 1) == "withdrawn"
    assert "already withdrawn" in reply_text(await chat.cmd("mia", "/notrelease R1"))
    assert len(await _corrections(store)) == 1


async def test_an_opposite_correction_updates_the_row_and_restores(chat: Chat, store: Store) -> None:
    """Mark, withdraw, mark again: one row whose label follows the latest correction, each change audited;
    the release comes back to review and its prompt back to life."""
    await chat.say("ada", MISSED, message_id="miss1")
    await chat.cmd("mia", "/markrelease", reply_to="miss1")
    await chat.cmd("mia", "/notrelease", reply_to="miss1")
    (row,) = await _corrections(store)
    assert not row.is_release
    chat.clock.advance(timedelta(hours=1))
    actions = await chat.cmd("mia", "/markrelease", reply_to="miss1")
    assert "R1 is a release again" in reply_text(actions)
    (edit,) = [a for a in actions if isinstance(a, Edit)]
    assert edit.buttons and "Review R1" in edit.card.title
    (row,) = await _corrections(store)
    assert row.is_release
    assert await _status(store, 1) in ("in_review", "changes_requested", "endorsed")
    audit = await _audit_actions(store)
    assert audit.count("detection.corrected") == 3 and "release.restored" in audit
    async with store.transaction() as tx:
        assert [j for j in await tx.jobs.all("pending") if j.kind == "review_deadline" and j.subject == "1"]


async def test_markrelease_needs_a_message_and_status_points_to_the_commands(chat: Chat) -> None:
    """Without a reply the command says how to use it; /status will not withdraw behind the detector's back."""
    assert "Reply to the message with /markrelease" in reply_text(await chat.cmd("mia", "/markrelease"))
    await chat.say("ada", GOOD, message_id="ann1")
    assert "use /notrelease R1" in reply_text(await chat.cmd("mia", "/status R1 withdrawn"))
    assert "/markrelease" in reply_text(await chat.cmd("mia", "/help"))
    assert "/notrelease" in reply_text(await chat.cmd("bo", "/help"))


async def test_detection_corrections_are_corpus_records(chat: Chat, store: Store) -> None:
    """`detection_corrections` yields every correction as a record of the labelled corpus."""
    await chat.say("ada", MISSED, message_id="miss1")
    await chat.cmd("mia", "/markrelease", reply_to="miss1")
    await chat.say("kai", GOOD, message_id="ann2")
    await chat.cmd("mia", "/notrelease", reply_to="ann2")
    async with store.transaction() as tx:
        records = [r async for r in tx.corrections.detection_corrections()]
        mine = [r async for r in tx.corrections.detection_corrections("forge", batch=1)]
        none = [r async for r in tx.corrections.detection_corrections("elsewhere")]
    assert records == mine and none == []
    first, second = records
    assert set(first) == {
        "id",
        "text",
        "is_release",
        "fields",
        "source",
        "split",
        "lang",
        "community",
        "corrected_by",
        "at",
    }
    assert first["text"] == MISSED and first["is_release"] is True and first["fields"] == {}
    assert first["source"] == "normbot:forge/console/releases/miss1"
    assert (first["split"], first["lang"], first["community"]) == ("train", "en", "forge")
    assert first["corrected_by"] == "console:mia" and first["at"].endswith("Z")
    assert second["is_release"] is False and second["text"] == GOOD


def test_language_guess() -> None:
    """The `lang` of a record is a guess from the script and a few function words, else English."""
    assert guess_lang("新しいLoRAを公開しました") == "ja"
    assert guess_lang("Новая модель для SDXL") == "ru"
    assert guess_lang("Nuevo modelo para SDXL con la licencia de la comunidad") == "es"
    assert guess_lang("Neues Modell für SDXL, das ist die erste Version und nicht die letzte") == "de"
    assert guess_lang("New LoRA for SDXL") == "en"


# -- the community's detection threshold ------------------------------------------------------------------


class _FixedDetector:
    """Says the same thing about every message (the verdict a model-stage detection would give)."""

    def __init__(self, detection: Detection) -> None:
        self.detection = detection

    async def adetect_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[Detection]:
        return [self.detection for _ in items]


async def _chat_with(store: Store, clock: ManualClock, threshold: float | None, detector: Any = None) -> Chat:
    config = dataclasses.replace(community(), detect_threshold=threshold)
    core = await build_core(store, [config], clock=clock, rules_only=True, migrate=False, detector=detector)
    return Chat(core, clock)


async def test_a_community_threshold_is_applied_to_rule_positives(store: Store, clock: ManualClock) -> None:
    """A strict community (0.99) ignores an announcement the rules score 0.98; the default takes it."""
    strict = await _chat_with(store, clock, 0.99)
    assert await strict.say("ada", GOOD) == []
    default = await _chat_with(store, clock, None)
    assert any(s.key and s.key.startswith("prompt:") for s in sends(await default.say("ada", GOOD)))


async def test_a_lower_threshold_takes_a_model_negative(store: Store, clock: ManualClock) -> None:
    """A model score of 0.6 is a negative at the detector's threshold and a release at the community's 0.5;
    its fields are extracted, since the detector gives fields only for its own positives."""
    detector = _FixedDetector(Detection(False, 0.6, "model", None))
    lenient = await _chat_with(store, clock, 0.5, detector)
    actions = await lenient.say("ada", GOOD)
    (prompt,) = [s for s in sends(actions) if s.key == "prompt:1"]
    assert "Neon Dreams" in prompt.card.title
    stricter = await _chat_with(store, clock, 0.7, detector)
    assert await stricter.say("ada", GOOD.replace("Neon", "Argon")) == []


def test_which_verdicts_a_threshold_moves() -> None:
    """Model scores move both ways; rule positives only get stricter; pre-filter, gate and bound stand."""
    model_no, model_yes = Detection(False, 0.6, "model", None), Detection(True, 0.7, "model", None)
    assert is_release_for(model_no, 0.5) and not is_release_for(model_yes, 0.8)
    assert is_release_for(model_yes, None) and not is_release_for(model_no, None)
    assert not is_release_for(Detection(False, 0.45, "rules", None), 0.3)  # the rule gate's clamped score
    assert not is_release_for(Detection(True, 0.6, "rules", None), 0.7)
    assert not is_release_for(Detection(False, 0.4, "bound", None), 0.3)
    assert not is_release_for(Detection(False, 0.0, "prefilter", None), 0.01)


@pytest.mark.parametrize("bad", ["0", "1", "1.5", "-0.2"])
def test_threshold_setting_is_validated(tmp_path: Path, bad: str) -> None:
    """`detect_threshold` outside (0, 1) is refused with the file and the setting named."""
    path = tmp_path / "normbot.toml"
    path.write_text(f'[[communities]]\nslug = "forge"\nname = "Forge"\ndetect_threshold = {bad}\n')
    with pytest.raises(ConfigError, match=r"communities\.0\.detect_threshold: .*between 0 and 1"):
        load_settings(path)
    with pytest.raises(ValueError, match="detect_threshold"):
        CommunityConfig("forge", "Forge", detect_threshold=float(bad))


def test_threshold_setting_reaches_the_core(tmp_path: Path) -> None:
    """A valid threshold is carried into the community the core sees."""
    path = tmp_path / "normbot.toml"
    path.write_text('[[communities]]\nslug = "forge"\nname = "Forge"\ndetect_threshold = 0.65\n')
    (config,) = load_settings(path).core_communities()
    assert config.detect_threshold == 0.65


async def test_forget_me_redacts_the_examples_of_ones_messages(chat: Chat, store: Store) -> None:
    """A member's forget-me redacts the text of their messages kept as examples; the label stays."""
    await chat.say("ada", MISSED, message_id="miss1")
    await chat.cmd("mia", "/markrelease", reply_to="miss1")
    await chat.cmd("ada", "/forget-me confirm")
    (row,) = await _corrections(store)
    assert row.text == "[redacted]" and row.is_release


async def test_help_explains_the_commands(chat: Chat) -> None:
    """Help for each command comes from its definition, with usage and examples."""
    text = reply_text(await chat.cmd("bo", "/help markrelease"))
    assert "missed" in text and "Reply to the announcement with /markrelease" in text
    assert "Usage: /notrelease [release]" in reply_text(await chat.cmd("bo", "/help notrelease"))
