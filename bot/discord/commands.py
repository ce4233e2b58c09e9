"""Slash commands rendered from `moderation.kernel.commands.COMMANDS`, never from a list of our own.

Two-word names become groups (`/release show`, `/norms set`); each parameter becomes an option: `choices`
as Discord choices, `int` as an integer, everything else a string; `release` and `norm` options get
autocomplete from `Core.suggest`. `/norms set` and `/norms simulate` gain an attachment option for the norm
file. The message context menus run a command on the message they were used on (`MESSAGE_MENUS`): "Check
against norms" is `normcheck`, "Mark as release" is `markrelease` (the detector missed it), "Not a release" is
`notrelease`.

discord.py reads options from the callback's signature, so each command gets a small callback whose
`__signature__` lists the spec's parameters; the callback hands the values to the adapter unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Literal, Protocol

import discord
from discord import app_commands

from moderation.kernel.commands import COMMANDS, CommandSpec, Param

__all__ = ["CHECK_MENU", "MARK_MENU", "MESSAGE_MENUS", "NORM_FILE_OPTION", "NOT_MENU", "CommandHost", "build_tree"]

CHECK_MENU = "Check against norms"
MARK_MENU = "Mark as release"
NOT_MENU = "Not a release"
MESSAGE_MENUS = {CHECK_MENU: "normcheck", MARK_MENU: "markrelease", NOT_MENU: "notrelease"}
"""Message context menus (right-click a message -> Apps) and the core command each runs on the message."""
NORM_FILE_OPTION = "file"
NORM_FILE_COMMANDS = {
    "norms set": "The norm file (YAML, at most 256 KB)",
    "norms simulate": "The draft norm file (YAML, at most 256 KB)",
}
"""Commands that read an attached norm file, and how their attachment option is described."""
_DESCRIPTION = 100
_AUTOCOMPLETE_KINDS = ("release", "norm")


class CommandHost(Protocol):
    """What the tree calls back into (the adapter)."""

    async def run_command(self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]) -> None:
        """A slash command was used with these option values (None for omitted options)."""

    async def suggest(self, interaction: discord.Interaction, kind: str, current: str) -> list[tuple[str, str]]:
        """(value, label) choices for an option of `kind` typed so far as `current`."""

    async def message_command(self, interaction: discord.Interaction, message: discord.Message, command: str) -> None:
        """A message context menu was used on `message`; `command` is the core command it stands for."""


def _annotation(param: Param) -> Any:
    if param.choices:
        return Literal[param.choices]  # discord.py turns a Literal into choices
    if param.kind == "int":
        return int
    return str


def _signature(spec: CommandSpec) -> inspect.Signature:
    first, kind = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("interaction", first, annotation=discord.Interaction)]
    for p in spec.params:
        annotation = _annotation(p)
        if p.required:
            params.append(inspect.Parameter(p.name, kind, annotation=annotation))
        else:
            params.append(inspect.Parameter(p.name, kind, annotation=annotation | None, default=None))
    if spec.name in NORM_FILE_COMMANDS:
        params.append(inspect.Parameter(NORM_FILE_OPTION, kind, annotation=discord.Attachment))
    return inspect.Signature(params)


def _callback(spec: CommandSpec, host: CommandHost) -> Callable[..., Coroutine[Any, Any, None]]:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await host.run_command(interaction, spec, values)

    callback.__signature__ = _signature(spec)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"normbot_{spec.name.replace(' ', '_')}"
    descriptions = {p.name: p.description[:_DESCRIPTION] for p in spec.params}
    if spec.name in NORM_FILE_COMMANDS:
        descriptions[NORM_FILE_OPTION] = NORM_FILE_COMMANDS[spec.name]
    described: Callable[..., Coroutine[Any, Any, None]] = app_commands.describe(**descriptions)(callback)
    return described


Suggest = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def _suggester(host: CommandHost, kind: str) -> Suggest:
    async def suggest(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        pairs = await host.suggest(interaction, kind, current)
        return [app_commands.Choice(name=label[:100] or value[:100], value=value[:100]) for value, label in pairs[:25]]

    return suggest


def _command(spec: CommandSpec, host: CommandHost, name: str) -> app_commands.Command[Any, ..., None]:
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name, description=spec.description[:_DESCRIPTION], callback=_callback(spec, host)
    )
    for p in spec.params:
        if p.kind in _AUTOCOMPLETE_KINDS and not p.choices:
            command.autocomplete(p.name)(_suggester(host, p.kind))
    command.guild_only = True
    return command


def build_tree(client: discord.Client, host: CommandHost) -> app_commands.CommandTree[Any]:
    """A command tree with every command of `COMMANDS` plus the context menu."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    groups: dict[str, app_commands.Group] = {}
    for spec in sorted(COMMANDS.values(), key=lambda s: s.name):
        group_name = spec.group
        if group_name is None:
            tree.add_command(_command(spec, host, spec.name))
            continue
        group = groups.get(group_name)
        if group is None:
            subs = sorted(s.name.split(" ", 1)[1] for s in COMMANDS.values() if s.group == group_name)
            group = app_commands.Group(
                name=group_name, description=f"{group_name}: {', '.join(subs)}"[:_DESCRIPTION], guild_only=True
            )
            groups[group_name] = group
            tree.add_command(group)
        group.add_command(_command(spec, host, spec.name.split(" ", 1)[1]))

    for label, name in MESSAGE_MENUS.items():
        menu = app_commands.ContextMenu(name=label, callback=_menu_callback(host, name))
        menu.guild_only = True
        tree.add_command(menu)
    return tree


MenuCallback = Callable[[discord.Interaction, discord.Message], Coroutine[Any, Any, None]]


def _menu_callback(host: CommandHost, command: str) -> MenuCallback:
    async def run(interaction: discord.Interaction, message: discord.Message) -> None:
        await host.message_command(interaction, message, command)

    return run
