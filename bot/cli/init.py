"""`normbot init`: a starter config and a norm file that extends the baseline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._async import fail
from bot.cli.app import app

CONFIG_TEMPLATE = """\
# normbot configuration. Secrets never go here: DISCORD_TOKEN, TELEGRAM_TOKEN and
# NORMBOT_DATABASE_URL (if it holds a password) come from the environment.

[store]
# url = "postgresql://normbot@db/normbot"   # default: ./data/normbot.db (SQLite)
# max_units = 4   # PostgreSQL: transactions in flight per process; more for a distant database

[log]
format = "text"   # or "json"
level = "INFO"

[health]
# listen = "127.0.0.1:9464"   # /healthz and /metrics

[[communities]]
slug = "{slug}"
name = {name}
norms = "{norms}"             # a file, or a built-in pack name such as "baseline"
language = "{language}"              # en | zh | ja | ru | es
owners = [{owners}]   # who may run /setup (also in a private chat with the bot); ids or "platform:@handle"
moderators = []               # "discord:<user id>", "telegram:<user id>"
moderator_roles = ["Moderator"]
reviewer_roles = ["Reviewer"]
spaces = [{spaces}]                   # "discord:<guild id>": every channel of the server belongs here

# Chats are set from chat: run /setup as a moderator (Discord: in the server; Telegram: in a private
# chat with the bot, which gives you "add to group" links), or name them here:
# [[communities.chats]]
# platform = "discord"        # or "telegram"
# chat_id = "123456789012345678"
# role = "releases"           # releases (watched) | review (prompts) | mod (alerts) | log (decisions)
"""

PLATFORMS = ("discord", "telegram", "both")


def _slug_of(name: str) -> str:
    """A slug from a name: `LoRA Guild!` -> `lora-guild` (the config's slug pattern)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63]
    return slug if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slug) else "my-community"


def _handle(value: str, platform: str) -> str:
    """`@mia`, `mia` or `telegram:@mia` -> `telegram:@mia`; a number -> `telegram:<id>`."""
    value = value.strip().removeprefix(f"{platform}:")
    if not value:
        return ""
    if value.lstrip("-").isdigit():
        return f"{platform}:{value}"
    return f"{platform}:@{value.lstrip('@')}"


def _toml_list(items: list[str]) -> str:
    return ", ".join(json.dumps(i) for i in items)


@app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Where to write the files")] = Path("."),
    name: Annotated[str | None, typer.Option(help="The community's name (asked when left out)")] = None,
    slug: Annotated[str | None, typer.Option(help="The community's short id (default: from the name)")] = None,
    platform: Annotated[str | None, typer.Option(help="discord, telegram or both")] = None,
    discord_server: Annotated[
        str | None, typer.Option("--discord-server", help="The Discord server (guild) id: its channels belong here")
    ] = None,
    owner: Annotated[
        list[str] | None,
        typer.Option("--owner", help="An owner as platform:@handle or platform:<id> (repeatable); may run /setup"),
    ] = None,
    language: Annotated[str, typer.Option(help="The community's language: en, zh, ja, ru or es")] = "en",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Ask nothing; defaults for what is left out")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files")] = False,
) -> None:
    """Write normbot.toml and norms/<slug>.yaml (extends the built-in baseline) to start from.

    Without --name (and without --yes) it asks the few questions it needs: the community's name, the
    platforms, the Discord server, and who you are on each platform (so you can run /setup). With --name it
    asks nothing, for scripts."""
    from moderation.setup.settings import LANGUAGES

    config = directory / "normbot.toml"
    if config.exists() and not force:
        raise fail(f"{config} exists; use --force to overwrite")
    ask = name is None and not yes
    name, slug = _name_and_slug(name, slug, ask)
    on = _platforms(platform, ask)
    if language not in LANGUAGES:
        raise fail(f"--language {language!r}: choose one of {', '.join(LANGUAGES)}")
    owners = _checked_owners(owner or [])
    spaces = _discord_spaces(discord_server, ask) if "discord" in on else []
    if ask and not owners:
        owners = _ask_owners(on)
    norm_file = _write_norm_file(directory, slug, force)
    config.write_text(
        CONFIG_TEMPLATE.format(
            slug=slug,
            name=json.dumps(name, ensure_ascii=False),
            norms=f"norms/{slug}.yaml",
            language=language,
            owners=_toml_list(owners),
            spaces=_toml_list(spaces),
        ),
        encoding="utf-8",
    )
    typer.echo("\n".join(_next_steps(config, norm_file, on)))


def _name_and_slug(name: str | None, slug: str | None, ask: bool) -> tuple[str, str]:
    """The community's name and a valid slug, from the options or (when `ask`) the prompts."""
    if ask:
        typer.echo("A few questions to write normbot.toml (Ctrl-C to stop; flags such as --name skip them).")
        name = typer.prompt("Your community's name", default="My Community").strip()
    name = (name or "My Community").strip() or "My Community"
    slug = slug or (typer.prompt("Short id (letters, digits, -)", default=_slug_of(name)) if ask else _slug_of(name))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slug):
        raise fail(f"--slug {slug!r}: use lower-case letters, digits and -, starting with a letter or digit")
    return name, slug


def _platforms(platform: str | None, ask: bool) -> tuple[str, ...]:
    """The platforms the community is on (`--platform both` is both), asked when left out and `ask`."""
    if platform is None:
        platform = typer.prompt("Platforms: discord, telegram or both", default="both") if ask else "both"
    platform = platform.strip().lower()
    if platform not in PLATFORMS:
        raise fail(f"--platform {platform!r}: choose discord, telegram or both")
    return ("discord", "telegram") if platform == "both" else (platform,)


def _checked_owners(owner: list[str]) -> list[str]:
    """The --owner values, each required to name its platform."""
    owners = [o.strip() for o in owner if o.strip()]
    for o in owners:
        if ":" not in o:
            raise fail(f"--owner {o!r}: write it as platform:@handle or platform:<id>, e.g. telegram:@mia")
    return owners


def _discord_spaces(discord_server: str | None, ask: bool) -> list[str]:
    """The config's `spaces`: the Discord server, asked when left out and `ask` (empty: added later)."""
    if discord_server is None and ask:
        discord_server = typer.prompt(
            "Discord server id (Server Settings -> Widget, or right-click the server with Developer Mode on; "
            "empty to add it later)",
            default="",
            show_default=False,
        )
    if not (discord_server and discord_server.strip()):
        return []
    if not discord_server.strip().isdigit():
        raise fail(f"--discord-server {discord_server!r}: a Discord server id is a number")
    return [f"discord:{discord_server.strip()}"]


def _ask_owners(on: tuple[str, ...]) -> list[str]:
    """Who is running init, on each platform: they become owners, so they can run /setup."""
    owners: list[str] = []
    for p in on:
        label = "Telegram @username" if p == "telegram" else "Discord username"
        answer = typer.prompt(f"Your {label} (you become an owner; empty to skip)", default="", show_default=False)
        if _handle(answer, p):
            owners.append(_handle(answer, p))
    return owners


def _write_norm_file(directory: Path, slug: str, force: bool) -> Path:
    """norms/<slug>.yaml: the built-in starter pack under the community's id."""
    from importlib.resources import files

    norm_file = directory / "norms" / f"{slug}.yaml"
    if norm_file.exists() and not force:
        raise fail(f"{norm_file} exists; use --force to overwrite")
    starter = files("norms").joinpath("packs/starter.yaml").read_text(encoding="utf-8")
    norm_file.parent.mkdir(parents=True, exist_ok=True)
    norm_file.write_text(starter.replace("id: starter", f"id: {slug}", 1), encoding="utf-8")
    return norm_file


def _next_steps(config: Path, norm_file: Path, on: tuple[str, ...]) -> list[str]:
    steps = [
        f"wrote {config} and {norm_file}",
        f"next: normbot norms lint {norm_file} && normbot norms test {norm_file}",
    ]
    if "telegram" in on:
        steps.append("then: start normbot, open a private chat with your bot and send /setup to add your groups")
    if "discord" in on:
        steps.append("then: invite the bot to your server and run /setup there to choose the channels")
    return steps
