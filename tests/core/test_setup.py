"""`/setup` through the real core on both stores: settings override the file and the norm pack, are audited,
checked, refused to members, and reach another replica; "add this group" invites bind a chat once."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.wiring import build_core
from moderation.kernel.actions import Action, OpenSettings, SettingsForm
from moderation.kernel.clock import ManualClock
from moderation.kernel.events import Actor, ChatInvited, ChatRef, CommandInvoked, MessagePosted
from storage import Store
from tests.core.harness import GOOD, Chat, community, reply_text, sends


def form_of(actions: Sequence[Action]) -> SettingsForm:
    found = [a.form for a in actions if isinstance(a, OpenSettings)]
    assert found, f"no settings form in {actions}"
    return found[-1]


async def changes(store: Store) -> list[tuple[str, str, dict[str, object]]]:
    async with store.transaction() as tx:
        cid = (await tx.communities.by_slug("forge")).id  # type: ignore[union-attr]
        events = await tx.audit_log.events(cid)
    return [(e.actor, e.subject, e.payload) for e in events if e.action == "community.setting_changed"]


async def test_setup_shows_every_setting_with_its_source(chat: Chat) -> None:
    """A moderator sees each setting, the value in force and where it came from."""
    form = form_of(await chat.cmd("mia", "/setup"))
    keys = [f.key for f in form.fields]
    assert keys == [
        "review-chat",
        "mod-chat",
        "log-chat",
        "reviewer-roles",
        "quorum",
        "review-window",
        "language",
        "enforcement",
    ]
    quorum = form.field("quorum")
    assert quorum is not None and quorum.values == ("2",) and quorum.source.startswith("norm pack baseline")
    mod = form.field("mod-chat")
    assert mod is not None and mod.values == ("releases-mods",) and mod.source == "normbot.toml"
    assert form.field("language").values == ("en",)  # type: ignore[union-attr]


async def test_members_may_not_setup(chat: Chat, store: Store) -> None:
    """Permission is checked in the core, before the value is read; nothing is stored."""
    text = reply_text(await chat.cmd("bo", "/setup quorum 1"))
    assert "Not allowed" in text
    text = reply_text(await chat.cmd("bo", "/setup quorum banana"))
    assert "Not allowed" in text and "quorum" not in text.split("\n", 1)[1]
    async with store.transaction() as tx:
        assert await tx.settings.all() == []


async def test_quorum_from_chat_overrides_the_pack_and_is_audited(chat: Chat, store: Store) -> None:
    """Quorum 1 set from chat: one endorsement endorses (the baseline needs 2); the change is audited with
    the old and new value, and a reset gives the pack's quorum back."""
    form = form_of(await chat.cmd("mia", "/setup quorum 1"))
    assert form.field("quorum").values == ("1",)  # type: ignore[union-attr]
    assert "Quorum: the file’s value → 1" in form.note
    await chat.say("ada", GOOD, message_id="ann1")
    assert "now endorsed" in reply_text(await chat.cmd("bo", "/endorse R1"))
    assert await changes(store) == [("console:mia", "setting:quorum", {"platform": "", "old": None, "new": 1})]
    form = form_of(await chat.cmd("mia", "/setup quorum reset"))
    assert form.field("quorum").values == ("2",)  # type: ignore[union-attr]
    assert chat.core.communities["forge"].quorum is None
    assert (await changes(store))[-1][2] == {"platform": "", "old": 1, "new": None}


async def test_same_value_twice_is_not_a_change(chat: Chat, store: Store) -> None:
    """Saving the value in force again audits nothing."""
    await chat.cmd("mia", "/setup language es")
    form = form_of(await chat.cmd("mia", "/setup language es"))
    # mia's platform tells no locale of hers: the form speaks the community's language, Spanish by now.
    assert "no ha cambiado nada" in form.note and form.title == "Ajustes de Forge"
    assert len(await changes(store)) == 1
    assert chat.core.communities["forge"].language == "es"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/setup quorum 0", "from 1 to 50"),
        ("/setup quorum lots", "from 1 to 50"),
        ("/setup review-window 5m", "between 1h and 30d"),
        ("/setup review-window soon", "like 48h"),
        ("/setup language klingon", "en (English)"),
        ("/setup quorum", "For example: /setup quorum 1"),
        ("/setup colour blue", "must be one of"),
        ("/setup reviewer-roles ,,,", "separated by commas"),
        ("/setup invite lobby", "releases, review, mod, log"),
    ],
)
async def test_bad_values_get_a_helpful_reply(chat: Chat, store: Store, line: str, expected: str) -> None:
    """Every bad value is answered with what would work, and nothing is stored."""
    text = reply_text(await chat.cmd("mia", line))
    assert expected in text, text
    async with store.transaction() as tx:
        assert await tx.settings.all() == []


async def test_review_chat_from_chat_moves_the_prompts(chat: Chat) -> None:
    """`/setup review-chat here` typed in another chat: the next release's prompt goes there."""
    reviews = Chat(chat.core, chat.clock, chat_id="reviews")
    await chat.cmd("mia", "/setup review-chat reviews")
    prompts = [s for s in sends(await chat.say("ada", GOOD)) if (s.key or "").startswith("prompt:")]
    assert prompts and prompts[0].chat.chat_id == "reviews"
    form = form_of(await reviews.cmd("mia", "/setup review-chat here"))
    assert form.field("review-chat").values == ("reviews",)  # type: ignore[union-attr]


async def test_reviewer_roles_from_chat_replace_the_files(store: Store, clock: ManualClock) -> None:
    """Reviewer roles set in chat decide who is a reviewer; `none` leaves nobody by role."""
    core = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    chat = Chat(core, clock)
    await chat.cmd("mia", "/setup reviewer-roles Curators, Testers")
    assert core.communities["forge"].reviewer_roles == frozenset({"curators", "testers"})
    form = form_of(await chat.cmd("mia", "/setup reviewer-roles none"))
    assert form.field("reviewer-roles").shown == "none"  # type: ignore[union-attr]


async def test_another_replica_sees_the_change(store: Store, clock: ManualClock) -> None:
    """A second core on the same store takes the change with its next binding snapshot."""
    first = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    second = await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    await Chat(first, clock).cmd("mia", "/setup quorum 4")
    assert first.communities["forge"].quorum == 4
    assert second.communities["forge"].quorum is None
    second.forget_binding("console", "releases")
    await second.handle(MessagePosted("x1", ChatRef("console", "releases"), "x1", Actor("console", "bo", "bo"), "hi"))
    assert second.communities["forge"].quorum == 4
    assert second.file_communities["forge"].quorum is None


async def test_replayed_setup_changes_nothing_twice(chat: Chat, store: Store) -> None:
    """A redelivered platform event is one change."""
    await chat.cmd("mia", "/setup quorum 3", event_id="same")
    assert await chat.cmd("mia", "/setup quorum 5", event_id="same") == []
    assert chat.core.communities["forge"].quorum == 3
    assert len(await changes(store)) == 1


async def test_a_chat_of_another_community_cannot_be_taken(store: Store, clock: ManualClock) -> None:
    """A moderator cannot point their review chat at a chat another community owns."""
    core = await build_core(
        store, [community(), community("other", chat="theirs")], clock=clock, rules_only=True, migrate=False
    )
    text = reply_text(await Chat(core, clock).cmd("mia", "/setup review-chat theirs"))
    assert "belongs to another community" in text


async def test_setup_in_a_private_chat_finds_the_moderators_community(chat: Chat) -> None:
    """Day one on Telegram: no group is known yet, so /setup in the private chat serves the community whose
    file names the actor as moderator; anyone else is refused."""
    private = ChatRef("console", "dm-mia", private=True)
    event = CommandInvoked("p1", private, Actor("console", "mia", "mia"), "setup")
    form = form_of(await chat.core.handle(event))
    assert form.title == "Settings of Forge"
    stranger = CommandInvoked("p2", ChatRef("console", "dm-bo", private=True), Actor("console", "bo", "bo"), "setup")
    assert "not part of a community" in reply_text(await chat.core.handle(stranger))
    here = CommandInvoked("p3", private, Actor("console", "mia", "mia"), "setup", "review-chat here")
    assert "private chat cannot be" in reply_text(await chat.core.handle(here))


async def test_invite_binds_a_new_chat_once_for_its_moderator(chat: Chat, store: Store) -> None:
    """`/setup invite review` gives a one-time token; the bot added to a group with it binds the group as the
    review chat (by name), for the moderator who asked only, and once."""
    form = form_of(await chat.cmd("mia", "/setup invite review"))
    token = form.invite
    assert token and form.invite_role == "review"
    group = ChatRef("console", "-100777")
    someone = ChatInvited("i1", group, Actor("console", "bo", "bo"), token, title="Reviewers' corner")
    assert "not valid" in reply_text(await chat.core.handle(someone))
    mia = Actor("console", "mia", "mia")
    added = await chat.core.handle(ChatInvited("i2", group, mia, token, title="Reviewers' corner"))
    assert "now the review chat" in reply_text(added)
    assert "not valid" in reply_text(await chat.core.handle(ChatInvited("i3", group, mia, token)))
    assert chat.core.communities["forge"].chats[-1].chat_id == "-100777"
    shown = form_of(await chat.cmd("mia", "/setup")).field("review-chat")
    assert shown is not None and shown.shown == "Reviewers' corner" and shown.values == ("-100777",)
    # commands in the new group now belong to the community
    in_group = Chat(chat.core, chat.clock, chat_id="-100777")
    assert form_of(await in_group.cmd("mia", "/setup")).title == "Settings of Forge"
    async with store.transaction() as tx:
        binding = await tx.chats.binding("console", "-100777")
        assert binding is not None and binding.role == "review" and not binding.watched


async def test_store_refuses_what_the_core_refuses(store: Store, clock: ManualClock) -> None:
    """The invariants are constraints too: a quorum of 0, a window of a minute, an unknown language, a chat
    setting without a platform cannot be written by any path."""
    from datetime import UTC, datetime

    await build_core(store, [community()], clock=clock, rules_only=True, migrate=False)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    bad = [
        ("quorum", "", 0),
        ("review_window", "", 60),
        ("language", "", "xx"),
        ("review_chat", "", "c1"),
        ("quorum", "console", 2),
    ]
    for key, platform, value in bad:
        with pytest.raises(Exception, match=r"(?i)check|constraint"):
            async with store.transaction() as tx:
                cid = (await tx.communities.by_slug("forge")).id  # type: ignore[union-attr]
                await tx.settings.set(cid, key, platform, value, by="test", at=at)
    async with store.transaction() as tx:
        assert await tx.settings.all() == []
