"""A release's content changing after it was announced, through the real core on both databases (issue 20
item 1, issue 21 item 2): edited announcements, corrected reposts, and `/release edit` after quorum."""

from __future__ import annotations

from moderation.kernel.actions import DirectMessage, Edit
from storage import Store
from tests.core.harness import GOOD, Chat, reply_text, sends

NO_LICENSE = GOOD.replace("License: openrail++. ", "")
OTHER_SHA = "9" * 64  # a hash someone else published first
EVIL = "https://evil.example/payload.exe"


def dms(actions: list, user: str) -> list[DirectMessage]:  # type: ignore[type-arg]
    """The private messages to `user` among `actions`."""
    return [a for a in actions if isinstance(a, DirectMessage) and a.user_id == user]


def prompt_edits(actions: list) -> list[Edit]:  # type: ignore[type-arg]
    """The in-place edits of review prompts among `actions`."""
    return [a for a in actions if isinstance(a, Edit) and a.card.title.startswith("Review R")]


async def failing(store: Store, release_id: int) -> list[str]:
    """Norm ids the newest check of a release failed."""
    async with store.transaction() as tx:
        latest = await tx.norm_checks.latest(release_id)
    assert latest is not None
    return sorted(r.norm_id for r in latest[1] if r.outcome == "fail")


async def audit_actions(store: Store) -> list[str]:
    async with store.transaction() as tx:
        return [e.action for e in await tx.audit_log.events(1)]


async def endorsed_to_quorum(chat: Chat) -> None:
    """bo and cy endorse R1: the baseline quorum of 2 is reached."""
    await chat.cmd("bo", "/endorse R1")
    assert "now endorsed" in reply_text(await chat.cmd("cy", "/endorse R1"))


async def test_edited_announcement_is_checked_again_and_the_prompt_says_what_changed(chat: Chat, store: Store) -> None:
    """The nudge says "fix it … or post a corrected announcement"; editing the announcement does it: the
    license is read from the edit, the check passes, the prompt is edited in place, the creator is told."""
    await chat.say("ada", NO_LICENSE, message_id="ann1")
    assert "own-license-stated" in await failing(store, 1)
    actions = await chat.edit("ada", "ann1", GOOD)
    assert "own-license-stated" not in await failing(store, 1)
    (told,) = dms(actions, "ada")
    assert "updated from the edited announcement" in told.card.title
    assert "license: (none) → openrail++" in told.card.body
    (prompt,) = prompt_edits(actions)
    assert "Changed by the edited announcement: license" in prompt.card.body
    async with store.transaction() as tx:
        release = await tx.releases.get_any(1)
        assert release is not None and release.fields_json["license"] == "openrail++"
        assert len(await tx.announcements.of_release(1)) == 1  # an edit is not a second announcement
        assert (await tx.announcements.of_release(1))[0].text == GOOD
    assert "release.edited" in await audit_actions(store)


async def test_a_duplicate_edit_changes_nothing_twice(chat: Chat, store: Store) -> None:
    """The same edit delivered twice (same event id), or again under another id, changes nothing."""
    await chat.say("ada", NO_LICENSE, message_id="ann1")
    await chat.edit("ada", "ann1", GOOD, event_id="e1")
    before = await audit_actions(store)
    assert await chat.edit("ada", "ann1", GOOD, event_id="e1") == []
    assert await chat.edit("ada", "ann1", GOOD, event_id="e2") == []
    assert await audit_actions(store) == before


async def test_a_field_set_by_command_survives_an_unrelated_edit(chat: Chat, store: Store) -> None:
    """An edit applies what the edit changed: a license given with /release edit stays when the creator
    fixes a typo elsewhere in an announcement that never stated one."""
    await chat.say("ada", NO_LICENSE, message_id="ann1")
    await chat.cmd("ada", "/release edit R1 license openrail++")
    await chat.edit("ada", "ann1", NO_LICENSE.replace("Releasing", "Now releasing"))
    async with store.transaction() as tx:
        release = await tx.releases.get_any(1)
        assert release is not None and release.fields_json["license"] == "openrail++"


async def test_a_corrected_repost_updates_the_release_and_a_new_version_is_a_new_release(
    chat: Chat, store: Store
) -> None:
    """The creator posts the corrected announcement anew: same release, fresh check, told what changed;
    the same text with another version is a new release."""
    await chat.say("ada", NO_LICENSE, message_id="ann1")
    actions = await chat.say("ada", GOOD, message_id="ann2")
    assert "own-license-stated" not in await failing(store, 1)
    (told,) = dms(actions, "ada")
    assert "corrected announcement" in told.card.title and "license: (none) → openrail++" in told.card.body
    (prompt,) = sends(actions)
    assert prompt.card.title.startswith("Review R1") and "license" in prompt.card.body
    shown = reply_text(await chat.cmd("bo", "/release show R1"))
    assert "License: openrail++" in shown
    new_version = await chat.say("ada", GOOD.replace("v2", "v3"), message_id="ann3")
    assert sends(new_version)[0].card.title.startswith("Review R2: Neon Dreams v3")


async def test_endorse_then_swap_hash_resets_endorsements_and_raises_the_reupload_alert(
    chat: Chat, store: Store
) -> None:
    """Issue 21 item 2: after quorum, `/release edit R1 hashes <someone else's claimed hash>` re-runs
    provenance (claim conflict, alert to moderators and to the earlier claimant), drops the endorsements
    given to the old content, tells the endorsers, moves the release back to review, and is audited."""
    await chat.cmd("eve", f"/claim {OTHER_SHA}")
    await chat.say("ada", GOOD, message_id="ann1")
    await endorsed_to_quorum(chat)
    actions = await chat.cmd("ada", f"/release edit R1 hashes {OTHER_SHA}")
    text = reply_text(actions)
    assert "hashes: 4f1c2b8e" in text and OTHER_SHA in text
    assert "2 endorsements given to the old content were reset" in text
    assert "endorsed → in review" in text
    for endorser in ("bo", "cy"):
        (dm,) = dms(actions, endorser)
        assert "changed after your endorsement" in dm.card.title
    alerts = [a for a in sends(actions) if "Possible re-upload" in a.card.title]
    assert [a.chat.chat_id for a in alerts] == ["releases-mods"]
    assert dms(actions, "eve") and "re-uploaded" in dms(actions, "eve")[0].card.title
    async with store.transaction() as tx:
        release = await tx.releases.get_any(1)
        assert release is not None and release.status == "in_review"
        assert await tx.endorsements.count(1) == 0
        assert [c.value for c in await tx.claims.of_release(1) if c.kind == "sha256"][-1] == OTHER_SHA
        reset = [e for e in await tx.audit_log.events(1) if e.action == "release.endorsements_reset"]
    assert len(reset) == 1 and reset[0].payload["endorsements"] == ["console:bo", "console:cy"]
    assert {"release.edited", "provenance.reupload_suspected"} <= set(await audit_actions(store))


async def test_endorse_then_swap_link_resets_endorsements_and_repeating_it_changes_nothing(
    chat: Chat, store: Store
) -> None:
    """Adding a payload link after quorum voids the endorsements; the same edit again changes nothing."""
    await chat.say("ada", GOOD, message_id="ann1")
    await endorsed_to_quorum(chat)
    actions = await chat.cmd("ada", f"/release edit R1 links https://huggingface.co/ada/neon-dreams, {EVIL}")
    assert "links:" in reply_text(actions) and EVIL in reply_text(actions)
    assert dms(actions, "bo") and dms(actions, "cy")
    assert "reset" in prompt_edits(actions)[0].card.body
    again = await chat.cmd("ada", f"/release edit R1 links https://huggingface.co/ada/neon-dreams, {EVIL}")
    assert "nothing changed" in reply_text(again) and not dms(again, "bo")
    async with store.transaction() as tx:
        assert await tx.endorsements.count(1) == 0
        release = await tx.releases.get_any(1)
        assert release is not None and release.status == "in_review"


async def test_a_change_outside_the_endorsed_content_keeps_the_endorsements(chat: Chat, store: Store) -> None:
    """Trigger words are not what members vouched for: changing them re-checks but keeps the endorsements."""
    await chat.say("ada", GOOD, message_id="ann1")
    await endorsed_to_quorum(chat)
    actions = await chat.cmd("ada", "/release edit R1 trigger_words neondrm, neon")
    assert "trigger words:" in reply_text(actions) and not dms(actions, "bo")
    async with store.transaction() as tx:
        assert await tx.endorsements.count(1) == 2
        release = await tx.releases.get_any(1)
        assert release is not None and release.status == "endorsed"


async def test_an_edited_announcement_that_swaps_the_hash_after_quorum_resets_too(chat: Chat, store: Store) -> None:
    """The same defence holds when the swap is made by editing the announcement message."""
    await chat.cmd("eve", f"/claim {OTHER_SHA}")
    await chat.say("ada", GOOD, message_id="ann1")
    await endorsed_to_quorum(chat)
    actions = await chat.edit("ada", "ann1", GOOD.replace(GOOD[-64:], OTHER_SHA))
    assert dms(actions, "bo") and dms(actions, "cy")
    assert any("Possible re-upload" in a.card.title for a in sends(actions))
    async with store.transaction() as tx:
        assert await tx.endorsements.count(1) == 0
