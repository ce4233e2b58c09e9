"""`normbot init`: a starter config and a norm file that extends the baseline."""

from __future__ import annotations

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
name = "{name}"
norms = "{norms}"             # a file, or a built-in pack name such as "baseline"
moderators = []               # "discord:<user id>", "telegram:<user id>"
moderator_roles = ["Moderator"]
reviewer_roles = ["Reviewer"]
spaces = []                   # "discord:<guild id>": every channel of the server belongs here

# [[communities.chats]]
# platform = "discord"        # or "telegram"
# chat_id = "123456789012345678"
# role = "releases"           # releases (watched) | review (prompts) | mod (moderator alerts)
"""


@app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Where to write the files")] = Path("."),
    slug: Annotated[str, typer.Option(help="The community's short id")] = "my-community",
    name: Annotated[str, typer.Option(help="The community's name")] = "My Community",
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files")] = False,
) -> None:
    """Write normbot.toml and norms/<slug>.yaml (extends the built-in baseline) to start from."""
    from importlib.resources import files

    config = directory / "normbot.toml"
    norm_file = directory / "norms" / f"{slug}.yaml"
    for path in (config, norm_file):
        if path.exists() and not force:
            raise fail(f"{path} exists; use --force to overwrite")
    starter = files("norms").joinpath("packs/starter.yaml").read_text(encoding="utf-8")
    norm_file.parent.mkdir(parents=True, exist_ok=True)
    norm_file.write_text(starter.replace("id: starter", f"id: {slug}", 1), encoding="utf-8")
    config.write_text(CONFIG_TEMPLATE.format(slug=slug, name=name, norms=f"norms/{slug}.yaml"), encoding="utf-8")
    typer.echo(
        f"wrote {config} and {norm_file}\nnext: normbot norms lint {norm_file} && normbot norms test {norm_file}"
    )
