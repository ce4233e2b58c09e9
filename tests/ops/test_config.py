"""Configuration errors name the file and the setting; secrets stay masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Secret, load_settings


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "normbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_builds_core_communities(tmp_path: Path) -> None:
    """Chats, spaces and people become the core's CommunityConfig."""
    path = _write(
        tmp_path,
        """
[[communities]]
slug = "pixel-forge"
name = "Pixel Forge"
moderators = ["discord:123", "console:@Mia"]
moderator_roles = ["Moderator"]
spaces = ["discord:999"]
[[communities.chats]]
platform = "telegram"
chat_id = -1001234567890
role = "review"
""",
    )
    (c,) = load_settings(path).core_communities()
    assert c.moderators == {"discord:123", "console:@mia"}
    assert c.moderator_roles == {"moderator"}
    assert c.spaces == {("discord", "999")}
    assert c.chats[0].chat_id == "-1001234567890" and c.chats[0].role == "review"


def test_unknown_setting_is_named_with_the_file(tmp_path: Path) -> None:
    """A typo in a key is reported as file: path: message."""
    path = _write(tmp_path, '[[communities]]\nslug = "a"\nname = "A"\nmoderatrs = []\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(path) in str(info.value) and "communities.0.moderatrs" in str(info.value)


def test_broken_toml_gives_line_and_column(tmp_path: Path) -> None:
    """TOML syntax errors keep tomllib's position."""
    path = _write(tmp_path, "[store\nurl = 1\n")
    with pytest.raises(ConfigError, match=r"line 1"):
        load_settings(path)


def test_duplicate_slug_is_refused(tmp_path: Path) -> None:
    """Two communities cannot share a slug."""
    path = _write(tmp_path, '[[communities]]\nslug="a"\nname="A"\n[[communities]]\nslug="a"\nname="B"\n')
    with pytest.raises(ConfigError, match="used twice"):
        load_settings(path)


def test_missing_required_file(tmp_path: Path) -> None:
    """An explicitly named config that does not exist is an error that says how to create one."""
    with pytest.raises(ConfigError, match="normbot init"):
        load_settings(tmp_path / "nope.toml", required=True)


def test_tokens_come_from_the_environment_and_are_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DISCORD_TOKEN is read from the environment and never shows in repr."""
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.secret-token-value")
    token = load_settings(tmp_path / "none.toml").discord_token()
    assert isinstance(token, Secret) and token.get() == "MTIz.secret-token-value"
    assert "secret" not in repr(token) and "secret" not in str(token) and "secret" not in f"{token}"
