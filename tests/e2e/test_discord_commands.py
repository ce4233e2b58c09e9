"""End to end on Discord: slash commands rendered from COMMANDS, autocomplete, the norm-file attachment,
prompts inside threads, sharding, restarts and DMs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord.commands import MESSAGE_MENUS
from moderation.kernel.commands import COMMANDS
from tests.fakes.discord.harness import World, discord_world, payloads_of, release_id_of
from tests.fakes.discord.interactions import autocomplete, press, response_to, slash, submit_modal

pytestmark = pytest.mark.e2e
EPHEMERAL = 1 << 6
PACK = (
    "schema_version: 1\nid: makers\nversion: 1.0.0\nextends: [baseline]\n"
    "norms:\n  - id: name-the-trigger\n    need: credit\n    title: Name the trigger word\n"
    "    severity: nudge\n    require: [trigger_words]\n"
)


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path) as world:
        yield world


def _option(command: dict[str, Any], *path: str) -> dict[str, Any]:
    node = command
    for name in path:
        node = next(o for o in node.get("options", []) if o["name"] == name)
    return node


async def test_slash_commands_come_from_the_command_definitions(w: World) -> None:
    """One PUT per configured guild with every COMMANDS entry (groups for two words) and the menu."""
    (put,) = w.fake.rec.find("PUT", r"/applications/\d+/guilds/\d+/commands")
    assert put.path.endswith(f"/guilds/{w.guild.id}/commands")
    registered = {c["name"]: c for c in put.body}
    expected = {spec.group or spec.name for spec in COMMANDS.values()} | set(MESSAGE_MENUS)
    assert set(registered) == expected
    assert all(registered[menu]["type"] == 3 for menu in MESSAGE_MENUS)
    subs = {o["name"] for o in registered["release"]["options"]}
    assert subs == {s.name.split(" ", 1)[1] for s in COMMANDS.values() if s.group == "release"}
    status = _option(registered["release"], "list", "status")
    assert [c["value"] for c in status["choices"]] == list(COMMANDS["release list"].params[0].choices)
    assert _option(registered["flag"], "release")["autocomplete"] is True
    assert _option(registered["flag"], "norm")["autocomplete"] is True
    assert _option(registered["flag"], "reason")["required"] is True
    assert _option(registered["norms"], "set", "file")["type"] == 11  # an attachment
    assert all(c.get("contexts") in (None, [0]) or c.get("dm_permission") is False for c in put.body)


async def test_autocomplete_offers_releases_and_norms(w: World) -> None:
    """Typing a release or a norm option is answered from the core's suggestions."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    answer = await response_to(w.fake, await autocomplete(w.fake, w.releases, w.bob, "flag", "release", release="neo"))
    assert answer.body["type"] == 8
    assert [c["value"] for c in answer.body["data"]["choices"]] == [f"R{rid}"]
    answer = await response_to(
        w.fake, await autocomplete(w.fake, w.releases, w.bob, "flag", "norm", release=f"R{rid}", norm="credit-base")
    )
    values = [c["value"] for c in answer.body["data"]["choices"]]
    assert "credit-base-model" in values and all("credit-base" in v for v in values)


async def test_slash_endorse_with_a_release_option(w: World) -> None:
    """`/endorse release:R1` endorses that release and answers ephemerally."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    answer = await response_to(w.fake, await slash(w.fake, w.chat, w.bob, "endorse", release=f"R{rid}"))
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert await w.endorsements(rid) == 1
    bad = await response_to(w.fake, await slash(w.fake, w.chat, w.bob, "endorse", release="yesterday's"))
    assert "should be an id like R12" in bad.body["data"]["embeds"][0]["description"]


async def test_norms_set_reads_the_attachment(w: World) -> None:
    """A moderator's `/norms set file:<yaml>` adopts it; over 256 KB is refused without downloading."""
    good = w.fake.add_attachment("makers.yaml", PACK.encode())
    answer = await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "norms set", file=good))
    assert "Norms updated to makers 1.0.0" in str(answer.body["data"]["embeds"][0])
    async with w.store.transaction() as tx:
        (community,) = await tx.communities.all()
        (revision,) = await tx.pack_revisions.all(community.id)
    assert revision.source == PACK
    downloads = w.fake.rec.find("GET", r"/attachments/.*")
    assert [c.path for c in downloads] == [f"/attachments/{good['id']}/makers.yaml"]
    big = w.fake.add_attachment("huge.yaml", b"#" * (256 * 1024 + 1))
    answer = await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "norms set", file=big))
    assert "larger than 256 KB" in answer.body["data"]["embeds"][0]["description"]
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert len(w.fake.rec.find("GET", r"/attachments/.*")) == 1
    binary = w.fake.add_attachment("pack.yaml", b"\xff\xfe\x00binary")
    answer = await response_to(w.fake, await slash(w.fake, w.chat, w.mia, "norms set", file=binary))
    assert "not UTF-8" in answer.body["data"]["embeds"][0]["description"]


async def test_an_announcement_in_a_thread_is_prompted_in_that_thread(w: World) -> None:
    """A release posted in a thread of a watched channel gets its prompt in the same thread, no new one."""
    thread = await w.fake.add_thread(w.guild, w.releases, "showcase")
    announcement, prompt = await w.announce(w.alice, channel=thread)
    assert prompt["channel_id"] == str(thread.id)
    assert w.fake.rec.find("POST", r"/channels/\d+/messages/\d+/threads") == []
    async with w.store.transaction() as tx:
        (posted,) = await tx.posted.under_key(f"prompt:{release_id_of(prompt)}")
    assert (posted.chat_id, posted.thread_id) == (str(w.releases.id), str(thread.id))
    assert announcement["channel_id"] == str(thread.id)


async def test_buttons_work_after_a_restart(w: World) -> None:
    """A prompt posted before a restart still endorses: the payload, not the process, holds the state."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    await w.adapter.stop()
    assert not w.adapter.connected
    await w.adapter.start()
    assert len(w.fake.gateway.identifies) == 2
    await response_to(w.fake, await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[0]))
    assert await w.endorsements(rid) == 1


async def test_sharded_client_connects_through_gateway_bot(tmp_path: Path) -> None:
    """`sharded = true` uses AutoShardedClient, which asks /gateway/bot and identifies with a shard."""
    async with discord_world(tmp_path, sharded=True) as w:
        assert w.fake.rec.find("GET", r"/gateway/bot")
        assert w.fake.gateway.identifies[0]["shard"] == [0, 1]
        assert w.adapter.connected
        _, prompt = await w.announce(w.alice)
        assert payloads_of(prompt)


async def test_creator_nudge_is_a_dm_or_a_channel_fallback(w: World) -> None:
    """Missing fields are DMed to the creator; when DMs are closed the nudge goes to the channel."""
    sparse = "New LoRA: Quiet Fox v1 https://example.org/fox"
    mark = w.fake.rec.mark()
    await w.announce(w.alice, sparse)
    dm = await w.fake.rec.wait_for("POST", r"/users/@me/channels", after=mark)
    assert dm.body["recipient_id"] in (w.alice.id, str(w.alice.id))
    await w.fake.rec.wait_for("POST", rf"/channels/{dm.result['id']}/messages", after=mark)
    w.fake.close_dms(w.carol)
    mark = w.fake.rec.mark()
    await w.announce(w.carol, sparse.replace("Quiet Fox", "Loud Owl"))
    refused = await w.fake.rec.wait_for("POST", r"/channels/\d+/messages", lambda c: c.status == 403, after=mark)
    fallback = await w.fake.rec.wait_for(
        "POST", rf"/channels/{w.releases.id}/messages", lambda c: c.index > refused.index, after=mark
    )
    assert fallback.ok


async def test_gateway_reconnect_request_keeps_the_bot_working(w: World) -> None:
    """Op 7 from the server: the client resumes the same session and keeps handling events."""
    await w.fake.gateway.reconnect()
    await w.fake.gateway.wait(lambda: len(w.fake.gateway.resumes) == 1 and bool(w.fake.gateway.live()))
    _, prompt = await w.announce(w.alice)
    assert payloads_of(prompt)
    assert len(w.fake.gateway.identifies) == 1


async def test_a_modal_of_the_first_layout_can_still_be_submitted(w: World) -> None:
    """A flag modal of the first layout (`nbf:flag:R1`, the norm typed), opened before an upgrade, still
    flags after it; a custom id naming no form is refused."""
    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    inputs = [("norm", "Which norm does it break?"), ("reason", "What is wrong?")]
    modal = {
        "custom_id": f"nbf:flag:R{rid}",
        "title": f"Flag R{rid}",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": name, "label": label, "style": 1}]}
            for name, label in inputs
        ],
    }
    await w.adapter.stop()
    await w.adapter.start()
    values = {"norm": "credit-base-model", "reason": "submitted after the restart"}
    answer = await response_to(w.fake, await submit_modal(w.fake, w.releases, w.bob, modal, values))
    assert answer.body["type"] == 4
    assert await w.flags(rid) == [("credit-base-model", "submitted after the restart")]
    forged = {**modal, "custom_id": "nbf:resolve:R1 x"}
    answer = await response_to(w.fake, await submit_modal(w.fake, w.releases, w.bob, forged, values))
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert "not valid" in answer.body["data"]["embeds"][0]["description"]


async def test_without_discord_spaces_commands_are_registered_globally(tmp_path: Path) -> None:
    """No `discord:<guild>` space configured: one global bulk PUT, no per-guild one."""
    async with discord_world(tmp_path, spaces=False) as w:
        (put,) = w.fake.rec.find("PUT", r"/applications/\d+/commands")
        assert {c["name"] for c in put.body} == {s.group or s.name for s in COMMANDS.values()} | set(MESSAGE_MENUS)
        assert w.fake.rec.find("PUT", r"/applications/\d+/guilds/\d+/commands") == []
        assert w.adapter.synced_guilds == []


async def test_a_slow_core_is_deferred_then_answered_by_followup(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the core needs longer than `defer_after`, the press is acknowledged at once (type 6) and the
    answer comes as an ephemeral followup; a slow slash command shows "thinking" (type 5) first."""
    import asyncio

    _, prompt = await w.announce(w.alice)
    rid = release_id_of(prompt)
    handle = w.core.handle
    gate = asyncio.Event()

    async def slow(event: Any) -> Any:
        await gate.wait()
        return await handle(event)

    monkeypatch.setattr(w.core, "handle", slow)
    w.adapter.defer_after = 0.05
    interaction = await press(w.fake, w.releases, w.bob, prompt, payloads_of(prompt)[0])
    first = await response_to(w.fake, interaction)
    assert first.body["type"] == 6  # deferred update: nothing shown yet, and no "interaction failed"
    gate.set()
    followup = await w.fake.rec.wait_for("POST", rf"/webhooks/\d+/{interaction['token']}")
    assert followup.body["flags"] & EPHEMERAL
    assert f"Endorsements on R{rid}: 1 of" in followup.body["embeds"][0]["description"]
    assert await w.endorsements(rid) == 1
    gate.clear()
    command = await slash(w.fake, w.chat, w.carol, "release show", release=f"R{rid}")
    first = await response_to(w.fake, command)
    assert first.body["type"] == 5 and first.body["data"]["flags"] & EPHEMERAL
    gate.set()
    followup = await w.fake.rec.wait_for("POST", rf"/webhooks/\d+/{command['token']}")
    assert followup.body["embeds"]
