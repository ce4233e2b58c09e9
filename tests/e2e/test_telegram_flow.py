"""End to end on Telegram: the real PTB Application against the fake Bot API, a real SQLite store and the
real core. Review prompts, button presses, replies with commands, permissions, replays."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram.harness import GOOD, World, deep_link_token, release_id_of, telegram_world
from tests.fakes.telegram.payloads import FakeChat

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    """A running Telegram world (fake Bot API, store, core, adapter)."""
    async with telegram_world(tmp_path) as world:
        yield world


async def test_announcement_gets_a_prompt_with_a_keyboard(w: World) -> None:
    """An announcement in a watched group gets a review prompt replying to it, with Endorse/Flag/Review."""
    update, prompt = await w.announce(w.group, w.alice)
    assert prompt.reply_to == update["message"]["message_id"]
    assert [label for row in prompt.buttons for label, _ in row] == ["Endorse", "Flag", "Review"]
    rid = release_id_of(prompt)
    assert prompt.payloads == [f"nb1:endorse:{rid}", f"nb1:flag:{rid}", f"nb1:review:{rid}"]
    assert f"Review R{rid}: Neon Dreams v2 by alice_makes" in prompt.text
    assert "Endorsements: 0 of 2 needed" in prompt.text


async def test_button_press_endorses_and_edits_the_prompt_in_place(w: World) -> None:
    """Pressing Endorse records the endorsement, answers the query with a toast and edits the prompt."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    mark = w.fake.mark()
    press = w.fake.press(prompt, w.bob, prompt.payloads[0])
    answer = await w.fake.wait_for("answerCallbackQuery", after=mark)
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    assert f"Endorsements on R{rid}: 1 of 2 needed" in answer.params["text"]
    edit = await w.fake.wait_for("editMessageText", lambda c: c.ok, after=mark)
    assert edit.params["message_id"] == prompt.message_id
    assert w.fake.answer_of(press) == {"text": answer.params["text"], "show_alert": False}
    assert "Endorsements: 1 of 2 needed" in prompt.text and prompt.edits == 1
    assert prompt.payloads[0] == f"nb1:endorse:{rid}"  # the keyboard survives the edit
    assert await w.endorsements(rid) == 1


async def test_the_creator_cannot_endorse_by_button(w: World) -> None:
    """The creator's own press is refused in the toast and nothing is recorded."""
    _, prompt = await w.announce(w.group, w.alice)
    mark = w.fake.mark()
    w.fake.press(prompt, w.alice, prompt.payloads[0])
    answer = await w.fake.wait_for("answerCallbackQuery", after=mark)
    assert "own release" in answer.params["text"]
    assert await w.endorsements(release_id_of(prompt)) == 0


async def test_flag_as_a_reply_flags_the_replied_to_release(w: World) -> None:
    """`/flag <norm> <reason>` replying to an announcement targets that release."""
    _, prompt1 = await w.announce(w.group, w.alice)
    second, prompt2 = await w.announce(w.group, w.carol, GOOD.replace("Neon Dreams", "Ember Glow"))
    _, reply = await w.privately(
        w.group, w.bob, "/flag credit-base-model the base model link is dead", reply_to=second["message"]["message_id"]
    )
    rid = release_id_of(prompt2)
    assert f"on R{rid} (credit-base-model)" in reply.text
    assert await w.flags(rid) == [("credit-base-model", "the base model link is dead")]
    assert await w.flags(release_id_of(prompt1)) == []


async def test_command_addressed_to_this_bot_works_and_to_another_bot_is_ignored(w: World) -> None:
    """`/endorse@normbot_test_bot` is ours; `/endorse@other_bot` belongs to someone else and is left alone."""
    update, prompt = await w.announce(w.group, w.alice)
    mid = update["message"]["message_id"]
    w.fake.say(w.group, w.bob, "/endorse@other_bot", reply_to=mid)
    reply = await w.command(w.group, w.carol, "/endorse@normbot_test_bot", reply_to=mid)
    assert ": 1 of 2 needed" in reply.text
    assert await w.endorsements(release_id_of(prompt)) == 1


async def test_non_admin_resolve_is_refused_and_group_admin_may_resolve(w: World) -> None:
    """A member's /resolve is refused; a group administrator counts as a moderator."""
    update, prompt = await w.announce(w.group, w.alice)
    await w.command(w.group, w.bob, "/flag credit-base-model no base", reply_to=update["message"]["message_id"])
    refused = await w.command(w.group, w.bob, "/resolve F1 upheld fine")
    assert "Only moderators" in refused.text
    async with w.store.transaction() as tx:
        assert [f.status for f in await tx.flags.of_release(release_id_of(prompt))] == ["open"]
    done = await w.command(w.group, w.mia, "/resolve F1 dismissed the base is named")
    assert "F1" in done.text and "Only moderators" not in done.text
    async with w.store.transaction() as tx:
        assert [f.status for f in await tx.flags.of_release(release_id_of(prompt))] == ["dismissed"]
    assert len(w.fake.calls_to("getChatAdministrators")) == 1  # cached between the two commands


async def test_the_same_update_delivered_twice_changes_nothing(w: World) -> None:
    """A redelivered update (same update_id) and a repeated message are handled once."""
    update, prompt = await w.announce(w.group, w.alice)
    endorse = w.fake.say(w.group, w.bob, "/endorse", reply_to=update["message"]["message_id"])
    w.fake.redeliver(endorse)
    w.fake.redeliver(update)
    w.fake.redeliver({**endorse, "update_id": endorse["update_id"] + 10_000})
    await w.sync(w.group)
    assert await w.endorsements(release_id_of(prompt)) == 1
    prompts = [m for m in w.fake.bot_messages_in(w.group.id) if m.payloads]
    assert len(prompts) == 1
    replies = [m for m in w.fake.bot_messages_in(w.group.id) if m.reply_to == endorse["message"]["message_id"]]
    assert len(replies) == 1


async def test_forum_topics_keep_prompts_and_replies_in_the_topic(w: World) -> None:
    """In a forum, the prompt goes to the announcement's topic and a reply there targets the release."""
    topic = w.fake.open_topic(w.forum, "Releases")
    update, prompt = await w.announce(w.forum, w.alice, thread_id=topic)
    assert prompt.thread_id == topic
    async with w.store.transaction() as tx:
        (posted,) = await tx.posted.under_key(f"prompt:{release_id_of(prompt)}")
    assert posted.thread_id == str(topic)
    reply = await w.command(w.forum, w.bob, "/endorse", reply_to=update["message"]["message_id"], thread_id=topic)
    assert reply.thread_id == topic
    assert await w.endorsements(release_id_of(prompt)) == 1


async def test_a_plain_command_in_a_topic_is_not_a_reply_to_the_topic_start(w: World) -> None:
    """Telegram marks every topic message as replying to the topic's first message; that is no target."""
    topic = w.fake.open_topic(w.forum, "Releases")
    await w.announce(w.forum, w.alice, thread_id=topic)
    reply = await w.command(w.forum, w.bob, "/endorse", thread_id=topic)
    assert "Which release?" in reply.text


async def test_flag_button_tells_how_to_flag_privately(w: World) -> None:
    """Flag on Telegram: the bot sends the presser the norms by title as buttons in their private chat (no
    command to type), and the group gets nothing (the press is answered with a toast saying where)."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    before = len(w.fake.bot_messages_in(w.group.id))
    mark = w.fake.mark()
    press = w.fake.press(prompt, w.alice, prompt.payloads[1])  # alice started the bot: a DM works
    sent = await w.fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    assert sent.params["chat_id"] == w.alice.id
    form = w.fake.bot_message(w.alice.id, sent.result["message_id"])
    assert f"Which norm does R{rid} break?" in form.text and "/flag" not in form.text
    assert "Other: a problem no norm names" in [label for row in form.buttons for label, _ in row]
    await w.fake.wait_for("answerCallbackQuery", after=mark)
    assert "private chat" in (w.fake.answer_of(press) or {}).get("text", "")
    await w.sync(w.group)
    assert len(w.fake.bot_messages_in(w.group.id)) == before + 1  # only the sync's own answer


async def test_flag_button_for_a_member_who_never_started_the_bot_opens_a_deep_link(w: World) -> None:
    """Bob never started the bot, so it cannot write to him: the press answer opens the bot's private chat
    (`t.me/<bot>?start=<token>`); his Start there delivers the form's first step. Nothing goes to the group, and
    the token is his alone."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    before = len(w.fake.bot_messages_in(w.group.id))
    mark = w.fake.mark()
    press = w.fake.press(prompt, w.bob, prompt.payloads[1])
    await w.fake.wait_for("answerCallbackQuery", lambda c: c.ok, after=mark)
    url = (w.fake.answer_of(press) or {}).get("url", "")
    token = deep_link_token(url)
    assert url.startswith("https://t.me/normbot_test_bot?start=") and token
    carol_chat = FakeChat(w.carol.id, "private", "Carol")
    mark = w.fake.mark()
    w.fake.say(carol_chat, w.carol, f"/start {token}")  # a link seen by someone else gives them nothing
    stranger = await w.fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    assert "no longer waiting" in w.fake.bot_message(w.carol.id, stranger.result["message_id"]).text
    mark = w.fake.mark()
    w.fake.say(FakeChat(w.bob.id, "private", "Bob"), w.bob, f"/start {token}")
    sent = await w.fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    assert sent.params["chat_id"] == w.bob.id
    delivered = w.fake.bot_message(w.bob.id, sent.result["message_id"])
    assert f"Which norm does R{rid} break?" in delivered.text and delivered.payloads
    await w.sync(w.group)
    assert len(w.fake.bot_messages_in(w.group.id)) == before + 1  # only the sync's own answer


async def test_unknown_command_gets_help(w: World) -> None:
    """An unknown command is answered with a hint, not silence."""
    reply = await w.command(w.group, w.bob, "/endorze")
    assert "Did you mean /endorse?" in reply.text


async def test_two_word_commands_are_typed_with_a_space(w: World) -> None:
    """`/release show R1` reaches the `release show` command."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    reply = await w.command(w.group, w.bob, f"/release show R{rid}")
    assert f"R{rid}" in reply.text and "Neon Dreams" in reply.text


async def test_start_in_a_private_chat_gets_a_welcome(w: World) -> None:
    """/start opens the private chat that creator notes go to; it is answered, not called unknown."""
    from tests.fakes.telegram.payloads import FakeChat

    private = FakeChat(w.bob.id, "private", "Bob")
    w.fake.add_chat(private)
    reply = await w.command(private, w.bob, "/start")
    assert reply.text.startswith("Hi! I'm normbot.") and "send /help" in reply.text


async def test_flood_control_delays_a_prompt_instead_of_losing_it(w: World) -> None:
    """A 429 with retry_after is waited out and the prompt is sent again (PTB's rate limiter)."""
    w.fake.state.flood[w.group.id] = 1
    mark = w.fake.mark()
    _, prompt = await w.announce(w.group, w.alice)
    refused = await w.fake.wait_for("sendMessage", after=mark)
    assert not refused.ok and refused.error is not None and "Too Many Requests" in refused.error
    assert prompt.payloads


async def test_moderators_decide_flags_with_the_alert_buttons(w: World) -> None:
    """At the flag threshold moderators get an alert; an admin's press (not a member's) decides a flag."""
    from tests.fakes.telegram.payloads import FakeUser

    update, prompt = await w.announce(w.group, w.alice)
    mid = update["message"]["message_id"]
    dave = w.fake.add_user(FakeUser(1005, "Dave", "dave"))
    mark = w.fake.mark()
    for person in (w.bob, w.carol, dave):
        await w.command(w.group, person, f"/flag credit-base-model reason from {person.first_name}", reply_to=mid)
    sent = await w.fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == w.mods.id, after=mark)
    alert = w.fake.bot_message(w.mods.id, sent.result["message_id"])
    assert "has 3 open flags" in alert.text and "reason from Bob" in alert.text
    uphold = next(p for p in alert.payloads if p.startswith("nb1:uphold:"))
    mark = w.fake.mark()
    w.fake.press(alert, w.bob, uphold)
    refused = await w.fake.wait_for("answerCallbackQuery", after=mark)
    assert "Only moderators" in refused.params["text"]
    mark = w.fake.mark()
    w.fake.press(alert, w.mia, uphold)
    await w.fake.wait_for("answerCallbackQuery", after=mark)
    await w.fake.wait_for("editMessageText", lambda c: c.ok and c.params["chat_id"] == w.mods.id, after=mark)
    assert "has 2 open flags" in alert.text
    async with w.store.transaction() as tx:
        statuses = sorted(f.status for f in await tx.flags.of_release(release_id_of(prompt)))
    assert statuses == ["open", "open", "upheld"]


async def test_replying_to_the_prompt_targets_its_release(w: World) -> None:
    """A reply to the bot's review prompt works like a reply to the announcement (/endorse, /normcheck)."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    reply = await w.command(w.group, w.bob, "/endorse", reply_to=prompt.message_id)
    assert f"Endorsements on R{rid}: 1 of" in reply.text
    check = await w.command(w.group, w.mia, "/normcheck", reply_to=prompt.message_id)
    assert f"R{rid} meets every automatic norm" in check.text
