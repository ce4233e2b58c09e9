"""Identity: a config's `platform:@handle` names the platform's unique handle, never a display name.

The attack (issue 21, item 1): on Telegram a user without a @username used to be matched by their full
name, so anyone who set their first name to "realmia" was a moderator where the config listed
`telegram:@realmia`. Tested in the core and through the real python-telegram-bot client against the fake.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from moderation.community import CommunityConfig
from moderation.events import Actor
from moderation.permissions import Privilege, resolve_privilege
from tests.fakes.telegram.harness import telegram_world
from tests.fakes.telegram.payloads import FakeUser

CONFIG = CommunityConfig(slug="c", name="C", moderators=frozenset({"telegram:@realmia"}))


def test_a_display_name_is_never_a_handle() -> None:
    impostor = Actor("telegram", "666", "realmia")  # no @username: the name is only what they typed
    assert resolve_privilege(impostor, CONFIG) is Privilege.MEMBER
    real = Actor("telegram", "42", "Mia", handle="RealMia")
    assert resolve_privilege(real, CONFIG) is Privilege.MODERATOR
    by_id = CommunityConfig(slug="c", name="C", moderators=frozenset({"telegram:42"}))
    assert resolve_privilege(Actor("telegram", "42", "whatever"), by_id) is Privilege.MODERATOR


def test_a_handle_match_names_the_id_to_pin_once(caplog: pytest.LogCaptureFixture) -> None:
    real = Actor("telegram", "4242", "Mia", handle="realmia")
    with caplog.at_level(logging.INFO, logger="normbot.permissions"):
        resolve_privilege(real, CONFIG)
        resolve_privilege(real, CONFIG)
    notes = [r.getMessage() for r in caplog.records if "4242" in r.getMessage()]
    assert notes == ["config handle telegram:@realmia matched user id 4242; name it as telegram:4242 to pin it"]


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
