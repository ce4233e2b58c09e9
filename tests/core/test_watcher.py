"""The watcher registers releases once, links cross-posts, prompts reviewers and nudges creators."""

from __future__ import annotations

from moderation.kernel.actions import DirectMessage
from storage import Store
from tests.core.harness import GOOD, Chat, sends


async def _releases(store: Store) -> list[tuple[int, str]]:
    async with store.transaction() as tx:
        (c,) = [c for c in await tx.communities.all() if c.slug == "forge"]
        return [(r.id, r.status) for r in await tx.releases.page(c.id)]


async def test_announcement_gets_a_prompt_with_buttons(chat: Chat, store: Store) -> None:
    """A release announcement produces one keyed review prompt, replying to the announcement."""
    actions = await chat.say("ada", GOOD, message_id="m1")
    (prompt,) = [s for s in sends(actions) if s.key and s.key.startswith("prompt:")]
    assert prompt.reply_to == "m1"
    assert [b.label for b in prompt.buttons] == ["Endorse", "Flag", "Review"]
    assert "Neon Dreams" in prompt.card.title
    assert await _releases(store) == [(1, "in_review")]


async def test_ordinary_chat_is_ignored(chat: Chat, store: Store) -> None:
    """Questions and chatter register nothing."""
    assert await chat.say("bo", "does anyone know a good LoRA for watercolor?") == []
    assert await _releases(store) == []


async def test_same_message_delivered_twice_changes_nothing(chat: Chat, store: Store) -> None:
    """A replayed platform message is recognised by its id."""
    await chat.say("ada", GOOD, message_id="m1", event_id="e1")
    again = await chat.say("ada", GOOD, message_id="m1", event_id="e1")
    assert again == []
    assert len(await _releases(store)) == 1


async def test_cross_post_by_same_creator_is_one_release(chat: Chat, store: Store) -> None:
    """The same release posted again elsewhere is a second announcement, not a second release."""
    await chat.say("ada", GOOD, message_id="m1")
    await chat.say("ada", GOOD, message_id="m2")
    assert len(await _releases(store)) == 1
    async with store.transaction() as tx:
        assert len(await tx.announcements.of_release(1)) == 2


async def test_same_name_by_another_creator_is_another_release(chat: Chat, store: Store) -> None:
    """Someone else announcing the same model name gets a release of their own (it may be a re-upload)."""
    await chat.say("ada", GOOD)
    await chat.say("zed", GOOD)
    assert len(await _releases(store)) == 2


async def test_creator_is_nudged_about_failed_norms(chat: Chat) -> None:
    """Missing license and base model: the creator gets a DM listing the failures and the fixes."""
    actions = await chat.say(
        "kai",
        "New LoRA out: Velvet v1 https://civitai.com/models/1/velvet [attach: velvet.ckpt]",
        attachments=["velvet.ckpt"],
    )
    (nudge,) = [a for a in actions if isinstance(a, DirectMessage)]
    assert nudge.user_id == "kai"
    assert "own-license-stated" in nudge.card.body
    assert "How to fix" in nudge.card.body


async def test_new_version_links_previous_and_starts_without_endorsements(chat: Chat, store: Store) -> None:
    """v3 of a model is a new release pointing at v2; v2's endorsements stay with v2."""
    await chat.say("ada", GOOD)
    await chat.cmd("bo", "/endorse R1")
    await chat.say("ada", GOOD.replace("v2", "v3"))
    async with store.transaction() as tx:
        r2 = await tx.releases.get_any(2)
        assert r2 is not None and r2.previous_id == 1
        assert await tx.endorsements.count(2) == 0
        assert await tx.endorsements.count(1) == 1


async def test_look_alike_names_collide(chat: Chat, store: Store) -> None:
    """A zero-width space or full-width letters do not make a different release key."""
    await chat.say("ada", GOOD)
    await chat.say("ada", GOOD.replace("Neon Dreams", "Ne\u200bon Dreams"))
    assert len(await _releases(store)) == 1
