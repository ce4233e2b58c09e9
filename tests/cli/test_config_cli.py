"""`normbot init` asks (or takes flags) and `normbot config show` says where each value came from."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import _load_areas, app
from bot.config import load_settings
from bot.wiring import build_core
from moderation.kernel.events import Actor, ChatRef, CommandInvoked
from storage import Store

runner = CliRunner()
_load_areas()


def test_init_asks_the_questions_it_needs(tmp_path: Path) -> None:
    """Without --name, init asks: the name (slug from it), platforms, the Discord server, who you are."""
    answers = "Pixel Forge\n\nboth\n111122223333444455\nmia_mod\n@mia\n"
    result = runner.invoke(app, ["init", str(tmp_path)], input=answers)
    assert result.exit_code == 0, result.output
    config = tomllib.loads((tmp_path / "normbot.toml").read_text(encoding="utf-8"))
    community = config["communities"][0]
    assert community["name"] == "Pixel Forge" and community["slug"] == "pixel-forge"
    assert community["spaces"] == ["discord:111122223333444455"]
    assert community["owners"] == ["discord:@mia_mod", "telegram:@mia"]
    assert "my-community" not in (tmp_path / "normbot.toml").read_text(encoding="utf-8")
    assert (tmp_path / "norms" / "pixel-forge.yaml").is_file()
    assert "send /setup" in result.output
    assert load_settings(tmp_path / "normbot.toml").communities[0].slug == "pixel-forge"  # it validates


def test_init_takes_flags_for_scripts(tmp_path: Path) -> None:
    """With --name nothing is asked; the file validates; bad flags are exit 2 with the flag named."""
    args = ["init", str(tmp_path), "--name", 'The "Quoted" Guild', "--platform", "telegram"]
    result = runner.invoke(app, [*args, "--owner", "telegram:@mia", "--language", "es"])
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "normbot.toml")
    community = settings.communities[0]
    assert community.name == 'The "Quoted" Guild' and community.slug == "the-quoted-guild"
    assert community.owners == ["telegram:@mia"] and community.language == "es" and community.spaces == []
    bad = runner.invoke(app, ["init", str(tmp_path / "x"), "--name", "X", "--platform", "irc"])
    assert bad.exit_code == 2 and "--platform" in bad.output
    bad = runner.invoke(app, ["init", str(tmp_path / "y"), "--name", "Y", "--discord-server", "my server"])
    assert bad.exit_code == 2 and "server id is a number" in bad.output


def test_config_show_names_each_source(tmp_path: Path) -> None:
    """File, store (who and when), norm pack and default, merged as the bot merges them."""
    assert runner.invoke(app, ["init", str(tmp_path), "--name", "Forge", "--owner", "console:mia"]).exit_code == 0
    config = tmp_path / "normbot.toml"
    text = config.read_text(encoding="utf-8").replace('norms = "norms/forge.yaml"', 'norms = "baseline"')
    config.write_text(text, encoding="utf-8")
    db = f"sqlite+aiosqlite:///{tmp_path}/n.db"

    async def change() -> None:
        store = Store.from_url(db)
        try:
            core = await build_core(store, load_settings(config).core_communities(), rules_only=True)
            private = ChatRef("console", "dm-mia", private=True)  # day one: no chat of the community yet
            for line in ("quorum 3", "review-chat reviews"):
                setting, _, value = line.partition(" ")
                options = {"setting": setting, "value": value}
                await core.handle(CommandInvoked(line, private, Actor("console", "mia", "mia"), "setup", "", options))
        finally:
            await store.close()

    before = runner.invoke(app, ["config", "show", "--config", str(config), "--db", db])
    assert before.exit_code == 0, before.output
    assert "not created yet" in before.output and "quorum: 2 ← norm pack baseline" in before.output
    assert "reviewer-roles: reviewer ← file" in before.output and "language: English (en) ← file" in before.output
    asyncio.run(change())
    after = runner.invoke(app, ["config", "show", "--config", str(config), "--db", db])
    assert after.exit_code == 0, after.output
    assert "quorum: 3 ← store (console:mia, " in after.output
    assert "review-window: 3d ← norm pack baseline" in after.output
    assert "review-chat (console): reviews ← store (console:mia, " in after.output
    assert "community forge (Forge)" in after.output
    missing = runner.invoke(app, ["config", "show", "--config", str(config), "--db", db, "--community", "nope"])
    assert missing.exit_code == 2 and "forge" in missing.output
