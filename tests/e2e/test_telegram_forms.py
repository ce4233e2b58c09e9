"""End to end on Telegram: the Flag and Review forms as a member meets them (issue 20, item 7). The real
python-telegram-bot client against the fake Bot API: inline keyboards in the member's private chat, callback
queries, a ForceReply answer, and the flag or review in the store at the end, on SQLite and PostgreSQL.

Before, both buttons sent the member a command to type (`/flag R1 <norm> <reason…>` with the norm ids listed,
`/review R1 id=yes|no|na …`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from norms.loader import load_builtin
from storage import Store
from tests.fakes.telegram.harness import (
    World,
    button,
    deep_link_token,
    edited,
    private,
    release_id_of,
    sent_to,
    telegram_world,
)
from tests.fakes.telegram.state import BotMessage

pytestmark = pytest.mark.e2e
BASELINE = load_builtin("baseline")


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with telegram_world(tmp_path, store=store) as world:
        yield world


def labels(message: BotMessage) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def test_flag_offers_the_norms_by_title_then_takes_the_reason_as_a_reply(w: World) -> None:
    """Flag: the norms by title, paged with Other on every page, in the private chat; the chosen norm turns
    the message into a summary and a ForceReply asks for the reason; the reply stores the flag."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    w.fake.add_user(w.carol, started_bot=True)
    mark = w.fake.mark()
    press = w.fake.press(prompt, w.carol, prompt.payloads[1])
    form = await sent_to(w, w.carol, mark)
    await w.fake.wait_for("answerCallbackQuery", after=mark)
    assert (w.fake.answer_of(press) or {}).get("text") == "I sent you the answer in our private chat."
    assert f"Which norm does R{rid} break?" in form.text and "/flag" not in form.text
    titles = [n.title for n in BASELINE.norms]
    assert labels(form)[:8] == titles[:8] and "Other: a problem no norm names" in labels(form)
    seen = labels(form)
    while "Name the base model" not in labels(form):
        mark = w.fake.mark()
        w.fake.press(form, w.carol, button(form, "More ▶"))
        form = await edited(w, form, mark)
        assert "Other: a problem no norm names" in labels(form)
        seen += labels(form)
    assert set(titles) >= {t for t in seen if t in titles}
    mark = w.fake.mark()
    w.fake.press(form, w.carol, button(form, "Name the base model"))
    ask = await sent_to(w, w.carol, mark)
    assert ask.force_reply and "What is wrong?" in ask.text
    summary = w.fake.bot_message(w.carol.id, form.message_id)
    assert "→ Name the base model" in summary.text and summary.buttons == []
    mark = w.fake.mark()
    w.fake.say(private(w.carol), w.carol, "the base model is not named anywhere", reply_to=ask.message_id)
    done = await sent_to(w, w.carol, mark)
    assert "Flag recorded" in done.text
    assert await w.flags(rid) == [("credit-base-model", "the base model is not named anywhere")]
    assert "not named anywhere" not in "\n".join(m.text for m in w.fake.bot_messages_in(w.group.id))


async def test_flag_for_a_member_who_never_started_the_bot_goes_through_the_start_link(w: World) -> None:
    """Bob never started the bot: the press opens the start link; Start delivers the norm keyboard, which
    works as for anyone; too long a reason is asked again without losing the form."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    mark = w.fake.mark()
    press = w.fake.press(prompt, w.bob, prompt.payloads[1])
    await w.fake.wait_for("answerCallbackQuery", after=mark)
    token = deep_link_token((w.fake.answer_of(press) or {}).get("url", ""))
    assert token is not None
    mark = w.fake.mark()
    w.fake.say(private(w.bob), w.bob, f"/start {token}")
    form = await sent_to(w, w.bob, mark)
    mark = w.fake.mark()
    w.fake.press(form, w.bob, button(form, "Other: a problem no norm names"))
    ask = await sent_to(w, w.bob, mark)
    mark = w.fake.mark()
    w.fake.say(private(w.bob), w.bob, "x" * 1001, reply_to=ask.message_id)
    again = await sent_to(w, w.bob, mark)
    assert "at most 1000" in again.text and again.force_reply
    mark = w.fake.mark()
    w.fake.say(private(w.bob), w.bob, "it is a reupload of someone else's model")
    assert "Flag recorded" in (await sent_to(w, w.bob, mark)).text
    assert await w.flags(rid) == [("other", "it is a reupload of someone else's model")]


async def test_review_steps_through_each_question_whole_then_an_optional_note(w: World) -> None:
    """Review: one message edited from question to question, each whole with Yes / No / N.A.; then a
    ForceReply for the note; the review is stored with every answer and the note."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    w.fake.add_user(w.carol, started_bot=True)
    mark = w.fake.mark()
    w.fake.press(prompt, w.carol, prompt.payloads[2])
    form = await sent_to(w, w.carol, mark)
    questions = BASELINE.questions()
    choose = ["No", "Yes", "N.A. (does not apply)", "No", "Yes", "No"]
    for i, question in enumerate(questions):
        assert f"Question {i + 1} of {len(questions)}" in form.text
        assert question.question is not None and question.question in form.text  # whole, never cut
        assert labels(form) == ["Yes", "No", "N.A. (does not apply)"]
        mark = w.fake.mark()
        w.fake.press(form, w.carol, button(form, choose[i]))
        if i < len(questions) - 1:
            form = await edited(w, form, mark)
    ask = await sent_to(w, w.carol, mark)
    assert ask.force_reply and "A note for the creator (optional)" in ask.text
    summary = w.fake.bot_message(w.carol.id, form.message_id)
    assert labels(summary) == ["Send without it"] and summary.edits == len(questions)
    mark = w.fake.mark()
    w.fake.say(private(w.carol), w.carol, "Clear card; consent=documented", reply_to=ask.message_id)
    assert "Review recorded" in (await sent_to(w, w.carol, mark)).text
    async with w.store.transaction() as tx:
        ((_, account, rows),) = await tx.reviews.of_release(rid)
    assert account.display_name == "carol"
    expected = {"Yes": "yes", "No": "no"}
    assert {a.norm_id: a.answer for a in rows} == {
        q.id: expected.get(c, "na") for q, c in zip(questions, choose, strict=True)
    }
    assert all("Clear card" in (a.note or "") for a in rows)


async def test_review_sent_without_a_note_and_buttons_are_the_openers_own(w: World) -> None:
    """ "Send without it" stores the review; someone else pressing the form's buttons gets a toast and
    records nothing; after sending, the form's buttons are dead."""
    _, prompt = await w.announce(w.group, w.alice)
    rid = release_id_of(prompt)
    w.fake.add_user(w.carol, started_bot=True)
    mark = w.fake.mark()
    w.fake.press(prompt, w.carol, prompt.payloads[2])
    form = await sent_to(w, w.carol, mark)
    stranger = w.fake.press(form, w.bob, button(form, "Yes"))
    await w.fake.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == stranger["callback_query"]["id"]
    )
    assert "not open any more" in (w.fake.answer_of(stranger) or {}).get("text", "")
    for _ in BASELINE.questions():
        mark = w.fake.mark()
        w.fake.press(form, w.carol, button(form, "Yes"))
        await w.fake.wait_for("answerCallbackQuery", after=mark)
        form = w.fake.bot_message(w.carol.id, form.message_id)
    await sent_to(w, w.carol, mark)  # the note's ForceReply
    form = w.fake.bot_message(w.carol.id, form.message_id)
    mark = w.fake.mark()
    w.fake.press(form, w.carol, button(form, "Send without it"))
    assert "Review recorded" in (await sent_to(w, w.carol, mark)).text
    async with w.store.transaction() as tx:
        ((_, _, rows),) = await tx.reviews.of_release(rid)
    assert {a.answer for a in rows} == {"yes"} and len(rows) == len(BASELINE.questions())
    late = w.fake.press(form, w.carol, button(form, "Send without it"))
    await w.fake.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == late["callback_query"]["id"]
    )
    assert "not open any more" in (w.fake.answer_of(late) or {}).get("text", "")
