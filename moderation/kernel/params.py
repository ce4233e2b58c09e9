"""Typed parameters: converters that parse, validate and autocomplete a command's arguments once, for every
platform.

A `Param` names a parameter and holds its `Converter`. Whatever shape an argument arrives in (a word of typed
text on Telegram or the console, a Discord slash option, a form's answer, an attached file) the same
converter turns it into the value the handler is typed with: `ReleaseRef`, `FlagRef`, `NormId`, `Attachment`,
`int`, `str`. Adapters only read what a converter *is* (`option`: a string, an integer or a file; `choices`;
whether it `completes`; `max_bytes` of a file) to render it: a Discord option type, a Telegram download, a form
field; no adapter names a command.

Why converters and not a `kind` string: with `Param(kind="release")` the meaning of "release" was spread over
the binder (its shape), the Discord tree (autocomplete or not), the core (`suggest`) and every handler (which
parsed `R12` again); and the norm file of `/norms set` was a special case in both adapters. This is
discord.py's `app_commands.Transformer` (one object says how a value is typed, transformed and completed)
and Red-DiscordBot's converters, without either's platform: a converter's `parse` is pure and synchronous
(shape, bounds, length), and what needs the store (does R12 exist here, is `foo` a norm of this community)
stays in the handler, inside its unit of work, where the answer cannot be stale.

A converter that refuses a value raises `BadValue` with a predicate ("should be an id like R12, not 'x'");
the binder (`moderation.kernel.commands`) names the parameter and adds the usage line, so every bad value
is answered as `"release" should be an id like R12, not 'banana'.` whatever converter said it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, Protocol, TypeVar

from moderation.kernel.i18n import N_, _
from moderation.kernel.visible import visible

if TYPE_CHECKING:
    from norms import Norm
    from storage import Release

__all__ = [
    "ID_SHAPE",
    "Attachment",
    "AttachmentConverter",
    "BadValue",
    "Catalogue",
    "Converter",
    "FlagRef",
    "Int",
    "NormId",
    "OneOf",
    "OptionType",
    "ReleaseRef",
    "Text",
    "Word",
]

T = TypeVar("T")
OptionType = Literal["string", "integer", "attachment"]
ID_SHAPE = re.compile(r"(?:[RrFf]|#)?([0-9]{1,18})")
"""`R12`, `#12`, `12` (and `F7` for flags): what people type for an id; 18 digits at most (no bigint)."""


class BadValue(ValueError):
    """A value a converter refuses: a message about the parameter `{name}` (marked with `N_` when it is in the
    catalogs) and the values to format into it once translated, so user text never reaches `_` or `format`."""

    def __init__(self, message: str, *, hint: str | None = None, **fields: object) -> None:
        super().__init__(message)
        self.message, self.fields, self._hint = message, fields, hint

    @property
    def hint(self) -> str | None:
        """An example that works (a message marked with `N_`), in the current language; None: the usage line."""
        return _(self._hint) if self._hint else None

    def said_of(self, name: str) -> str:
        """The message for parameter `name` (unless the message names something else as `name`), in the
        current language."""
        return _(self.message).format(**{"name": name, **self.fields})

    def __str__(self) -> str:
        return self.said_of("value")


class Catalogue(Protocol):
    """What autocomplete may look at, for the chat being typed in; the core provides it (one unit of work)."""

    async def releases(self) -> Sequence[Release]:
        """Releases in the order a member here most likely means them (the thread's own, the channel's open ones,
        then the community's newest)."""
        ...

    async def norms(self) -> Sequence[Norm]:
        """The norms of the pack in force."""
        ...


class Converter(Generic[T]):
    """How one kind of value is typed, checked and completed. Subclasses override `parse` (and `suggest`)."""

    kind: ClassVar[str] = "word"
    option: ClassVar[OptionType] = "string"
    rest: bool = False
    """Takes the rest of typed text verbatim (a reason, a note) instead of one word."""
    max_length: int = 1000
    choices: tuple[str, ...] = ()
    completes: ClassVar[bool] = False
    """Has suggestions that need the store (`suggest`); fixed `choices` are rendered as choices instead."""
    example: str = "word"

    def parse(self, raw: str) -> T:
        """The value of one argument as typed (already stripped and within `max_length`)."""
        raise NotImplementedError

    skippable: ClassVar[bool] = False
    """An optional parameter of this kind, followed by others, is left out when the word does not parse for it
    (`/flag credit-base-model no base` has no release id), as discord.ext.commands' `Optional[T]`. Only ids,
    which have a shape of their own: a misspelt choice (`/setup colour blue`) is answered, not skipped."""

    def recognises(self, token: str) -> bool:
        """Whether a word could be this parameter (see `skippable`)."""
        try:
            self.parse(token)
        except BadValue:
            return False
        return True

    async def suggest(self, catalogue: Catalogue, prefix: str) -> list[tuple[str, str]]:
        """(value, label) suggestions for what was typed so far; fixed choices by default."""
        prefix = prefix.strip().lower()
        return [(c, c) for c in self.choices if c.startswith(prefix)]

    def label(self, name: str) -> str:
        """How the usage line names the parameter (`norm`, `reason…`, `upheld|dismissed`)."""
        if self.choices:
            return "|".join(self.choices)
        return f"{name}…" if self.rest else name


# -- values -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseRef:
    """A release named by its id (`R12`); whether it exists in this community is the handler's question
    (`Invocation.target_release`)."""

    id: int

    def __str__(self) -> str:
        return f"R{self.id}"


@dataclass(frozen=True, slots=True)
class FlagRef:
    """A flag named by its id (`F7`)."""

    id: int

    def __str__(self) -> str:
        return f"F{self.id}"


class NormId(str):
    """A norm id as the pack spells it (lower case); whether the pack has it is the handler's question."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to the command, read as text by the adapter (which refuses it when too large or not
    UTF-8 before it reaches the core)."""

    name: str
    text: str


# -- converters ---------------------------------------------------------------------------------------


class _IdConverter(Converter[T]):
    prefix: ClassVar[str] = "R"
    skippable = True

    def __init__(self) -> None:
        self.example = f"{self.prefix}12" if self.prefix == "R" else f"{self.prefix}7"

    def _id(self, raw: str) -> int:
        m = ID_SHAPE.fullmatch(raw.strip())
        if m is None:
            raise BadValue(
                N_('"{name}" should be an id like {example}, not {value}.'), example=self.example, value=repr(raw[:30])
            )
        return int(m.group(1))


class ReleaseRefConverter(_IdConverter[ReleaseRef]):
    """`R12`, `#12` or `12`; completes with the releases of the chat."""

    kind = "release"
    completes = True

    def parse(self, raw: str) -> ReleaseRef:
        return ReleaseRef(self._id(raw))

    async def suggest(self, catalogue: Catalogue, prefix: str) -> list[tuple[str, str]]:
        prefix = prefix.strip().lower()
        digits = prefix.lstrip("r#")
        return [
            (f"R{r.id}", visible(f"R{r.id} {r.model_name} {r.version or ''} ({r.status})")[:100])
            for r in await catalogue.releases()
            if not prefix or str(r.id).startswith(digits) or prefix in r.model_name.lower()
        ]


class FlagRefConverter(_IdConverter[FlagRef]):
    """`F7`, `#7` or `7`."""

    kind = "flag"
    prefix = "F"

    def parse(self, raw: str) -> FlagRef:
        return FlagRef(self._id(raw))


class NormIdConverter(Converter[NormId]):
    """A norm id, lower-cased; completes with the pack's norms by id or title."""

    kind = "norm"
    completes = True
    example = "credit-base-model"

    def __init__(self, max_length: int = 1000) -> None:
        self.max_length = max_length

    def parse(self, raw: str) -> NormId:
        return NormId(raw.strip().lower())

    async def suggest(self, catalogue: Catalogue, prefix: str) -> list[tuple[str, str]]:
        prefix = prefix.strip().lower()
        return [
            (n.id, f"{n.id} — {n.title}"[:100])
            for n in await catalogue.norms()
            if prefix in n.id or prefix in n.title.lower()
        ]


class Word(Converter[str]):
    """One word (or "quoted words") of free text, at most `max_length` characters."""

    kind = "word"

    def __init__(self, max_length: int = 1000, example: str = "word") -> None:
        self.max_length = max_length
        self.example = example

    def parse(self, raw: str) -> str:
        return raw.strip()


class Text(Converter[str]):
    """The rest of the command's text, verbatim (a reason, a note); at most `max_length` characters."""

    kind = "text"
    rest = True

    def __init__(self, max_length: int = 1000) -> None:
        self.max_length = max_length
        self.example = "a sentence"

    def parse(self, raw: str) -> str:
        return raw.strip()


class OneOf(Converter[str]):
    """One of fixed words, case-insensitive (rendered as Discord choices; named in the usage line)."""

    kind = "choice"

    def __init__(self, *choices: str) -> None:
        if not choices:
            raise ValueError("a OneOf needs at least one choice")
        self.choices = tuple(choices)
        self.example = choices[0]

    def parse(self, raw: str) -> str:
        value = raw.strip().lower()
        if value not in self.choices:
            raise BadValue(N_('"{name}" must be one of: {choices}.'), choices=", ".join(self.choices))
        return value


class Int(Converter[int]):
    """A whole number within optional bounds (`#3` reads as 3, as people copy it from lists)."""

    kind = "int"
    option = "integer"

    def __init__(self, min_value: int | None = None, max_value: int | None = None, example: str = "3") -> None:
        self.min_value, self.max_value, self.example = min_value, max_value, example

    def parse(self, raw: str) -> int:
        m = ID_SHAPE.fullmatch(raw.strip())
        if m is None:
            raise BadValue(
                N_('"{name}" should be an id like {example}, not {value}.'), example=self.example, value=repr(raw[:30])
            )
        value = int(m.group(1))
        low, high = self.min_value, self.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            raise BadValue(
                N_('"{name}" should be a number from {low} to {high}, not {value}.'),
                low="…" if low is None else low,
                high="…" if high is None else high,
                value=value,
            )
        return value


class AttachmentConverter(Converter[Attachment]):
    """A file attached to the command, as UTF-8 text of at most `max_bytes`. Typed text has no token for it:
    Telegram reads the message's document, Discord an attachment option, the console `< path`. The adapters
    read `max_bytes` (and say `too_large` / `not_text`) before downloading, so nothing above it is fetched."""

    kind = "attachment"
    option = "attachment"

    def __init__(
        self, max_bytes: int, *, what: str = "file", missing: str | None = None, hint: str | None = None
    ) -> None:
        """`what` names the file in the adapters' refusals; `missing` and `hint` (messages marked with `N_`,
        translated when said) replace "Attach the file to the command." and the usage line."""
        self.max_bytes, self.what, self._missing, self._hint = max_bytes, what, missing, hint
        self.example = "file.yaml"

    def parse(self, raw: str) -> Attachment:
        raise BadValue("{text}", text=self.missing())

    def recognises(self, token: str) -> bool:
        return False

    def label(self, name: str) -> str:
        return f"attached {name}"

    def parse_file(self, name: str, text: str) -> Attachment:
        """An attached file's name and text; refused above `max_bytes` (the console reads files unchecked)."""
        if len(text.encode("utf-8", "replace")) > self.max_bytes:
            raise BadValue(N_("{name} is larger than {size} KB."), name=name[:60], size=self.max_bytes // 1024)
        return Attachment(name, text)

    def missing(self) -> str:
        """What to say when no file was attached, in the current language."""
        return _(self._missing) if self._missing else f"Attach the {self.what} to the command."

    @property
    def hint(self) -> str | None:
        """The hint after `missing`, in the current language (None: the usage line)."""
        return _(self._hint) if self._hint else None

    def too_large(self, name: str) -> str:
        """Said by adapters and the core alike when a file is over `max_bytes`."""
        return f"{name[:60]} is larger than {self.max_bytes // 1024} KB; I did not read it."

    def not_text(self, name: str) -> str:
        """Said when a file is not UTF-8 text."""
        return f"{name[:60]} is not UTF-8 text; attach the {self.what} itself."


RELEASE_REF = ReleaseRefConverter()
FLAG_REF = FlagRefConverter()
NORM_ID = NormIdConverter()
