"""End to end on Discord: the real discord.py client against the fake Discord, a real SQLite store and
the real core. Review prompts, threads, buttons, the context menu, permissions (the Flag and Review forms:
test_discord_forms)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.discord.commands import CHECK_MENU
from tests.fakes.discord.harness import GOOD, World, discord_world, payloads_of, release_id_of
from tests.fakes.discord.interactions import context_menu, press, response_to, slash
from tests.fakes.discord.payloads import FakeUser

pytestmark = pytest.mark.e2e


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path) as world:
        yield world


async def test_announcement_gets_a_prompt_with_buttons_and_a_thread(w: World) -> None:
    """An announcement gets a review prompt embed replying to it, with Endorse/Flag/Review and a thread."""
    announcement, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    assert prompt["channel_id"] == str(w.releases.id)
    assert prompt["message_reference"]["message_id"] == announcement["id"]
    assert payloads_of(prompt) == [f"nb1:endorse:{rid}", f"nb1:flag:{rid}", f"nb1:review:{rid}"]
    assert prompt["embeds"][0]["title"].startswith(f"Review R{rid}")
    thread = await w.fake.rec.wait_for("POST", rf"/channels/{w.releases.id}/messages/{prompt['id']}/threads")
    assert thread.body["name"] == f"Review R{rid}: Neon Dreams"
    assert [t.id for t in w.fake.threads(w.guild)] == [int(prompt["id"])]


EPHEMERAL = 1 << 6


async def test_endorse_button_records_the_endorsement_and_edits_the_prompt(w: World) -> None:
    """Pressing Endorse records it in the store, answers ephemerally and edits the prompt in place."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    mark = w.fake.rec.mark()
    interaction = await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[0])
    answer = await response_to(w.fake, interaction)
    assert answer.body["type"] == 4 and answer.body["data"]["flags"] & EPHEMERAL
    assert f"Endorsements on R{rid}: 1 of" in answer.body["data"]["embeds"][0]["description"]
    edit = await w.fake.rec.wait_for("PATCH", rf"/channels/{w.releases.id}/messages/{prompt['id']}", after=mark)
    assert edit.ok
    fields = {f["name"]: f["value"] for f in w.fake.messages[int(prompt["id"])]["embeds"][0]["fields"]}
    assert fields["Endorsements"].startswith("1 of ")
    assert payloads_of(w.fake.messages[int(prompt["id"])]) == payloads_of(prompt)  # buttons survive the edit
    assert w.adapter.client is not None
    assert not w.adapter.client._connection._view_store._views  # presses go to the dynamic item, nothing kept
    assert await w.endorsements(rid) == 1


async def test_moderator_checks_a_message_with_the_context_menu(w: World) -> None:
    """A moderator's "Check against norms" on an announcement re-checks that release."""
    announcement, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    answer = await response_to(w.fake, await context_menu(w.fake, w.releases, w.mia, CHECK_MENU, announcement))
    assert answer.body["type"] == 4
    embed = answer.body["data"]["embeds"][0]
    assert embed["title"] == f"R{rid} meets every automatic norm"
    assert answer.body["data"]["flags"] & EPHEMERAL  # a summary for the moderator; the creator is told apart


async def test_non_moderator_is_refused_ephemerally(w: World) -> None:
    """A member without Manage Server or a moderator role gets an ephemeral refusal; nothing is posted."""
    announcement, _ = await w.announce(w.alice)
    mark = w.fake.rec.mark()
    answer = await response_to(w.fake, await context_menu(w.fake, w.releases, w.carol, CHECK_MENU, announcement))
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert answer.body["data"]["embeds"][0]["title"] == "Not allowed"
    await w.idle()
    assert w.fake.rec.find("POST", r"/channels/\d+/messages", after=mark) == []


async def test_forged_custom_id_is_refused(w: World) -> None:
    """A payload naming an unknown action or a foreign prefix is refused ephemerally, nothing recorded."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    for forged in (f"nb1:approve:{rid}", f"nb1:endorse:{rid}:x' OR 1=1", "admin:endorse"):
        message = {
            **prompt,
            "components": [{"type": 1, "components": [{"type": 2, "style": 2, "label": "x", "custom_id": forged}]}],
        }
        answer = await response_to(w.fake, await press(w.fake, w.releases, w.bob, message, forged))
        assert answer.body["data"]["flags"] & EPHEMERAL, forged
        assert "not valid" in answer.body["data"]["embeds"][0]["description"], forged
    assert await w.endorsements(rid) == 0


async def test_three_flags_alert_the_moderators_who_decide_with_buttons(w: World) -> None:
    """At the flag threshold an alert with Uphold/Dismiss buttons goes to the mod channel; only a
    moderator's press decides the flag, and the alert is edited in place."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    dave = w.fake.add_user(FakeUser(w.fake.ids.next(), "dave"), guild=w.guild)
    mark = w.fake.rec.mark()
    for member in (w.bob, w.carol, dave):
        interaction = await slash(
            w.fake, w.chat, member, "flag", release=f"R{rid}", norm="credit-base-model", reason=f"{member.name} says no"
        )
        await response_to(w.fake, interaction)
    call = await w.fake.rec.wait_for("POST", rf"/channels/{w.mods_channel.id}/messages", after=mark)
    alert = w.fake.messages[int(call.result["id"])]
    assert "has 3 open flags" in alert["embeds"][0]["title"]
    uphold = payloads_of(alert)[0]
    assert uphold.startswith(f"nb1:uphold:{rid}:")
    await w.posted(f"alert:{rid}")
    refused = await response_to(w.fake, await press(w.fake, w.mods_channel, w.carol, alert, uphold))
    assert refused.body["data"]["flags"] & EPHEMERAL
    assert refused.body["data"]["embeds"][0]["title"] == "Not allowed"
    mark = w.fake.rec.mark()
    await response_to(w.fake, await press(w.fake, w.mods_channel, w.mia, alert, uphold))
    await w.fake.rec.wait_for("PATCH", rf"/channels/{w.mods_channel.id}/messages/{alert['id']}", after=mark)
    async with w.store.transaction() as tx:
        states = sorted(f.status for f in await tx.flags.of_release(rid))
    assert states.count("upheld") == 1 and states.count("open") == 2


async def test_a_burst_of_announcements_is_handled_in_channel_order(w: World) -> None:
    """Five announcements sent back to back become R1..R5 in the order they were posted."""
    names = ["Amber", "Birch", "Cedar", "Delta", "Ember"]
    sent = [await w.fake.say(w.releases, w.alice, GOOD.replace("Neon", name)) for name in names]
    prompts = [await w.prompt_for(message) for message in sent]
    assert [release_id_of(p) for p in prompts] == [1, 2, 3, 4, 5]
    assert [p["embeds"][0]["title"].split(": ")[1].split(" ")[0] for p in prompts] == names
