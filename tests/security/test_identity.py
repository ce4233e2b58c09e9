"""Identity: a config's `platform:@handle` names the platform's unique handle, never a display name.

The attack (issue 21, item 1): on Telegram a user without a @username used to be matched by their full
name, so anyone who set their first name to "realmia" was a moderator where the config listed
`telegram:@realmia`. Tested in the core and through the real python-telegram-bot client against the fake.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import _load_areas
from bot.cli.app import app
from moderation.kernel.community import CommunityConfig
from moderation.kernel.events import Actor
from moderation.kernel.permissions import Privilege, resolve_privilege
from storage import Store
from tests.fakes.telegram.harness import telegram_world
from tests.fakes.telegram.payloads import FakeUser

runner = CliRunner()
_load_areas()
CONFIG = CommunityConfig(slug="c", name="C", moderators=frozenset({"telegram:@realmia"}))


def test_a_display_name_is_never_a_handle() -> None:
    impostor = Actor("telegram", "666", "realmia")  # no @username: the name is only what they typed
    assert resolve_privilege(impostor, CONFIG) is Privilege.MEMBER
    real = Actor("telegram", "42", "Mia", handle="RealMia")
    assert resolve_privilege(real, CONFIG) is Privilege.MODERATOR
    by_id = CommunityConfig(slug="c", name="C", moderators=frozenset({"telegram:42"}))
    assert resolve_privilege(Actor("telegram", "42", "whatever"), by_id) is Privilege.MODERATOR


async def _cli(*args: str) -> Result:
    """The CLI runs its own event loop: call it from a thread, as an operator's shell would be separate."""
    return await asyncio.to_thread(runner.invoke, app, list(args))


def test_a_handle_pinned_to_another_account_grants_nothing() -> None:
    real = Actor("telegram", "4242", "Mia", handle="realmia")
    assert resolve_privilege(real, CONFIG, by_handle=False) is Privilege.MEMBER
    assert resolve_privilege(real, CONFIG) is Privilege.MODERATOR


async def test_telegram_impostor_with_a_moderators_name_is_refused(tmp_path: Path) -> None:
    """Through the Telegram client: the impostor (first name "realmia", no username) is refused a moderators'
    command; the account whose @username is realmia runs it."""
    async with telegram_world(tmp_path, moderators=frozenset({"telegram:@realmia"})) as w:
        impostor = w.fake.add_user(FakeUser(1011, "realmia", None))
        real = w.fake.add_user(FakeUser(1010, "Mia", "realmia"))
        refused = await w.command(w.group, impostor, "/queue")
        assert refused.text.startswith("Not allowed") and "Only moderators can use /queue" in refused.text
        _, allowed = await w.privately(w.group, real, "/queue")  # the queue is for the moderator alone
        assert allowed.text.startswith("Moderation queue")


async def test_a_handle_is_pinned_to_the_first_id_and_a_new_holder_gets_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the Telegram client: @realmia (id 1010) is a moderator and the handle is pinned to 1010 (stored,
    audited, logged once with the id to write in the config). Mia then gives the username up and another account
    (id 2020) takes it: it is refused. `normbot handles` shows the pin; after `normbot handles unpin` the next
    account seen with the handle is pinned instead."""
    async with telegram_world(tmp_path, moderators=frozenset({"telegram:@realmia"})) as w:
        real = w.fake.add_user(FakeUser(1010, "Mia", "realmia"))
        with caplog.at_level(logging.INFO, logger="normbot.permissions"):
            for _ in range(2):
                _, answer = await w.privately(w.group, real, "/queue")  # the queue is for the moderator alone
                assert answer.text.startswith("Moderation queue")
        pinned = [r.getMessage() for r in caplog.records if "pinned to user id" in r.getMessage()]
        assert pinned == [
            "config handle telegram:@realmia pinned to user id 1010 (name it as telegram:1010 to say so in the config)"
        ]
        successor = w.fake.add_user(FakeUser(2020, "Mia", "realmia"))  # the username changed hands
        refused = await w.command(w.group, successor, "/queue")
        assert refused.text.startswith("Not allowed")
        async with w.store.transaction() as tx:
            (c,) = await tx.communities.all()
            assert [e.action for e in await tx.audit_log.events(c.id)].count("identity.handle_pinned") == 1
    db = ["--db", f"sqlite+aiosqlite:///{tmp_path}/t.db"]
    shown = await _cli("handles", *db)
    assert shown.exit_code == 0 and "telegram:@realmia -> telegram:1010" in shown.stdout
    assert (await _cli("handles", "unpin", "telegram:@realmia", *db)).exit_code == 0
    assert "no handle is pinned" in (await _cli("handles", *db)).stdout
    again = await _cli("handles", "unpin", "telegram:@realmia", *db)
    assert again.exit_code == 2 and "not pinned" in again.stderr
    assert (await _cli("handles", "unpin", "realmia", *db)).exit_code == 2


async def test_pins_race_to_one_account(store: Store) -> None:
    """Two replicas that see the handle at once pin one id (the unique constraint decides), on both stores."""
    from datetime import UTC, datetime

    now = datetime(2026, 12, 5, tzinfo=UTC)
    async with store.transaction() as tx:
        assert await tx.accounts.pin_handle("telegram", "@RealMia", "1010", now) == ("1010", True)
    async with store.transaction() as tx:
        assert await tx.accounts.pin_handle("telegram", "realmia", "2020", now) == ("1010", False)
