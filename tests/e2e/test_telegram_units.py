"""Unit tests of the Telegram adapter's pure parts: update -> event matching, rendering, the admin cache,
command menus and the token mask. PTB objects are built from the fake's payload factories."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from telegram import CallbackQuery, Message
from telegram.error import NetworkError

import moderation.handlers  # noqa: F401  (registers every command)
from bot.logs import TokenMask
from bot.telegram import events, render
from bot.telegram.admins import AdminCache
from bot.telegram.commands import NAME, telegram_commands
from moderation.kernel.actions import Button, Card, Form, FormField
from moderation.kernel.events import Actor, Attachment, ChatRef
from moderation.kernel.permissions import Privilege
from tests.fakes.telegram.html import parse_html
from tests.fakes.telegram.payloads import FakeChat, FakeUser, document_payload, message_payload, user_payload

GROUP = FakeChat(-1001234, "supergroup", "Makers")
FORUM = FakeChat(-1005678, "supergroup", "Forum", is_forum=True)
ALICE = FakeUser(11, "Alice", "alice")


def msg(chat: FakeChat = GROUP, sender: FakeUser | None = ALICE, **kw: Any) -> Message:
    """A PTB Message built from the fake's payload factory."""
    return Message.de_json(message_payload(message_id=kw.pop("message_id", 7), chat=chat, sender=sender, date=0, **kw))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/flag@normbot_test_bot R3 x y", events.ParsedCommand("flag", "R3 x y", True)),
        ("/flag@Other_Bot R3", events.ParsedCommand("flag", "R3", False)),
        ("/release show R3", events.ParsedCommand("release", "show R3", True)),
        ("/Endorse", events.ParsedCommand("endorse", "", True)),
        ("/norms_set\nmore", events.ParsedCommand("norms_set", "more", True)),
        ("hello /flag", None),
        ("/", None),
        ("/" + "a" * 33, None),
        ("/flag!", None),
    ],
)
def test_parse_command(text: str, expected: events.ParsedCommand | None) -> None:
    """Commands are recognised at the start only, with an optional @BotName that must be ours."""
    assert events.parse_command(text, "normbot_test_bot") == expected


def test_forum_topic_messages_carry_their_thread_but_plain_replies_do_not() -> None:
    """Only forum topics are threads; a reply in an ordinary supergroup also has message_thread_id."""
    in_topic = msg(FORUM, text="hi", thread_id=5)
    assert events.chat_ref(in_topic) == ChatRef("telegram", str(FORUM.id), "5", str(FORUM.id))
    reply = msg(GROUP, text="hi", thread_id=3, reply_to=message_payload(message_id=3, chat=GROUP, sender=ALICE, date=0))
    assert events.chat_ref(reply).thread_id is None
    assert events.reply_target(reply) == "3"


def test_the_topic_start_is_not_a_reply_target() -> None:
    """Telegram makes topic messages reply to the topic's creation message; that is not a chosen target."""
    start = message_payload(
        message_id=5,
        chat=FORUM,
        sender=None,
        date=0,
        extra={"forum_topic_created": {"name": "Releases", "icon_color": 1}},
    )
    assert events.reply_target(msg(FORUM, text="/endorse", thread_id=5, reply_to=start)) is None


def test_actors() -> None:
    """People are shown by @username, else by display name; only the @username is a handle (configs may name
    it), a display name never is; anonymous admins count."""
    assert events.actor_of(msg(), msg().from_user, is_admin=True) == Actor(
        "telegram", "11", "alice", True, handle="alice"
    )
    nameless = msg(sender=FakeUser(12, "Bo", None))
    bo = events.actor_of(nameless, nameless.from_user, is_admin=False)
    assert bo is not None and bo.name == "Bo" and bo.handle is None
    anon = msg(sender=FakeUser(1087968824, "Group", "GroupAnonymousBot", True), sender_chat=GROUP, text="/resolve")
    assert not events.is_from_bot(anon)
    actor = events.actor_of(anon, anon.from_user, is_admin=False)
    assert actor is not None and actor.is_admin and actor.user_id == str(GROUP.id)
    channel = msg(sender=FakeUser(136817688, "Channel", "Channel_Bot", True), sender_chat=FakeChat(-100999, "channel"))
    assert not events.is_from_bot(channel)  # a channel's post forwarded into its group: an announcement
    channel_actor = events.actor_of(channel, channel.from_user, is_admin=True)
    assert channel_actor is not None and channel_actor.user_id == "-100999" and not channel_actor.is_admin
    assert events.is_from_bot(msg(sender=FakeUser(99, "Other bot", "other_bot", True)))


def test_command_event_uses_the_message_as_event_id_and_keeps_attachments() -> None:
    """A redelivered update is the same invocation: the id is chat:message, not the update id."""
    m = msg(caption="/norms set", document=document_payload("F1", "pack.yaml", 120), message_id=42)
    parsed = events.parse_command(events.text_of(m), "normbot_test_bot")
    assert parsed is not None
    ev = events.command_event(m, Actor("telegram", "11", "alice"), parsed, {"pack.yaml": "x: 1"})
    assert (ev.event_id, ev.name, ev.args, ev.message_id) == (f"{GROUP.id}:42", "norms", "set", "42")
    assert ev.attachments == (Attachment("pack.yaml", None, 120),)
    assert ev.attachment_texts == {"pack.yaml": "x: 1"}


def test_migration_service_messages() -> None:
    """Both service messages name the same move."""
    old = FakeChat(-55, "group")
    assert events.migration_of(msg(old, extra={"migrate_to_chat_id": -100_55})) == ("-55", "-10055")
    assert events.migration_of(msg(GROUP, extra={"migrate_from_chat_id": -55})) == ("-55", str(GROUP.id))
    assert events.migration_of(msg(text="hi")) is None


def test_button_event_and_inline_messages() -> None:
    """A press on our message becomes ButtonPressed; a press on an inline-mode message has no chat."""
    shown = message_payload(message_id=9, chat=FORUM, sender=ALICE, date=0, thread_id=4)
    query = CallbackQuery.de_json(
        {"id": "q1", "from": user_payload(ALICE), "chat_instance": "c", "data": "nb1:endorse:3", "message": shown}
    )
    actor = Actor("telegram", "11", "alice")
    ev = events.button_event(query, actor)
    assert ev is not None and (ev.event_id, ev.payload, ev.message_id, ev.chat.thread_id) == (
        "cb:q1",
        "nb1:endorse:3",
        "9",
        "4",
    )
    inline = CallbackQuery.de_json(
        {
            "id": "q2",
            "from": user_payload(ALICE),
            "chat_instance": "c",
            "inline_message_id": "abc",
            "data": "nb1:endorse:3",
        }
    )
    assert events.button_event(inline, actor) is None


def test_card_html_escapes_everything_and_fits_telegram() -> None:
    """Every user string is escaped (the strict parser accepts it) and a huge body is cut to 4096 chars."""
    card = Card("<b>R1</b> & co", "x<y>" * 3000, (("Name", "<i>@all</i>"),), footer="/flag <norm> <reason>")
    html = render.card_html(card)
    plain = parse_html(html)
    assert len(plain) <= render.MAX_TEXT
    assert plain.startswith("<b>R1</b> & co\nName: <i>@\u2060all</i>")
    assert plain.endswith("/flag <norm> <reason>")
    worst = Card("@" * 300, "@" * 5000, tuple(("@" * 70, "@" * 300) for _ in range(30)), footer="@" * 500)
    assert len(parse_html(render.card_html(worst))) <= render.MAX_TEXT


def test_keyboard_rows_and_payloads_untouched() -> None:
    """Buttons go three to a row and carry the core's payload verbatim."""
    buttons = [Button(f"B{i}", f"nb1:uphold:1:{i}") for i in range(7)]
    markup = render.keyboard(buttons)
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        [b.payload for b in buttons[0:3]],
        [b.payload for b in buttons[3:6]],
        [buttons[6].payload],
    ]
    assert render.keyboard([]) is None


def test_toast_only_when_it_fits() -> None:
    """Callback answers hold 200 characters; longer replies are posted instead."""
    assert (
        render.toast(Card("Endorsed", "Thanks! R1 has 1/2 endorsements."))
        == "Endorsed: Thanks! R1 has 1/2 endorsements."
    )
    assert render.toast(Card("Long", "x" * 300)) is None


def test_forms_become_exact_commands() -> None:
    """Flag and review forms turn into the command to type, with the allowed values."""
    flag = Form(
        "flag",
        "Flag R3",
        "R3",
        (
            FormField("norm", "Which norm?", ("credit-base-model", "other")),
            FormField("reason", "What is wrong?", long=True),
        ),
    )
    text = parse_html(render.form_html(flag))
    assert "/flag R3 <norm> <reason…>" in text and "one of: credit-base-model, other" in text
    review = Form("review", "Review R3", "R3", (FormField("harm-consent", "Consent?", ("yes", "no", "na")),))
    assert "/review R3 harm-consent=yes|no|na" in parse_html(render.form_html(review))


async def test_admin_cache_expires_and_shares_lookups() -> None:
    """One getChatAdministrators per chat per expiry; concurrent look-ups share it; failures are not cached."""
    now = [0.0]
    fetched: list[int | str] = []
    fail = [False]

    class Member:
        def __init__(self, uid: int) -> None:
            self.user = type("U", (), {"id": uid})()

    async def fetch(chat_id: int | str) -> list[Member]:
        fetched.append(chat_id)
        await asyncio.sleep(0)
        if fail[0]:
            raise NetworkError("down")
        return [Member(1), Member(2)]

    cache = AdminCache(fetch, 300, clock=lambda: now[0])
    results = await asyncio.gather(*(cache.is_admin(-5, 1) for _ in range(5)))
    assert results == [True] * 5 and fetched == [-5]
    assert not await cache.is_admin(-5, 3)
    now[0] = 301
    fail[0] = True
    assert not await cache.is_admin(-5, 1)  # Telegram unreachable: nobody is admin, and nothing cached
    fail[0] = False
    assert await cache.is_admin(-5, 1)
    assert fetched == [-5, -5, -5]


def test_command_menus_are_valid_telegram_commands() -> None:
    """Every registered name is valid; two-word commands appear once under their group word."""
    everything = telegram_commands(Privilege.OWNER)
    names = [c.command for c in everything]
    assert all(NAME.fullmatch(n) for n in names) and len(names) == len(set(names))
    assert "release" in names and "release show" not in names
    release = next(c for c in everything if c.command == "release")
    assert "show" in release.description and "list" in release.description
    assert all(1 <= len(c.description) <= 256 for c in everything)
    assert set(n.command for n in telegram_commands(Privilege.MEMBER)) < set(names)


def test_token_mask_covers_every_handler(caplog: pytest.LogCaptureFixture) -> None:
    """Records are masked when created, so every handler (caplog here) sees the mask, tracebacks too."""
    token = "123456:known-token-value-for-the-mask"
    mask = TokenMask([token])
    before = logging.getLogRecordFactory()
    mask.install()
    try:
        log = logging.getLogger("httpx")
        with caplog.at_level(logging.INFO):
            log.info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", token)
            try:
                raise RuntimeError(f"boom {token}")
            except RuntimeError:
                log.exception("failed")
            log.warning("bad format %d for %s", "not-a-number", token)  # must not raise into the caller
    finally:
        mask.uninstall()
    assert logging.getLogRecordFactory() is before
    assert token not in caplog.text
    assert "/bot**********/getMe" in caplog.text and "boom **********" in caplog.text
    assert "bad format %d for %s ('not-a-number', '**********')" in caplog.text
