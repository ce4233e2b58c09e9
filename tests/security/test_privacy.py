"""export-my-data and forget-me through the real core, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from sqlalchemy import select

from moderation.kernel.actions import DirectMessage
from moderation.kernel.commands import resolve_name
from moderation.privacy.commands import MAX_EXPORT_CHARS
from storage import Store
from storage.models import Account, Endorsement, Flag, LinkCode, ReviewAnswer
from tests.core.harness import GOOD, Chat, reply_text

SECRET_REASON = "zyx-personal-reason-9931 about a friend"
SECRET_NOTE = "qwv-endorse-note-4410"
REVIEW_NOTE = "kkp-review-note-7789"


async def _busy_member(chat: Chat) -> None:
    """bo endorses, flags and reviews with personal text; bo's flag is decided with a note; bo asks a link code."""
    await chat.say("ada", GOOD, message_id="ann1")
    await chat.cmd("bo", f"/endorse R1 {SECRET_NOTE}")
    await chat.cmd("bo", f"/flag R1 credit-base-model {SECRET_REASON}")
    await chat.cmd("rex", f"/review R1 harm-real-person-consent=no {REVIEW_NOTE}")
    await chat.cmd("bo", "/link")


async def _dm(actions: Sequence[object]) -> DirectMessage:
    dms = [a for a in actions if isinstance(a, DirectMessage)]
    assert len(dms) == 1
    return dms[0]


async def test_export_my_data_is_a_dm_with_json(chat: Chat) -> None:
    """The member gets their endorsements and flags as JSON in a DM (no chat fallback), and an ephemeral note."""
    await _busy_member(chat)
    actions = await chat.cmd("bo", "/export-my-data")
    dm = await _dm(actions)
    assert (dm.platform, dm.user_id) == ("console", "bo")
    assert dm.fallback_chat is None
    data = json.loads(dm.card.body)
    assert data["accounts"][0]["user_id"] == "bo"
    assert data["endorsements"]["items"][0]["note"] == SECRET_NOTE
    assert data["flags"]["items"][0]["reason"] == SECRET_REASON
    assert data["flags"]["total"] == 1
    assert {e["action"] for e in data["audit_events"]["items"]} >= {"endorsement.added", "flag.filed"}
    assert "direct message" in reply_text(actions)
    # Another member's data is not in bo's export.
    assert REVIEW_NOTE not in dm.card.body


async def test_export_is_bounded_for_a_heavy_member(chat: Chat, clock: object) -> None:
    """Hundreds of rows still fit one message; totals tell what was cut."""
    for i in range(40):
        await chat.say(f"maker{i}", f"Releasing Model{i} v1, a LoRA for SDXL 1.0. License: openrail++.")
    for i in range(1, 41):
        await chat.cmd("bo", f"/endorse R{i} {'long note ' * 40}"[:500])
    dm = await _dm(await chat.cmd("bo", "/export-my-data"))
    assert len(dm.card.body) <= MAX_EXPORT_CHARS
    data = json.loads(dm.card.body)
    assert data["endorsements"]["total"] == 40
    assert len(data["endorsements"]["items"]) < 40


async def test_forget_me_asks_for_confirmation_first(chat: Chat, store: Store) -> None:
    await _busy_member(chat)
    text = reply_text(await chat.cmd("bo", "/forget-me"))
    assert "/forget-me confirm" in text
    async with store.transaction() as tx:
        account = (await tx.s.execute(select(Account).where(Account.user_id == "bo"))).scalar_one()
        assert account.display_name == "bo" and not account.redacted


async def test_forget_me_redacts_personal_data_and_keeps_the_chain(chat: Chat, store: Store) -> None:
    """Name, flag reason, notes and link codes go; rows that others depend on stay; the chain verifies."""
    await _busy_member(chat)
    await chat.cmd("mia", "/resolve F1 dismissed bo's friend is named here")  # a moderator note (not bo's)
    await chat.cmd("rex", "/forget-me confirm")
    text = reply_text(await chat.cmd("bo", "/forget-me confirm"))
    assert "Forgotten" in text
    async with store.transaction() as tx:
        bo = (await tx.s.execute(select(Account).where(Account.user_id == "bo"))).scalar_one()
        assert bo.display_name == "[redacted]" and bo.redacted
        flag = (await tx.s.execute(select(Flag))).scalar_one()
        assert flag.reason == "[redacted]" and flag.status == "dismissed"
        endorsement = (await tx.s.execute(select(Endorsement))).scalar_one()
        assert endorsement.note == ""
        answers = list((await tx.s.execute(select(ReviewAnswer))).scalars())
        assert answers and all(a.note == "" for a in answers)
        assert not list((await tx.s.execute(select(LinkCode))).scalars())
        assert await tx.audit_log.verify() == []
        events = await tx.audit_log.events(1)
        forgotten = [e for e in events if e.action == "privacy.forgotten"]
        assert [e.subject for e in forgotten] == ["console:rex", "console:bo"]
        assert forgotten[1].payload["flag_reasons"] == 1
        # No audit payload carries the member's own text.
        dumped = json.dumps([e.payload for e in events])
        for secret in (SECRET_REASON, SECRET_NOTE, REVIEW_NOTE):
            assert secret not in dumped
    # A later message under the same account does not bring the name back.
    await chat.cmd("bo", "/help")
    async with store.transaction() as tx:
        bo = (await tx.s.execute(select(Account).where(Account.user_id == "bo"))).scalar_one()
        assert bo.display_name == "[redacted]"


async def test_forget_me_reaches_linked_accounts(chat: Chat, store: Store) -> None:
    """A person who linked two accounts is forgotten on both."""
    dm = await _dm(await chat.cmd("bo", "/link"))  # the one-time code comes by DM
    found = re.search(r"\b[A-HJ-NP-Z2-9]{8}\b", dm.card.as_text())
    assert found is not None, dm.card.as_text()
    code = found.group(0)
    other = Chat(chat.core, chat.clock, platform="console", chat_id="releases")
    await other.cmd("bo2", f"/link {code}")
    await chat.cmd("bo2", "/forget-me confirm")
    async with store.transaction() as tx:
        names = {a.user_id: a.display_name for a in (await tx.s.execute(select(Account))).scalars()}
    assert names["bo"] == names["bo2"] == "[redacted]"


def test_privacy_commands_resolve_from_telegram_names() -> None:
    """Telegram registers `forget-me` as /forget_me (names are [a-z0-9_]); typing that must find the command."""

    assert resolve_name("forget_me", "confirm")[0].name == "forget-me"
    assert resolve_name("/export_my_data@normbot", "")[0].name == "export-my-data"
