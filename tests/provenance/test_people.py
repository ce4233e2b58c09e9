"""One person, however many accounts: cross-posts, quorum and flag thresholds count people (issue 21, items 3-4).

The attacks, each seen against the running bot before the fix:
- an impersonator on another platform who took the creator's display name and shared her link was folded into
  her release as its creator (no re-upload alert), or, posting first, had her later post folded into theirs;
- one person endorsing from Discord and Telegram reached a quorum of 2 alone, and an endorsement from an
  account later linked to the creator kept counting;
- one person's flags from two accounts counted as two reporters.

Through the real core on both stores, with the console and a Telegram-platform chat of one community.
"""

from __future__ import annotations

from collections.abc import Sequence

from moderation.kernel.actions import DirectMessage, Edit, Send
from storage import Store
from tests.core.harness import Chat, reply_text

TEXT = (
    "Releasing Neon Dreams v2, a LoRA for SDXL 1.0 with glowing city lights. Trigger: neondrm. "
    "License: openrail++. NSFW: no. https://huggingface.co/ada/neon-dreams"
)


def _alerts(actions: Sequence[object]) -> list[Send]:
    return [a for a in actions if isinstance(a, Send) and "re-upload" in a.card.title]


async def _link(console: Chat, tg: Chat, console_name: str, tg_name: str) -> list[object]:
    """Prove both accounts are one person the way members do: /link here, /link CODE there."""
    (dm,) = [a for a in await console.cmd(console_name, "/link") if isinstance(a, DirectMessage)]
    code = dm.card.body.splitlines()[0]
    actions = await tg.cmd(tg_name, f"/link {code}")
    assert "Accounts linked" in reply_text(actions)  # type: ignore[arg-type]
    return list(actions)


async def _state(store: Store, release_id: int) -> tuple[str, int]:
    async with store.transaction() as tx:
        release = await tx.releases.get_any(release_id)
        assert release is not None
        return release.status, await tx.endorsements.count(release_id)


async def _audit_actions(store: Store) -> list[str]:
    async with store.transaction() as tx:
        (c,) = [c for c in await tx.communities.all() if c.slug == "forge"]
        return [e.action for e in await tx.audit_log.events(c.id)]


# -- item 3: a same display name proves nothing ---------------------------------------------------------------


async def test_impersonator_with_the_same_name_is_a_reupload_candidate_not_the_creator(
    chat: Chat, tg: Chat, store: Store
) -> None:
    """ada announces on the console; a Telegram account also called "ada" posts the same link. Before, that
    post was folded into R1 as ada's cross-post, silently. Now it is a release of its own and the moderators
    get a re-upload alert naming R1, while ada (the earlier creator) is told."""
    await chat.say("ada", TEXT)
    actions = await tg.say("ada", TEXT)  # platform telegram, display name "ada", another account
    assert await _state(store, 2) == ("in_review", 0)
    (alert, *_) = _alerts(actions)
    assert "R2" in alert.card.title and "R1" in alert.card.title
    told = [a for a in actions if isinstance(a, DirectMessage)]
    assert [(d.platform, d.user_id) for d in told if "re-uploaded" in d.card.title] == [("console", "ada")]
    # The impersonator is not R1's creator: R1's own-release rule does not shield them, nor block them.
    assert "own release" not in reply_text(await tg.cmd("ada", "/endorse R1"))


async def test_impersonator_who_posts_first_does_not_absorb_the_real_post(chat: Chat, tg: Chat, store: Store) -> None:
    """The impersonator posts first on Telegram; the real ada's console post is her own R2 with an alert, never
    an announcement of the impersonator's R1 (which would make them "the earlier creator" of her work)."""
    await tg.say("ada", TEXT)
    actions = await chat.say("ada", TEXT)
    async with store.transaction() as tx:
        assert len(await tx.announcements.of_release(1)) == 1
        r2 = await tx.releases.get_any(2)
        assert r2 is not None
        creator = await tx.accounts.get(r2.creator_id)
        assert creator is not None and creator.platform == "console"
    assert _alerts(actions)


async def test_linked_accounts_still_cross_post_into_one_release(chat: Chat, tg: Chat, store: Store) -> None:
    """Proven identity keeps the old convenience: after /link, ada's Telegram post is R1's second announcement."""
    await chat.say("ada", TEXT)
    await _link(chat, tg, "ada", "ada_tg")
    actions = await tg.say("ada_tg", TEXT)
    assert _alerts(actions) == []
    async with store.transaction() as tx:
        assert len(await tx.announcements.of_release(1)) == 2
        assert await tx.releases.get_any(2) is None


# -- item 4: count people ------------------------------------------------------------------------------------


async def test_one_person_cannot_endorse_twice_from_linked_accounts(chat: Chat, tg: Chat, store: Store) -> None:
    await chat.say("ada", TEXT)
    await _link(chat, tg, "bo", "bo_tg")
    assert "Thanks" in reply_text(await chat.cmd("bo", "/endorse R1"))
    refused = reply_text(await tg.cmd("bo_tg", "/endorse R1"))
    assert "already endorsed" in refused and "linked account" in refused
    assert await _state(store, 1) == ("in_review", 1)
    # Withdrawing from the other account withdraws the person's endorsement.
    assert "withdrawn" in reply_text(await tg.cmd("bo_tg", "/unendorse R1")).lower()
    assert await _state(store, 1) == ("in_review", 0)


async def test_linking_after_endorsing_twice_takes_the_quorum_back(chat: Chat, tg: Chat, store: Store) -> None:
    """bo endorses from both accounts before linking them: 2/2, endorsed. Once linked they are one person:
    1 endorsement, the release goes back to review, and the move is audited."""
    await chat.say("ada", TEXT)
    await chat.cmd("bo", "/endorse R1")
    await tg.cmd("bo_tg", "/endorse R1")
    assert await _state(store, 1) == ("endorsed", 2)
    actions = await _link(chat, tg, "bo", "bo_tg")
    assert await _state(store, 1) == ("in_review", 1)
    assert "release.quorum_lost" in await _audit_actions(store)
    (edit,) = [a for a in actions if isinstance(a, Edit)]  # the posted prompt shows the new count
    assert "Endorsements: 1 of 2 needed" in edit.card.as_text()


async def test_an_endorser_later_linked_to_the_creator_stops_counting(chat: Chat, tg: Chat, store: Store) -> None:
    """ada endorses her own release from an unlinked Telegram account; linking it to her takes it back."""
    await chat.say("ada", TEXT)
    await chat.cmd("bo", "/endorse R1")
    await tg.cmd("ada_tg", "/endorse R1")
    assert await _state(store, 1) == ("endorsed", 2)
    await _link(chat, tg, "ada", "ada_tg")
    assert await _state(store, 1) == ("in_review", 1)


async def test_flag_threshold_counts_people(chat: Chat, tg: Chat, store: Store) -> None:
    """The threshold is 3 reporters. bo flags from both linked accounts (under two norms), cy once: two people,
    not flagged. A third person reaches it."""
    await chat.say("ada", TEXT)
    await _link(chat, tg, "bo", "bo_tg")
    assert "Flag recorded" in reply_text(await chat.cmd("bo", "/flag R1 other looks like a re-upload"))
    refused = reply_text(await tg.cmd("bo_tg", "/flag R1 other looks like a re-upload"))
    assert "already flagged" in refused and "linked account" in refused
    assert "Flag recorded" in reply_text(await tg.cmd("bo_tg", "/flag R1 own-license-stated license is wrong"))
    await chat.cmd("cy", "/flag R1 other not theirs")
    assert (await _state(store, 1))[0] == "in_review"
    await chat.cmd("dee", "/flag R1 other not theirs either")
    assert (await _state(store, 1))[0] == "flagged"


async def test_linking_an_account_already_linked_brings_its_person_along(chat: Chat, tg: Chat, store: Store) -> None:
    """bo_tg is already one person with bo; linking bo_tg to bo2 on the console makes all three one person
    (before, bo was left behind as a person of his own and could endorse as a second person)."""
    await chat.say("ada", TEXT)
    await _link(chat, tg, "bo", "bo_tg")
    await _link(chat, tg, "bo2", "bo_tg")
    await chat.cmd("bo", "/endorse R1")
    assert "already endorsed" in reply_text(await chat.cmd("bo2", "/endorse R1"))
    assert await _state(store, 1) == ("in_review", 1)
