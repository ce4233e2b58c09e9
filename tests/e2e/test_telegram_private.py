"""Telegram answers meant for one member (issue 20, items 5, 6, 10 and 15), through the real PTB client against
the fake Bot API and the real core, on SQLite and PostgreSQL.

Telegram has no ephemeral messages, so what is for the actor alone (help, the moderation queue, a creator's
flags, a flag confirmation, a form's instructions) goes to their private chat with the bot; the group gets one
line, or a deep link when the bot may not write first. Commands are spelled as Telegram types them; a
member's usage mistakes on a command they may not run are answered "Not allowed"; one failed action does not
drop the rest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Store
from tests.fakes.telegram.harness import World, deep_link_token, release_id_of, telegram_world
from tests.fakes.telegram.payloads import FakeChat
from tests.fakes.telegram.state import Call

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    """A running Telegram world on the `store` fixture's database (SQLite and PostgreSQL)."""
    async with telegram_world(tmp_path, store=store) as world:
        yield world


def _group_texts(w: World) -> str:
    return "\n".join(m.text for m in w.fake.bot_messages_in(w.group.id))


async def test_help_in_the_group_goes_to_the_private_chat(w: World) -> None:
    """Alice started the bot: her /help arrives in her private chat, the group gets one line."""
    pointer, answer = await w.privately(w.group, w.alice, "/help")
    assert pointer.text == "I sent you the answer in our private chat."
    assert "normbot commands" in answer.text and "/endorse" in answer.text
    assert "normbot commands" not in _group_texts(w) and "/endorse" not in _group_texts(w)


async def test_queue_for_a_moderator_who_never_started_the_bot_is_a_deep_link(w: World) -> None:
    """Mia (a group admin) never started the bot: the group gets a deep link, not the queue; Start in the
    private chat delivers it. The flag reason never appears in the group."""
    update, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    await w.privately(
        w.group, w.bob, "/flag credit-base-model secret-reason-xyz", reply_to=update["message"]["message_id"]
    )
    pointer, answer = await w.privately(w.group, w.mia, "/queue")
    assert deep_link_token(pointer.html) is not None and "press Start" in pointer.text
    assert "Moderation queue" in answer.text and f"R{rid}" in answer.text and "secret-reason-xyz" in answer.text
    assert "secret-reason-xyz" not in _group_texts(w) and "Moderation queue" not in _group_texts(w)


async def test_flag_confirmation_and_whyflagged_stay_out_of_the_group(w: World) -> None:
    """The flagger's "your name is not shown publicly" and the creator's /whyflagged (with the reasons) are
    private answers; the deep link works once, for its member only."""
    update, _ = await w.announce(w.group, w.alice)
    pointer, flagged = await w.privately(
        w.group, w.bob, "/flag credit-base-model the base is not named", reply_to=update["message"]["message_id"]
    )
    assert "Flag recorded" in flagged.text and "not shown publicly" in flagged.text
    token = deep_link_token(pointer.html)
    assert token is not None
    mark = w.fake.mark()
    w.fake.say(FakeChat(w.bob.id, "private", "Bob"), w.bob, f"/start {token}")  # the same link twice: gone
    again = await w.fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    assert "no longer waiting" in w.fake.bot_message(w.bob.id, again.result["message_id"]).text
    _, why = await w.privately(w.group, w.alice, "/whyflagged")
    assert "the base is not named" in why.text
    group = _group_texts(w)
    assert "not shown publicly" not in group and "the base is not named" not in group


async def test_review_button_instructions_go_privately(w: World) -> None:
    """The Review button's checklist (its first question and buttons) reaches the presser privately (a toast
    says so)."""
    _, prompt = await w.announce(w.group, w.alice)
    before = len(w.fake.bot_messages_in(w.group.id))
    w.fake.add_user(w.carol, started_bot=True)
    mark = w.fake.mark()
    press = w.fake.press(prompt, w.carol, prompt.payloads[2])
    sent = await w.fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    assert sent.params["chat_id"] == w.carol.id
    first = w.fake.bot_message(w.carol.id, sent.result["message_id"])
    assert f"Review R{release_id_of(prompt)}" in first.text and "Question 1 of" in first.text and first.payloads
    await w.fake.wait_for("answerCallbackQuery", after=mark)
    assert (w.fake.answer_of(press) or {}).get("text") == "I sent you the answer in our private chat."
    assert len(w.fake.bot_messages_in(w.group.id)) == before


async def test_commands_are_spelled_with_underscores_and_both_spellings_work(w: World) -> None:
    """/help lists /forget_me and /export_my_data (what the menu registers), never the hyphenated names;
    /forget_me answers with underscores too; /forget-me typed by hand works all the same."""
    _, help_ = await w.privately(w.group, w.alice, "/help")
    assert "/forget_me" in help_.text and "/export_my_data" in help_.text
    assert "/forget-me" not in help_.text and "/export-my-data" not in help_.text
    registered = {c["command"] for c in w.fake.state.commands[next(iter(w.fake.state.commands))]}
    assert {"forget_me", "export_my_data"} <= registered
    _, ask = await w.privately(w.group, w.alice, "/forget_me")
    assert "/forget_me confirm" in ask.text and "/export_my_data" in ask.text and "-me" not in ask.text
    _, typed = await w.privately(w.group, w.alice, "/forget-me")
    assert "Forget me?" in typed.text
    _, one = await w.privately(w.group, w.alice, "/help forget-me")
    assert "Usage: /forget_me [confirm]" in one.text


async def test_usage_errors_show_no_markdown_backticks(w: World) -> None:
    """A missing parameter is named in plain text; the usage line uses Telegram's spelling."""
    missing = await w.command(w.group, w.alice, "/flag R1")
    assert '"norm" is missing' in missing.text and "`" not in missing.text
    wrong = await w.command(w.group, w.alice, "/forget_me maybe")
    assert '"confirm" must be one of: confirm.' in wrong.text and "Usage: /forget_me [confirm]" in wrong.text
    assert "`" not in wrong.html


async def test_permission_comes_before_usage(w: World) -> None:
    """A member's /resolve without a note is "Not allowed", not a lesson in its usage; a moderator's gets
    the usage."""
    update, _ = await w.announce(w.group, w.alice)
    await w.privately(w.group, w.bob, "/flag credit-base-model no base", reply_to=update["message"]["message_id"])
    refused = await w.command(w.group, w.bob, "/resolve F1 upheld")
    assert "Not allowed" in refused.text and "Only moderators" in refused.text and "missing" not in refused.text
    usage = await w.command(w.group, w.mia, "/resolve F1 upheld")
    assert '"note" is missing' in usage.text


async def test_help_in_a_private_chat_says_what_works_there(w: World) -> None:
    """/help in the private chat is help, not "This chat is not part of a community I serve"."""
    private = FakeChat(w.bob.id, "private", "Bob")
    reply = await w.command(private, w.bob, "/help")
    assert "not part of a community" not in reply.text
    assert "normbot in a private chat" in reply.text and "/forget_me" in reply.text and "/help" in reply.text


async def test_a_failed_action_does_not_drop_the_rest(w: World) -> None:
    """The answer to a moderator's /resolve comes back garbled (the client fails parsing it, not with a
    TelegramError); the creator's private note about the upheld flag still goes out."""
    update, _ = await w.announce(w.group, w.alice)
    await w.privately(w.group, w.bob, "/flag credit-base-model no base", reply_to=update["message"]["message_id"])
    w.fake.state.garbled["sendMessage"] = 1
    mark = w.fake.mark()
    w.fake.say(w.group, w.mia, "/resolve F1 upheld the base is missing")

    def to_alice(call: Call) -> bool:
        return call.ok and call.params.get("chat_id") == w.alice.id

    note = await w.fake.wait_for("sendMessage", to_alice, after=mark)
    assert "was upheld" in w.fake.bot_message(w.alice.id, note.result["message_id"]).text


def test_waiting_answers_expire_are_bounded_and_belong_to_their_member() -> None:
    """The deep-link store keeps an answer only for its member, only once, only for its time, and never more
    than its limit (the oldest go first)."""
    from bot.telegram.private import PendingAnswers

    pending = PendingAnswers(ttl=60, limit=2)
    first = pending.add("1", "<b>one</b>", None)
    second = pending.add("2", "two", None)
    assert pending.take(second, "1") is None  # someone else's token: nothing, and it keeps waiting
    found = pending.take(second, "2")
    assert found is not None and found.html == "two" and pending.take(second, "2") is None
    third, fourth = pending.add("3", "three", None), pending.add("4", "four", None)
    assert len(pending) == 2 and pending.take(first, "1") is None  # the oldest made room
    assert pending.take(third, "3") is not None and pending.take(fourth, "4") is not None
    gone = PendingAnswers(ttl=0)
    token = gone.add("5", "five", None)
    assert gone.take(token, "5") is None
