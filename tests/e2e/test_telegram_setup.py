"""End to end on Telegram: `/setup` as a moderator meets it (issue 23, item 1). The real python-telegram-bot
client against the fake Bot API: the settings as an inline keyboard in the private chat, a choice saved and
the message updated, bad or forged presses refused, and "add this group" through a `startgroup` link, with no
chat id read by anyone; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Store
from tests.fakes.telegram.harness import GOOD, World, button, edited, private, sent_to, telegram_world
from tests.fakes.telegram.payloads import FakeChat, FakeUser
from tests.fakes.telegram.state import BotMessage, Call

pytestmark = pytest.mark.e2e
BOT = "normbot_test_bot"


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with telegram_world(tmp_path, store=store, moderators=frozenset({"telegram:@mia_mod"})) as world:
        yield world


async def press(w: World, message: BotMessage, user: FakeUser, label: str) -> tuple[BotMessage, dict[str, object]]:
    """Press a button of `message`; (the message after the bot edited it, the callback answer)."""
    mark = w.fake.mark()
    update = w.fake.press(message, user, button(message, label))
    after = await edited(w, message, mark)
    await w.fake.wait_for("answerCallbackQuery", after=mark)
    return after, dict(w.fake.answer_of(update) or {})


async def open_setup(w: World) -> BotMessage:
    """Mia sends /setup in the group; the settings arrive in her private chat."""
    w.fake.add_user(w.mia, started_bot=True)
    mark = w.fake.mark()
    w.fake.say(w.group, w.mia, "/setup")
    return await sent_to(w, w.mia, mark)


async def test_setup_in_the_group_opens_the_settings_privately_and_saves_a_choice(w: World) -> None:
    """The group gets a pointer; the private chat a keyboard; Quorum → 1 is saved, audited, in force, and
    the message shows it."""
    form = await open_setup(w)
    assert "Settings of Makers" in form.text and "Quorum: 2 (norm pack baseline" in form.text
    choices, _ = await press(w, form, w.mia, "Quorum")
    assert "reviewer endorsements a release needs" in choices.text
    assert "✓ 2" in [t for row in choices.buttons for t, _ in row]
    saved, answer = await press(w, choices, w.mia, "1")
    assert answer.get("text") == "Saved."
    assert "Quorum: 1 (set with /setup by telegram:1004)" in saved.text and "Quorum: the file’s value → 1" in saved.text
    assert w.core.communities["makers"].quorum == 1
    async with w.store.transaction() as tx:
        cid = (await tx.communities.by_slug("makers")).id  # type: ignore[union-attr]
        events = [e for e in await tx.audit_log.events(cid) if e.action == "community.setting_changed"]
    assert [(e.actor, e.payload["new"]) for e in events] == [("telegram:1004", 1)]
    # The quorum is reset before the language changes: Mia's account tells no language of hers, so the
    # settings speak the community's language, Spanish once it is chosen.
    quorum, _ = await press(w, saved, w.mia, "Quorum")
    reset, _ = await press(w, quorum, w.mia, "↺ Use the file's value")
    assert "Quorum: 2 (norm pack baseline" in reset.text and w.core.communities["makers"].quorum is None
    choices, _ = await press(w, reset, w.mia, "Language")
    saved, _ = await press(w, choices, w.mia, "Español (es)")
    assert w.core.communities["makers"].language == "es"


async def test_others_cannot_use_a_moderators_dialogue(w: World) -> None:
    """A member pressing Mia's buttons (forged into their own chat) changes nothing; /setup is refused to them."""
    form = await open_setup(w)
    w.fake.add_user(w.carol, started_bot=True)
    mark = w.fake.mark()
    update = w.fake.press(form, w.carol, button(form, "Quorum"))
    await w.fake.wait_for("answerCallbackQuery", after=mark)
    assert "not open any more" in str((w.fake.answer_of(update) or {}).get("text"))
    reply = await w.command(w.group, w.carol, "/setup quorum 1")
    assert "Only moderators can use /setup" in reply.text
    assert w.core.communities["makers"].quorum is None


async def test_add_a_group_through_a_startgroup_link(w: World) -> None:
    """Day one: Mia (named in the file by @handle) sends /setup to the bot privately, presses Review chat →
    Add a group, and the keyboard gives a startgroup link; Telegram adds the bot to the group she picks and
    sends the token there: the group is bound as the review chat, by name. The same link used by someone
    else, or twice, binds nothing."""
    w.fake.add_user(w.mia, started_bot=True)
    mark = w.fake.mark()
    w.fake.say(private(w.mia), w.mia, "/setup")
    form = await sent_to(w, w.mia, mark)
    assert "Review chat: not set" in form.text
    choices, _ = await press(w, form, w.mia, "Review chat")
    assert "Model makers" not in choices.text  # groups of the file are offered by id until the bot learns a name
    linked, _ = await press(w, choices, w.mia, "➕ Add a group")
    url = button(linked, "➕ Add me to the review group")
    assert url.startswith(f"url:https://t.me/{BOT}?startgroup=")
    token = url.rsplit("=", 1)[1]
    reviews = w.fake.add_chat(FakeChat(-100_7777, "supergroup", "Makers reviews"), admins=(w.mia,))
    stranger = await w.command(reviews, w.carol, f"/start@{BOT} {token}")
    assert "not valid" in stranger.text
    added = await w.command(reviews, w.mia, f"/start@{BOT} {token}")
    assert "Added to Makers" in added.text and "review chat" in added.text
    again = await w.command(reviews, w.mia, f"/start@{BOT} {token}")
    assert "not valid" in again.text
    assert any(c.chat_id == str(reviews.id) and c.role == "review" for c in w.core.communities["makers"].chats)
    mark = w.fake.mark()
    w.fake.say(w.group, w.alice, GOOD)

    def in_reviews(call: Call) -> bool:
        return call.ok and call.params.get("chat_id") == reviews.id

    prompt = await w.fake.wait_for("sendMessage", in_reviews, after=mark)  # prompts now go to the review group
    assert "Endorse" in str(prompt.params.get("reply_markup"))
    mark = w.fake.mark()
    w.fake.say(private(w.mia), w.mia, "/setup")
    again_form = await sent_to(w, w.mia, mark)
    assert "Review chat: Makers reviews" in again_form.text


async def test_enforcement_on_without_the_delete_right_is_said_in_the_dialogue(w: World) -> None:
    """Enforcement → On is saved; the bot is no administrator of the group /setup came from (its own
    getChatMember says so), so the updated message warns; once it may delete, the warning is gone."""
    form = await open_setup(w)
    assert "Enforcement: off (default)" in form.text
    choices, _ = await press(w, form, w.mia, "Enforcement")
    on = next(t for row in choices.buttons for t, _ in row if t.lstrip("✓ ").startswith("On"))
    saved, answer = await press(w, choices, w.mia, on)
    assert answer.get("text") == "Saved." and w.core.communities["makers"].enforcement
    assert "may not delete messages in this group" in saved.text
    assert [c.params["user_id"] for c in w.fake.calls_to("getChatMember")][-1:] == [w.fake.state.bot.id]
    w.fake.promote_bot(w.group, "can_delete_messages")
    choices, _ = await press(w, saved, w.mia, "Enforcement")
    on = next(t for row in choices.buttons for t, _ in row if t.lstrip("✓ ").startswith("On"))
    again, _ = await press(w, choices, w.mia, on)
    assert "may not delete" not in again.text
