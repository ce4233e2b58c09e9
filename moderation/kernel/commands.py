"""Commands are defined once, here and in each feature folder's `commands.py`, and rendered by every adapter.

A `CommandSpec` holds the name, description, typed parameters, required privilege and handler. Discord
renders specs as slash commands (groups for names with a space), Telegram as `/commands` registered with
`setMyCommands`, the console as text; help text and usage lines come from the same objects.

Text arguments are parsed by `bind_text`: tokens are split on white space (quotes group words), a `rest`
parameter takes the remaining raw text verbatim, and an optional leading release parameter is recognised by
its shape (`R12`, `#12` or `12`), so `/flag credit-base-model no base` and `/flag R3 credit-base-model no base`
both work.

A command has one canonical name (`forget-me`), but platforms spell typed names differently: Telegram allows
only `[a-z0-9_]`, so it shows `/forget_me`. A `Spelling` turns a canonical name into the platform's; help,
usage lines and hints are written with it, and `resolve_name` accepts either spelling on every platform.
Platforms also differ in how a command finds its release when no id is typed (`Targeting`): Telegram commands
reply to the announcement or prompt, Discord slash commands cannot be replies and run in the release's review
thread instead, the console takes the latest release. `Phrasing` carries both, so a card says what works there.
Text here is plain (adapters escape it), so names are quoted with "", never markdown backticks.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moderation.kernel.errors import BadArgument, UnknownCommand
from moderation.kernel.i18n import _, translate
from moderation.kernel.permissions import Privilege
from moderation.kernel.phrasing import Phrasing, Spelling, Targeting, as_typed

if TYPE_CHECKING:
    from moderation.kernel.actions import Action
    from moderation.kernel.buttons import ButtonPayload
    from moderation.kernel.events import CommandInvoked
    from moderation.kernel.invocation import Invocation
    from moderation.kernel.services import Services

__all__ = [
    "BUTTONS",
    "COMMANDS",
    "ButtonRoute",
    "CommandSpec",
    "Param",
    "Phrasing",
    "Spelling",
    "Targeting",
    "as_typed",
    "bind_options",
    "bind_text",
    "button",
    "command",
    "lookup",
    "resolve_name",
    "usage_hint",
    "visible_commands",
]

Handler = Callable[["Invocation", dict[str, Any]], Awaitable[list["Action"]]]
# Slow work a command needs that holds no lock (a model call), run before its unit of work; the result
# reaches the handler as `Invocation.prepared`. It must not decide anything: the handler checks again.
Prepare = Callable[["Services", "CommandInvoked"], Awaitable[object]]
RELEASE_REF = re.compile(r"(?:[RrFf]|#)?([0-9]{1,18})")


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter. `kind` drives parsing and autocomplete: release, norm, flag, text, word, choice, int."""

    name: str
    description: str
    kind: str = "word"
    required: bool = True
    rest: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 1000


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command: what it is called, what it takes, who may run it, and what runs it."""

    name: str
    description: str
    params: tuple[Param, ...]
    privilege: Privilege
    handler: Handler
    targets_release: bool = False
    examples: tuple[str, ...] = field(default=())
    prepare: Prepare | None = None
    private_chat: bool = False
    """In a private chat no community claims, the command runs for the community that names the actor as
    owner or moderator (`/setup` on day one, before any group of the community is known to the bot)."""

    @property
    def usage(self) -> str:
        """`/flag [release] <norm> <reason…>` style usage line."""
        return self.usage_in(as_typed)

    def usage_in(self, spell: Spelling) -> str:
        """The usage line with the command name as a platform spells it."""
        parts = [f"/{spell(self.name)}"]
        for p in self.params:
            label = f"{p.name}…" if p.rest else p.name
            if p.choices:
                label = "|".join(p.choices)
            parts.append(f"<{label}>" if p.required else f"[{label}]")
        return " ".join(parts)

    @property
    def summary(self) -> str:
        """The description in the current language (help, usage)."""
        return translate(self.description)

    @property
    def group(self) -> str | None:
        """The group of a two-word command (`release` for `release show`)."""
        return self.name.split(" ", 1)[0] if " " in self.name else None


COMMANDS: dict[str, CommandSpec] = {}
ButtonRoute = Callable[["Invocation", "ButtonPayload"], Awaitable[list["Action"]]]
BUTTONS: dict[str, ButtonRoute] = {}
"""Button action (`moderation.kernel.buttons.ACTIONS`) -> what pressing it runs. Declared where the behaviour lives:
`@command(..., button=...)` for a button that is its command on the button's release, `@button` otherwise."""
# `/norms` alone means `/norms show`; `/release` alone means `/release list`.
DEFAULT_SUBCOMMAND = {"norms": "show", "release": "list"}


def command(
    name: str,
    description: str,
    *params: Param,
    privilege: Privilege = Privilege.MEMBER,
    examples: tuple[str, ...] = (),
    prepare: Prepare | None = None,
    button: str | None = None,
    private_chat: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a handler as the command `name` (`prepare`: slow work done before its unit of work; `button`:
    the prompt button that runs this command on its release, with the command's own privilege;
    `private_chat`: see `CommandSpec.private_chat`)."""

    def register(fn: Handler) -> Handler:
        if name in COMMANDS:
            raise RuntimeError(f"command {name!r} defined twice")
        targets = any(p.kind == "release" for p in params)
        spec = CommandSpec(name, description, params, privilege, fn, targets, examples, prepare, private_chat)
        COMMANDS[name] = spec
        if button is not None:

            async def pressed(inv: Invocation, payload: ButtonPayload) -> list[Action]:
                inv.require(spec.privilege, f"use /{spec.name}")
                return await spec.handler(inv, {"release": f"R{payload.release_id}"})

            _route(button, pressed)
        return fn

    return register


def button(*actions: str) -> Callable[[ButtonRoute], ButtonRoute]:
    """Register what pressing a button of these actions runs, when it is not simply a command (a form to open,
    a decision on the flag the payload names). The route checks its own permissions."""

    def register(fn: ButtonRoute) -> ButtonRoute:
        for action in actions:
            _route(action, fn)
        return fn

    return register


def _route(action: str, route: ButtonRoute) -> None:
    from moderation.kernel.buttons import ACTIONS

    if action not in ACTIONS:
        raise RuntimeError(f"button action {action!r} is not in moderation.kernel.buttons.ACTIONS")
    if action in BUTTONS:
        raise RuntimeError(f"button action {action!r} routed twice")
    BUTTONS[action] = route


def visible_commands(privilege: Privilege) -> list[CommandSpec]:
    """Commands a member of this privilege may run, in name order (help, Telegram command scopes)."""
    return sorted((c for c in COMMANDS.values() if c.privilege <= privilege), key=lambda c: c.name)


def _closest(name: str) -> str | None:
    import difflib

    match = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
    return match[0] if match else None


def lookup(name: str) -> CommandSpec | None:
    """The command (or, for a group word, its first subcommand) a name means in any spelling:
    `forget_me`, `/forget-me`, `release_show`, `release`."""
    key = name.strip().lstrip("/").lower().split("@", 1)[0].replace("_", " ")
    for candidate in (key, key.replace(" ", "-")):
        if candidate in COMMANDS:
            return COMMANDS[candidate]
    group = key.split(" ", 1)[0]
    if group in DEFAULT_SUBCOMMAND:
        return COMMANDS.get(f"{group} {DEFAULT_SUBCOMMAND[group]}")
    return next((c for c in COMMANDS.values() if c.group == group), None)


def resolve_name(name: str, args: str, spell: Spelling = as_typed) -> tuple[CommandSpec, str]:
    """Find the spec for `name` (a group name takes its subcommand from the first word of `args`).
    Hyphens and underscores are one: `/forget_me` (Telegram's menu) and `/forget-me` both work."""
    name = name.strip().lstrip("/").lower().replace("_", " ")
    name = name.split("@", 1)[0]  # Telegram's /cmd@BotName
    if name in COMMANDS:
        return COMMANDS[name], args
    if name.replace(" ", "-") in COMMANDS:  # `forget_me` and `forget me` mean `forget-me`
        return COMMANDS[name.replace(" ", "-")], args
    first, _sep, remainder = args.strip().partition(" ")
    candidate = f"{name} {first.lower()}"
    if first and candidate in COMMANDS:
        return COMMANDS[candidate], remainder
    if name in DEFAULT_SUBCOMMAND:
        return COMMANDS[f"{name} {DEFAULT_SUBCOMMAND[name]}"], args
    hint = _closest(name)
    raise UnknownCommand(
        _("I don't know the command {command}.").format(command=f"/{name[:40]}"),
        hint=(_("Did you mean {command}?").format(command=f"/{spell(hint)}") + " " if hint else "")
        + _("Send {help} for the list.").format(help=f"/{spell('help')}"),
    )


def _split(text: str) -> list[tuple[str, int]]:
    """Tokens with their end offsets in `text`; unbalanced quotes fall back to plain white-space splitting."""
    tokens: list[tuple[str, int]] = []
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        while True:
            tok = lexer.get_token()
            if tok is None or tok == lexer.eof:
                break
            tokens.append((tok, lexer.instream.tell()))  # type: ignore[attr-defined]
    except ValueError:
        tokens = []
        pos = 0
        for tok in text.split():
            pos = text.index(tok, pos) + len(tok)
            tokens.append((tok, pos))
    return tokens


def _check(spec: CommandSpec, param: Param, value: str, spell: Spelling = as_typed) -> str:
    value = value.strip()
    usage = usage_hint(spec, spell)
    if len(value) > param.max_length:
        raise BadArgument(
            _('"{name}" is too long (at most {limit} characters).').format(name=param.name, limit=param.max_length),
            hint=usage,
        )
    if param.choices and value.lower() not in param.choices:
        raise BadArgument(
            _('"{name}" must be one of: {choices}.').format(name=param.name, choices=", ".join(param.choices)),
            hint=usage,
        )
    if param.kind in ("release", "flag", "int") and not RELEASE_REF.fullmatch(value):
        example = "F7" if param.kind == "flag" else "R12"
        raise BadArgument(
            _('"{name}" should be an id like {example}, not {value}.').format(
                name=param.name, example=example, value=repr(value[:30])
            ),
            hint=usage,
        )
    return value.lower() if param.choices else value


def usage_hint(spec: CommandSpec, spell: Spelling = as_typed) -> str:
    """`Usage: /flag [release] <norm> <reason…>` in the current language."""
    return _("Usage: {usage}").format(usage=spec.usage_in(spell))


def _missing(spec: CommandSpec, param: Param, spell: Spelling) -> BadArgument:
    return BadArgument(_('"{name}" is missing.').format(name=param.name), hint=usage_hint(spec, spell))


def bind_text(spec: CommandSpec, text: str, spell: Spelling = as_typed) -> dict[str, str]:
    """Bind raw argument text to the spec's parameters; raises BadArgument naming the parameter (its usage
    line spelled as the platform types commands)."""
    values: dict[str, str] = {}
    tokens = _split(text)
    i = 0
    consumed_to = 0
    for index, param in enumerate(spec.params):
        if param.rest:
            remainder = text[consumed_to:].strip()
            if remainder:
                values[param.name] = _check(spec, param, remainder, spell)
            elif param.required:
                raise _missing(spec, param, spell)
            consumed_to = len(text)
            i = len(tokens)
            continue
        if i >= len(tokens):
            if param.required:
                raise _missing(spec, param, spell)
            continue
        token, end = tokens[i]
        if param.kind == "release" and not param.required and not RELEASE_REF.fullmatch(token):
            if index + 1 < len(spec.params):
                continue  # optional release omitted: the reply or the latest release is the target
            _check(spec, param, token, spell)  # nothing else could take this word: say what a release id is
        values[param.name] = _check(spec, param, token, spell)
        consumed_to = end
        i += 1
    if i < len(tokens):
        extra = " ".join(t for t, _ in tokens[i:])[:40]
        raise BadArgument(_("I didn't expect {text} here.").format(text=repr(extra)), hint=usage_hint(spec, spell))
    return values


def bind_options(spec: CommandSpec, options: Mapping[str, str], spell: Spelling = as_typed) -> dict[str, str]:
    """Bind structured options (Discord slash commands, forms); same checks as text."""
    values: dict[str, str] = {}
    known = {p.name for p in spec.params}
    unknown = set(options) - known
    if unknown:
        raise BadArgument(
            _("Unknown option {name}.").format(name=repr(sorted(unknown)[0])), hint=usage_hint(spec, spell)
        )
    for param in spec.params:
        raw = options.get(param.name)
        if raw is None or not str(raw).strip():
            if param.required:
                raise _missing(spec, param, spell)
            continue
        values[param.name] = _check(spec, param, str(raw), spell)
    return values


def release_id_of(value: str) -> int:
    """The numeric id of a release reference (`R12`, `#12`, `12`)."""
    m = RELEASE_REF.fullmatch(value.strip())
    if m is None:
        raise BadArgument(_("{value} is not a release id (try R12).").format(value=repr(value[:30])))
    return int(m.group(1))
