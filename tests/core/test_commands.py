"""Each command's happy path and its refusals, through the real core."""

from __future__ import annotations

import pytest

from moderation.kernel import buttons
from moderation.kernel.actions import Edit, OpenForm
from storage import Store
from tests.core.harness import GOOD, Chat, reply_text, sends


@pytest.fixture
async def announced(chat: Chat) -> Chat:
    await chat.say("ada", GOOD, message_id="ann1")
    return chat


async def test_help_lists_member_commands_only(chat: Chat) -> None:
    """Members don't see moderator commands; moderators do."""
    member = reply_text(await chat.cmd("bo", "/help"))
    assert "/endorse" in member and "/resolve" not in member
    assert "/resolve" in reply_text(await chat.cmd("mia", "/help"))


async def test_unknown_command_gets_help(chat: Chat) -> None:
    """A typo gets a suggestion, not silence or a traceback."""
    text = reply_text(await chat.cmd("bo", "/endrose R1"))
    assert "Did you mean /endorse" in text


async def test_bad_arguments_get_usage(announced: Chat) -> None:
    """A malformed id names the parameter and shows usage."""
    text = reply_text(await announced.cmd("bo", "/release show banana"))
    assert "release" in text and "R12" in text


async def test_endorse_reply_targets_the_announcement(announced: Chat, store: Store) -> None:
    """Replying to the announcement targets its release; the prompt is edited in place."""
    actions = await announced.cmd("bo", "/endorse", reply_to="ann1")
    assert "Endorsements on R1: 1 of 2 needed" in reply_text(actions)
    assert any(isinstance(a, Edit) for a in actions)


async def test_second_endorsement_is_refused(announced: Chat, store: Store) -> None:
    """One endorsement per member."""
    await announced.cmd("bo", "/endorse R1")
    assert "already endorsed" in reply_text(await announced.cmd("bo", "/endorse R1"))
    async with store.transaction() as tx:
        assert await tx.endorsements.count(1) == 1


async def test_creator_cannot_endorse_or_review_own_release(announced: Chat) -> None:
    """Self-endorsement and self-review are refused."""
    assert "own release" in reply_text(await announced.cmd("ada", "/endorse R1"))
    assert "own release" in reply_text(await announced.cmd("ada", "/review R1 own-no-reupload=yes"))


async def test_quorum_endorses_and_unendorse_reverts(announced: Chat, store: Store) -> None:
    """Two endorsements reach the baseline quorum; withdrawing one goes back to review."""
    await announced.cmd("bo", "/endorse R1")
    assert "now endorsed" in reply_text(await announced.cmd("cy", "/endorse R1"))
    await announced.cmd("cy", "/unendorse R1")
    async with store.transaction() as tx:
        assert (await tx.releases.get_any(1)).status == "in_review"  # type: ignore[union-attr]


async def test_flag_needs_known_norm_and_reason(announced: Chat) -> None:
    """Unknown norm ids and empty reasons are refused with a hint."""
    assert "no norm" in reply_text(await announced.cmd("bo", "/flag R1 made-up-norm bad"))
    assert "reason" in reply_text(await announced.cmd("bo", "/flag R1 credit-base-model"))


async def test_flag_twice_on_same_norm_is_refused(announced: Chat) -> None:
    """One flag per member per release per norm."""
    assert "Flag recorded" in reply_text(await announced.cmd("bo", "/flag R1 credit-base-model vague base"))
    assert "already flagged" in reply_text(await announced.cmd("bo", "/flag R1 credit-base-model again"))


async def test_flag_rate_limit(chat: Chat) -> None:
    """The pack's rate limit (5 per hour in baseline) stops a flag storm by one member."""
    for i in range(3):
        await chat.say(f"maker{i}", GOOD.replace("Neon Dreams", f"Model {i}"))
    norms = ["credit-base-model", "harm-safe-format", "own-hash-published"]
    texts = [reply_text(await chat.cmd("troll", f"/flag R{r} {n} spam")) for r in (1, 2) for n in norms]
    assert sum("Flag recorded" in t for t in texts) == 5
    assert "recently" in texts[-1]


async def test_threshold_alerts_moderators_once_then_edits(announced: Chat) -> None:
    """The third distinct reporter triggers one alert; a fourth edits it instead of posting again."""
    for who in ("bo", "cy"):
        await announced.cmd(who, "/flag R1 own-no-reupload copied")
    actions = await announced.cmd("dee", "/flag R1 own-no-reupload copied")
    alerts = [s for s in sends(actions) if s.key == "alert:1"]
    assert len(alerts) == 1 and alerts[0].chat.chat_id == "releases-mods"
    later = await announced.cmd("eve", "/flag R1 own-no-reupload copied")
    assert not [s for s in sends(later) if s.key == "alert:1"]
    assert any(isinstance(a, Edit) and "4 open flags" in a.card.title for a in later)


async def test_resolve_is_for_moderators_and_once(announced: Chat, store: Store) -> None:
    """Members can't resolve; moderators resolve once; a second resolution is refused."""
    await announced.cmd("bo", "/flag R1 credit-base-model vague")
    assert "Only moderators" in reply_text(await announced.cmd("bo", "/resolve F1 dismissed no"))
    assert "dismissed" in reply_text(await announced.cmd("mia", "/resolve F1 dismissed base is named"))
    assert "already" in reply_text(await announced.cmd("mia", "/resolve F1 upheld changed my mind"))


async def test_platform_admin_counts_as_moderator(announced: Chat) -> None:
    """A chat administrator may use moderator commands without being in the config."""
    text = reply_text(await announced.cmd("owner", "/queue", admin=True))
    assert "Moderation queue" in text


async def test_review_checklist_and_answers(announced: Chat, store: Store) -> None:
    """Without answers the checklist form opens; answers are stored and can be revised."""
    actions = await announced.cmd("bo", "/review R1")
    assert any(isinstance(a, OpenForm) for a in actions)
    await announced.cmd("bo", "/review R1 own-no-reupload=yes harm-real-person-consent=na looks original")
    await announced.cmd("bo", "/review R1 own-no-reupload=no")
    async with store.transaction() as tx:
        ((_, _account, answers),) = await tx.reviews.of_release(1)
    assert {a.norm_id: a.answer for a in answers} == {"own-no-reupload": "no", "harm-real-person-consent": "na"}


async def test_release_edit_reruns_check_and_is_creator_only(chat: Chat, store: Store) -> None:
    """Fixing the license makes the license norm pass; others may not edit."""
    await chat.say("kai", "New LoRA out: Velvet v1 for SD 1.5 https://civitai.com/models/1/velvet")
    assert "Only the creator" in reply_text(await chat.cmd("bo", "/release edit R1 license mit"))
    await chat.cmd("kai", "/release edit R1 license creativeml-openrail-m")
    async with store.transaction() as tx:
        _, results = await tx.norm_checks.latest(1)  # type: ignore[misc]
    assert {r.norm_id: r.outcome for r in results}["own-license-stated"] == "pass"


async def test_status_follows_the_lifecycle(announced: Chat) -> None:
    """Moderators move releases along allowed transitions only."""
    assert "removed" in reply_text(await announced.cmd("mia", "/status R1 removed spam"))
    assert "can't go" in reply_text(await announced.cmd("mia", "/status R1 endorsed"))
    assert "Only moderators" in reply_text(await announced.cmd("bo", "/status R1 in_review"))


async def test_whyflagged_hides_reporters(announced: Chat) -> None:
    """The creator sees flags and outcomes, never who filed them."""
    await announced.cmd("bo", "/flag R1 credit-base-model vague")
    text = reply_text(await announced.cmd("ada", "/whyflagged R1"))
    assert "credit-base-model" in text and "bo" not in text.split("vague")[0]
    assert "own releases" in reply_text(await announced.cmd("cy", "/whyflagged R1"))


async def test_buttons_endorse_and_forged_payloads_are_refused(announced: Chat, store: Store) -> None:
    """A press carries the release id; a forged or stale payload gets a short refusal."""
    await announced.press("bo", buttons.encode("endorse", 1))
    assert "not valid" in reply_text(await announced.press("bo", "nb1:endorse:1;DROP TABLE"))
    assert "not valid" in reply_text(await announced.press("bo", "nb9:endorse:1"))
    async with store.transaction() as tx:
        assert await tx.endorsements.count(1) == 1


async def test_replayed_button_press_changes_nothing(announced: Chat, store: Store) -> None:
    """The same interaction delivered twice is one endorsement and one reply."""
    first = await announced.press("bo", buttons.encode("endorse", 1), event_id="i1")
    second = await announced.press("bo", buttons.encode("endorse", 1), event_id="i1")
    assert first and second == []


async def test_other_communitys_release_is_not_found(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    """Release ids of another community are invisible, even to its moderators."""
    from bot.wiring import build_core
    from tests.core.harness import Chat, community

    core = await build_core(
        store, [community("a", chat="a"), community("b", chat="b")], clock=clock, rules_only=True, migrate=False
    )
    a, b = Chat(core, clock, chat_id="a"), Chat(core, clock, chat_id="b")
    await a.say("ada", GOOD)
    assert "no release R1" in reply_text(await b.cmd("mia", "/release show R1"))
    assert "no release R1" in reply_text(await b.cmd("mia", "/status R1 removed"))


async def test_norms_set_history_rollback(announced: Chat) -> None:
    """A valid file is adopted as a revision; a broken one is answered with problems and changes nothing."""
    bad = reply_text(
        await announced.cmd("mia", "/norms set", attachment_texts={"n.yaml": "schema_version: 1\nnorms: ["})
    )
    assert "nothing was changed" in bad
    good = "schema_version: 1\nid: forge\nversion: 2.0.0\nextends: [baseline]\n"
    assert "revision 1" in reply_text(await announced.cmd("mia", "/norms set", attachment_texts={"n.yaml": good}))
    assert "#1 forge 2.0.0" in reply_text(await announced.cmd("mia", "/norms history"))
    assert "revision 2" in reply_text(await announced.cmd("mia", "/norms rollback 1"))
    assert "Only moderators" in reply_text(await announced.cmd("bo", "/norms set", attachment_texts={"n.yaml": good}))


async def test_unwatch_and_watch_take_effect_at_once(chat: Chat, store: Store) -> None:
    """After /unwatch announcements are ignored (despite the binding cache); /watch brings them back."""
    await chat.say("ada", GOOD)
    assert "Stopped watching" in reply_text(await chat.cmd("mia", "/unwatch"))
    assert await chat.say("ada", GOOD.replace("Neon Dreams", "Quiet Model")) == []
    assert "Watching this chat" in reply_text(await chat.cmd("mia", "/watch"))
    assert sends(await chat.say("ada", GOOD.replace("Neon Dreams", "Loud Model")))
    assert "Only moderators" in reply_text(await chat.cmd("bo", "/unwatch"))


async def test_a_burst_of_commands_reads_the_chat_bindings_once(announced: Chat, store: Store) -> None:
    """Button presses with no messages between them: the first command refreshes the binding snapshot and the
    others answer from it. Before, each command asked the store for its chat (a statement per endorsement)."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    announced.core.forget_binding("console", "releases")  # as a /watch elsewhere would: no fresh snapshot
    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    try:
        for i in range(10):
            assert "Thanks!" in reply_text(await announced.cmd(f"fan{i}", "/endorse R1"))
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", record)
    assert sum("watched_chats" in s for s in statements) == 1


def test_every_command_module_is_listed_and_every_button_is_routed() -> None:
    """Commands are found in one place: a module that defines commands (`@command` / `@button`) but is missing
    from `moderation.handlers.MODULES` would register nothing in a process that does not happen to import it.
    Every command lives in a feature folder's `commands.py`, so its name leads to its code in one hop. Every
    button action has one route."""
    import re
    from pathlib import Path

    import moderation
    from moderation.handlers import MODULES
    from moderation.kernel import buttons
    from moderation.kernel.commands import BUTTONS

    root = Path(moderation.__file__).parent
    defining = {
        ".".join(("moderation", *path.relative_to(root).with_suffix("").parts))
        for path in root.rglob("*.py")
        if re.search(r"^@(command|button)\(", path.read_text(encoding="utf-8"), re.M)
    }
    assert defining == {m.__name__ for m in MODULES}
    assert all(name.endswith(".commands") for name in defining)
    assert set(BUTTONS) == set(buttons.ACTIONS)
