"""A command that declares a file parameter works on Discord and Telegram with no adapter code naming it: the
Discord tree renders an attachment option, Telegram downloads the document, both within the parameter's limit,
through the real discord.py and PTB clients against the fakes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from moderation.kernel.actions import Action, Card, Reply
from moderation.kernel.commands import COMMANDS, Param, command
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import Attachment, AttachmentConverter
from tests.fakes.discord.harness import discord_world
from tests.fakes.discord.interactions import response_to, slash
from tests.fakes.telegram.harness import telegram_world

pytestmark = pytest.mark.e2e
NAME = "countlines"
LIMIT = 1024
ADAPTERS = Path(__file__).resolve().parents[2] / "bot"


@pytest.fixture
def countlines() -> Iterator[None]:
    """A command no adapter has heard of, with a file parameter, registered before the adapters start."""
    import moderation.core  # noqa: F401  (registers the real commands first)

    @command(NAME, "Count the lines of a text file", Param("file", "A text file", AttachmentConverter(LIMIT)))
    async def count(inv: Invocation, *, file: Attachment) -> list[Action]:
        return [Reply(Card("Counted", f"{file.name}: {len(file.text.splitlines())} lines"), ephemeral=True)]

    try:
        yield
    finally:
        COMMANDS.pop(NAME, None)


def test_no_adapter_names_a_command_with_a_file() -> None:
    """The special cases are gone: no adapter module spells a command name in a string."""
    sources = [p for p in ADAPTERS.rglob("*.py") if p.parts[-2] in ("discord", "telegram")]
    assert sources
    for path in sources:
        code = path.read_text(encoding="utf-8")
        assert not re.search(r"[\"']norms set[\"']", code), path


async def test_a_file_parameter_on_discord(countlines: None, tmp_path: Path) -> None:
    async with discord_world(tmp_path) as w:
        (put,) = w.fake.rec.find("PUT", r"/applications/\d+/guilds/\d+/commands")
        (registered,) = [c for c in put.body if c["name"] == NAME]
        assert [(o["name"], o["type"], o["required"]) for o in registered["options"]] == [("file", 11, True)]
        good = w.fake.add_attachment("three.txt", b"a\nb\nc\n")
        answer = await response_to(w.fake, await slash(w.fake, w.chat, w.bob, NAME, file=good))
        assert "three.txt: 3 lines" in answer.body["data"]["embeds"][0]["description"]
        big = w.fake.add_attachment("big.txt", b"x" * (LIMIT + 1))
        answer = await response_to(w.fake, await slash(w.fake, w.chat, w.bob, NAME, file=big))
        assert "big.txt is larger than 1 KB" in answer.body["data"]["embeds"][0]["description"]
        assert [c.path for c in w.fake.rec.find("GET", r"/attachments/.*")] == [
            f"/attachments/{good['id']}/three.txt"
        ]  # the large one was never downloaded


async def test_a_file_parameter_on_telegram(countlines: None, tmp_path: Path) -> None:
    async with telegram_world(tmp_path) as w:
        doc = w.fake.add_file("two.txt", b"a\nb\n")
        reply = await w.command(w.group, w.bob, None, caption=f"/{NAME}", document=doc)  # type: ignore[arg-type]
        assert "two.txt: 2 lines" in reply.text
        big = w.fake.add_file("big.txt", b"x" * (LIMIT + 1))
        reply = await w.command(w.group, w.bob, None, caption=f"/{NAME}", document=big)  # type: ignore[arg-type]
        assert "big.txt is larger than 1 KB" in reply.text
        assert [c.params["file_id"] for c in w.fake.calls_to("getFile")] == [doc["file_id"]]
        reply = await w.command(w.group, w.bob, f"/{NAME}")
        assert "Attach the file to the command." in reply.text
