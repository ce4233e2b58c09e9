"""Slash commands rendered from `moderation.kernel.commands.COMMANDS`, never from a list of our own.

Two-word names become groups (`/release show`, `/norms set`); each parameter becomes an option from what its
converter is (`moderation.kernel.params`): fixed choices as Discord choices, an integer as an integer (with its
bounds), a file as an attachment option, everything else a string; converters that complete (releases, norms)
get autocomplete from `Core.suggest`. No command is named here. The message
context menus run a command on the message they were used on (`MESSAGE_MENUS`): "Check against norms" is
`normcheck`, "Mark as release" is `markrelease` (the detector missed it), "Not a release" is `notrelease`.

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

__all__ = ["CHECK_MENU", "MARK_MENU", "MESSAGE_MENUS", "NOT_MENU", "CommandHost", "build_tree"]

CHECK_MENU = "Check against norms"
MARK_MENU = "Mark as release"
NOT_MENU = "Not a release"
MESSAGE_MENUS = {CHECK_MENU: "normcheck", MARK_MENU: "markrelease", NOT_MENU: "notrelease"}
"""Message context menus (right-click a message -> Apps) and the core command each runs on the message."""
_DESCRIPTION = 100


class CommandHost(Protocol):
    """What the tree calls back into (the adapter)."""

    async def run_command(self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]) -> None:
        """A slash command was used with these option values (None for omitted options)."""

    async def suggest(self, interaction: discord.Interaction, param: Param, current: str) -> list[tuple[str, str]]:
        """(value, label) choices for the option of `param` typed so far as `current`."""

    async def message_command(self, interaction: discord.Interaction, message: discord.Message, command: str) -> None:
        """A message context menu was used on `message`; `command` is the core command it stands for."""


def _annotation(param: Param) -> Any:
    converter = param.converter
    if param.choices:
        return Literal[param.choices]  # discord.py turns a Literal into choices
    if converter.option == "attachment":
        return discord.Attachment
    if converter.option == "integer":
        low, high = getattr(converter, "min_value", None), getattr(converter, "max_value", None)
        return app_commands.Range[int, low, high] if low is not None or high is not None else int
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
    return inspect.Signature(params)


def _callback(spec: CommandSpec, host: CommandHost) -> Callable[..., Coroutine[Any, Any, None]]:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await host.run_command(interaction, spec, values)

    callback.__signature__ = _signature(spec)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = f"normbot_{spec.name.replace(' ', '_')}"
    descriptions = {p.name: p.description[:_DESCRIPTION] for p in spec.params}
    described: Callable[..., Coroutine[Any, Any, None]] = app_commands.describe(**descriptions)(callback)
    return described


Suggest = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def _suggester(host: CommandHost, param: Param) -> Suggest:
    async def suggest(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        pairs = await host.suggest(interaction, param, current)
        return [app_commands.Choice(name=label[:100] or value[:100], value=value[:100]) for value, label in pairs[:25]]

    return suggest


def _command(spec: CommandSpec, host: CommandHost, name: str) -> app_commands.Command[Any, ..., None]:
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name, description=spec.description[:_DESCRIPTION], callback=_callback(spec, host)
    )
    for p in spec.params:
        if p.converter.completes and not p.choices:
            command.autocomplete(p.name)(_suggester(host, p))
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
