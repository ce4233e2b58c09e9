"""`setMyCommands` from `moderation.kernel.commands.COMMANDS`: the command list is never written out here.

Members (`BotCommandScopeAllGroupChats`) see the commands a member may run; group administrators
(`BotCommandScopeAllChatAdministrators`) see all of them. Two-word commands (`release show`) are typed with
a space, so they register once under their group word (`release`). Telegram command names must match
`[a-z0-9_]{1,32}`; a name that does not is skipped with a warning rather than failing the whole list.
"""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeAllGroupChats

from moderation.kernel.commands import CommandSpec, visible_commands
from moderation.kernel.permissions import Privilege

__all__ = ["register_commands", "telegram_commands", "typed_name"]

log = logging.getLogger("normbot.telegram")
NAME = re.compile(r"[a-z0-9_]{1,32}")
MAX_DESCRIPTION = 256


def typed_name(name: str) -> str:
    """A canonical command name as Telegram members type it: `forget-me` -> `forget_me` (Telegram command
    names allow no hyphen, and a hyphen in a typed command ends the command). Two-word names keep their
    space (`release show`). The core spells help, usage lines and hints with this on Telegram."""
    return name.replace("-", "_")


def _describe(word: str, specs: list[CommandSpec]) -> str:
    if len(specs) == 1 and specs[0].group is None:
        text = specs[0].description
    else:
        subs = [s.name.split(" ", 1)[1] for s in specs if s.group]
        text = f"{' | '.join(subs)} — e.g. /{word} {subs[0]}" if subs else specs[0].description
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def telegram_commands(privilege: Privilege) -> list[BotCommand]:
    """The command menu for someone with `privilege`, one entry per typed command word."""
    words: dict[str, list[CommandSpec]] = {}
    for spec in visible_commands(privilege):
        word = typed_name(spec.group or spec.name).lower()
        if not NAME.fullmatch(word):
            log.warning("command %r cannot be registered on Telegram (names are [a-z0-9_]{1,32})", spec.name)
            continue
        words.setdefault(word, []).append(spec)
    return [BotCommand(word, _describe(word, specs)) for word, specs in sorted(words.items())]


async def register_commands(bot: Bot) -> None:
    """Register both menus; members get member commands, group admins get everything."""
    await bot.set_my_commands(telegram_commands(Privilege.MEMBER), scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(telegram_commands(Privilege.OWNER), scope=BotCommandScopeAllChatAdministrators())
