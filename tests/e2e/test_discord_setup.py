"""End to end on Discord: `/setup` as a moderator meets it (issue 23, item 1). The real discord.py client
against the fake Discord: an ephemeral message with a channel select each for the review, moderators' and log
channels, a role select for reviewer roles, and a second page of string selects; each choice saved through
the core and the message redrawn in place; members refused; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Store
from tests.fakes.discord.harness import World, discord_world
from tests.fakes.discord.interactions import pick, press, response_to, select, slash
from tests.fakes.discord.payloads import JSON

pytestmark = pytest.mark.e2e
EPHEMERAL = 1 << 6
CHANNEL_SELECT, ROLE_SELECT, STRING_SELECT = 8, 6, 3


@pytest.fixture
async def w(tmp_path: Path, store: Store) -> AsyncIterator[World]:
    async with discord_world(tmp_path, store=store) as world:
        yield world


def components(message: JSON) -> dict[str, JSON]:
    """Every component of a message by custom id."""
    return {c["custom_id"]: c for row in message.get("components", []) for c in row.get("components", [])}


def field(message: JSON, name: str) -> str:
    found = [f["value"] for f in message["embeds"][0]["fields"] if f["name"] == name]
    assert found, [f["name"] for f in message["embeds"][0]["fields"]]
    return str(found[0])


async def shown(w: World, interaction: JSON) -> JSON:
    call = await response_to(w.fake, interaction)
    assert call.ok, call.result
    assert call.body["type"] in (4, 7), call.body
    message = call.result["resource"]["message"]
    assert message["flags"] & EPHEMERAL
    return w.fake.messages[int(message["id"])]


async def test_setup_pickers_save_each_choice_and_redraw_the_message(w: World) -> None:
    """Page 1: channel selects and a role select; choosing #general as review channel and the Reviewers role
    saves both (audited) and redraws the message; page 2: quorum 1 from a string select is in force."""
    message = await shown(w, await slash(w.fake, w.releases, w.mia, "setup"))
    parts = components(message)
    assert parts["nbs1:s:review-chat"]["type"] == CHANNEL_SELECT
    assert parts["nbs1:s:mod-chat"]["type"] == CHANNEL_SELECT
    defaults = [(str(d["id"]), d["type"]) for d in parts["nbs1:s:mod-chat"]["default_values"]]
    assert defaults == [(str(w.mods_channel.id), "channel")]  # the file's moderators' channel, pre-selected
    assert parts["nbs1:s:reviewer-roles"]["type"] == ROLE_SELECT
    assert field(message, "Review chat").startswith("not set")
    reviewers = next(r for r in w.guild.roles if r.name == "Reviewers")
    message = await shown(w, await pick(w.fake, w.releases, w.mia, message, "nbs1:s:review-chat", [str(w.chat.id)]))
    assert field(message, "Review chat").startswith(f"<#{w.chat.id}>")
    assert "Review chat: the file’s value → " in message["embeds"][0]["description"]
    roles = [str(reviewers.id)]
    message = await shown(w, await pick(w.fake, w.releases, w.mia, message, "nbs1:s:reviewer-roles", roles))
    assert field(message, "Reviewer roles").startswith(f"<@&{reviewers.id}>")
    assert w.core.communities["makers"].reviewer_roles == frozenset({str(reviewers.id)})
    page2 = await shown(w, await press(w.fake, w.releases, w.mia, message, "nbs1:p:1"))
    quorum = components(page2)["nbs1:s:quorum"]
    assert quorum["type"] == STRING_SELECT and [o["value"] for o in quorum["options"] if o.get("default")] == ["2"]
    page2 = await shown(w, await select(w.fake, w.releases, w.mia, page2, "nbs1:s:quorum", ["1"]))
    assert field(page2, "Quorum").startswith("1 · set with /setup")
    assert w.core.communities["makers"].quorum == 1
    assert any(c.chat_id == str(w.chat.id) and c.role == "review" for c in w.core.communities["makers"].chats)
    async with w.store.transaction() as tx:
        cid = (await tx.communities.by_slug("makers")).id  # type: ignore[union-attr]
        changed = [e.subject for e in await tx.audit_log.events(cid) if e.action == "community.setting_changed"]
    assert changed == ["setting:review_chat", "setting:reviewer_roles", "setting:quorum"]


async def test_members_are_refused_and_nothing_changes(w: World) -> None:
    """A member's /setup, and a member's pick on a moderator's settings message, are refused ephemerally."""
    refused = await response_to(w.fake, await slash(w.fake, w.releases, w.carol, "setup"))
    assert refused.body["data"]["flags"] & EPHEMERAL
    assert refused.body["data"]["embeds"][0]["title"] == "Not allowed"
    message = await shown(w, await slash(w.fake, w.releases, w.mia, "setup"))
    answer = await response_to(
        w.fake, await pick(w.fake, w.releases, w.carol, message, "nbs1:s:review-chat", [str(w.chat.id)])
    )
    assert answer.body["data"]["embeds"][0]["title"] == "Not allowed"
    async with w.store.transaction() as tx:
        assert await tx.settings.all() == []


async def test_typed_setup_with_a_bad_value_gets_a_helpful_answer(w: World) -> None:
    """The slash command's options work too; a bad value is answered with what would work."""
    answer = await response_to(w.fake, await slash(w.fake, w.releases, w.mia, "setup", setting="quorum", value="0"))
    assert "from 1 to 50" in answer.body["data"]["embeds"][0]["description"]
    message = await shown(w, await slash(w.fake, w.releases, w.mia, "setup", setting="review-window", value="48h"))
    assert "Review window: " in message["embeds"][0]["description"]
    assert w.core.communities["makers"].review_window is not None
