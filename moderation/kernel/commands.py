"""Commands are defined once, here and in each feature folder's `commands.py`, and rendered by every adapter.

A `CommandSpec` holds the name, description, typed parameters, required privilege and handler. Discord
renders specs as slash commands (groups for names with a space), Telegram as `/commands` registered with
`setMyCommands`, the console as text; help text and usage lines come from the same objects.

Arguments are bound by `bind_text` (typed text) and `bind_options` (Discord options, forms) into the values
handlers are typed with, each through its parameter's converter (`moderation.kernel.params`): tokens are split
on white space (quotes group words), a `Text` parameter takes the remaining raw text verbatim, a file
parameter takes the attached file, and an optional id parameter followed by others is skipped when the word
does not parse for it (`R12`, `#12` or `12` for a release), so `/flag credit-base-model no base` and
`/flag R3 credit-base-model no base` both work.

A command has one canonical name (`forget-me`), but platforms spell typed names differently: Telegram allows
only `[a-z0-9_]`, so it shows `/forget_me`. A `Spelling` turns a canonical name into the platform's; help,
usage lines and hints are written with it, and `resolve_name` accepts either spelling on every platform.
Platforms also differ in how a command finds its release when no id is typed (`Targeting`): Telegram commands
reply to the announcement or prompt, Discord slash commands cannot be replies and run in the release's review
thread instead, the console takes the latest release. `Phrasing` carries both, so a card says what works there.
Text here is plain (adapters escape it), so names are quoted with "", never markdown backticks.
"""

from __future__ import annotations

import inspect
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moderation.kernel.errors import BadArgument, UnknownCommand
from moderation.kernel.i18n import _, translate
from moderation.kernel.params import (
    FLAG_REF,
    ID_SHAPE,
    NORM_ID,
    RELEASE_REF,
    AttachmentConverter,
    BadValue,
    Converter,
    FlagRef,
    Int,
    NormId,
    ReleaseRef,
    Word,
)
from moderation.kernel.permissions import Privilege
from moderation.kernel.phrasing import Spelling, as_typed

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
    "bind_options",
    "bind_text",
    "button",
    "command",
    "lookup",
    "resolve_name",
    "usage_hint",
    "visible_commands",
]

Handler = Callable[..., Awaitable[list["Action"]]]
"""`async def endorse(inv: Invocation, *, release: ReleaseRef | None, note: str | None) -> list[Action]`: the
invocation, then one keyword argument per parameter, converted (None when an optional one was left out)."""
# Slow work a command needs that holds no lock (a model call), run before its unit of work; the result
# reaches the handler as `Invocation.prepared`. It must not decide anything: the handler checks again.
Prepare = Callable[["Services", "CommandInvoked"], Awaitable[object]]


ConverterLike = Converter[Any] | type
_FOR_TYPE: dict[type, Converter[Any]] = {
    ReleaseRef: RELEASE_REF,
    FlagRef: FLAG_REF,
    NormId: NORM_ID,
    int: Int(),
    str: Word(),
}


@dataclass(frozen=True, slots=True, init=False)
class Param:
    """One parameter: its name, what it means (shown by help and Discord), its `converter` (how it is parsed,
    checked and completed; see `moderation.kernel.params`), and whether it may be left out (then the handler
    gets None).

    The third argument is a converter (`Text(500)`, `OneOf("upheld", "dismissed")`, `Int(1)`), or a value type
    that has one (`ReleaseRef`, `FlagRef`, `NormId`, `int`, `str`)."""

    name: str
    description: str
    converter: Converter[Any]
    required: bool

    def __init__(
        self,
        name: str,
        description: str,
        kind: ConverterLike = str,
        required: bool = True,
    ) -> None:
        converter: Converter[Any] = kind if isinstance(kind, Converter) else _FOR_TYPE[kind]
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "converter", converter)
        object.__setattr__(self, "required", required)

    @property
    def kind(self) -> str:
        """The converter's kind (`release`, `norm`, `flag`, `text`, `word`, `choice`, `int`, `attachment`)."""
        return self.converter.kind

    @property
    def rest(self) -> bool:
        """Takes the rest of typed text."""
        return self.converter.rest

    @property
    def choices(self) -> tuple[str, ...]:
        """Fixed choices, if any."""
        return self.converter.choices

    @property
    def max_length(self) -> int:
        """The longest value accepted, in characters."""
        return self.converter.max_length

    @property
    def is_file(self) -> bool:
        """An attached file rather than typed text (adapters render and fetch it generically)."""
        return isinstance(self.converter, AttachmentConverter)


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

    async def run(self, inv: Invocation, values: Mapping[str, Any]) -> list[Action]:
        """Call the handler with converted values, every parameter named (None when left out)."""
        return await self.handler(inv, **{p.name: values.get(p.name) for p in self.params})

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, if any."""
        return next((p for p in self.params if p.name == name), None)

    @property
    def usage(self) -> str:
        """`/flag [release] <norm> <reason…>` style usage line."""
        return self.usage_in(as_typed)

    def usage_in(self, spell: Spelling) -> str:
        """The usage line with the command name as a platform spells it."""
        parts = [f"/{spell(self.name)}"]
        for p in self.params:
            label = p.converter.label(p.name)
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
        targets = any(p.converter is RELEASE_REF for p in params)
        _check_signature(name, fn, params)
        spec = CommandSpec(name, description, params, privilege, fn, targets, examples, prepare, private_chat)
        COMMANDS[name] = spec
        if button is not None:

            async def pressed(inv: Invocation, payload: ButtonPayload) -> list[Action]:
                inv.require(spec.privilege, f"use /{spec.name}")
                return await spec.run(inv, {"release": ReleaseRef(payload.release_id)})

            _route(button, pressed)
        return fn

    return register


def _check_signature(name: str, fn: Handler, params: tuple[Param, ...]) -> None:
    """A handler must take exactly its command's parameters as keywords, so a renamed parameter fails at import,
    not when a member first uses it."""
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise RuntimeError(f"command {name!r} names a parameter twice")
    if sum(1 for p in params if p.is_file) > 1:
        raise RuntimeError(f"command {name!r} takes more than one file")
    signature = inspect.signature(fn)
    taken = list(signature.parameters.values())[1:]
    keywords = {p.name for p in taken if p.kind is inspect.Parameter.KEYWORD_ONLY}
    if keywords != set(names) or len(taken) != len(names):
        raise RuntimeError(
            f"handler of {name!r} must take keyword-only parameters {sorted(names)}, not {sorted(keywords)}"
        )


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


def _convert(spec: CommandSpec, param: Param, value: str, spell: Spelling = as_typed) -> Any:
    """One typed value through its parameter's converter; a refusal names the parameter and shows usage."""
    value = value.strip()
    usage = usage_hint(spec, spell)
    if len(value) > param.max_length:
        raise BadArgument(
            _('"{name}" is too long (at most {limit} characters).').format(name=param.name, limit=param.max_length),
            hint=usage,
        )
    try:
        return param.converter.parse(value)
    except BadValue as exc:
        raise BadArgument(exc.said_of(param.name), hint=exc.hint or usage) from None


def usage_hint(spec: CommandSpec, spell: Spelling = as_typed) -> str:
    """`Usage: /flag [release] <norm> <reason…>` in the current language."""
    return _("Usage: {usage}").format(usage=spec.usage_in(spell))


def _missing(spec: CommandSpec, param: Param, spell: Spelling) -> BadArgument:
    converter = param.converter
    if isinstance(converter, AttachmentConverter):
        return BadArgument(converter.missing(), hint=converter.hint or usage_hint(spec, spell))
    return BadArgument(_('"{name}" is missing.').format(name=param.name), hint=usage_hint(spec, spell))


def _bind_file(spec: CommandSpec, param: Param, files: Mapping[str, str], chosen: str | None, spell: Spelling) -> Any:
    """The attached file of a file parameter: the one a structured option named, else the first attached."""
    converter = param.converter
    assert isinstance(converter, AttachmentConverter)
    name = chosen if chosen in files else next(iter(files), None)
    if name is None:
        if param.required:
            raise _missing(spec, param, spell)
        return None
    try:
        return converter.parse_file(name, files[name])
    except BadValue as exc:
        raise BadArgument(exc.said_of(param.name)) from None


def bind_text(
    spec: CommandSpec, text: str, spell: Spelling = as_typed, files: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Bind raw argument text (and attached files) to the spec's parameters, converted; raises BadArgument
    naming the parameter (its usage line spelled as the platform types commands)."""
    values: dict[str, Any] = {}
    tokens = _split(text)
    i = 0
    consumed_to = 0
    typed = [p for p in spec.params if not p.is_file]
    for param in spec.params:
        if param.is_file:
            value = _bind_file(spec, param, files or {}, None, spell)
            if value is not None:
                values[param.name] = value
    for index, param in enumerate(typed):
        if param.rest:
            remainder = text[consumed_to:].strip()
            if remainder:
                values[param.name] = _convert(spec, param, remainder, spell)
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
        skip = param.converter.skippable and not param.required and index + 1 < len(typed)
        if skip and not param.converter.recognises(token):
            continue  # an optional release omitted: the reply, the thread or the latest release is the target
        values[param.name] = _convert(spec, param, token, spell)
        consumed_to = end
        i += 1
    if i < len(tokens):
        extra = " ".join(t for t, _ in tokens[i:])[:40]
        raise BadArgument(_("I didn't expect {text} here.").format(text=repr(extra)), hint=usage_hint(spec, spell))
    return values


def bind_options(
    spec: CommandSpec, options: Mapping[str, str], spell: Spelling = as_typed, files: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Bind structured options (Discord slash commands, forms), converted; same checks as text. A file
    parameter's option holds the attached file's name (its text is in `files`)."""
    values: dict[str, Any] = {}
    known = {p.name for p in spec.params}
    unknown = set(options) - known
    if unknown:
        raise BadArgument(
            _("Unknown option {name}.").format(name=repr(sorted(unknown)[0])), hint=usage_hint(spec, spell)
        )
    for param in spec.params:
        raw = options.get(param.name)
        if param.is_file:
            value = _bind_file(spec, param, files or {}, raw, spell)
            if value is not None:
                values[param.name] = value
            continue
        if raw is None or not str(raw).strip():
            if param.required:
                raise _missing(spec, param, spell)
            continue
        values[param.name] = _convert(spec, param, str(raw), spell)
    return values


def release_id_of(value: str) -> int:
    """The numeric id of a release reference (`R12`, `#12`, `12`)."""
    m = ID_SHAPE.fullmatch(value.strip())
    if m is None:
        raise BadArgument(_("{value} is not a release id (try R12).").format(value=repr(value[:30])))
    return int(m.group(1))
