"""Forms, defined once for every platform: how a form's answers become its command's options, and the
progress payload an adapter keeps between the steps of a multi-step form.

A form (`moderation.kernel.actions.Form`) is a list of fields asked in order: choice fields (a norm, yes/no/n.a.)
and text fields (a reason, a note). Platforms show it in steps (Discord: a message with selects, then a
modal; Telegram: inline keyboards, then a reply), but the answers always come back as the form's command,
so permissions and input are checked by the command exactly as when it is typed.

The progress payload, `nbf1:<command>:<release id>:<form digest>:<page>:<answers>`, carries everything a
step needs, so a step works after a restart and on any replica (a Discord custom id, at most 100
characters). Each choice answer is the chosen option's position in base 36, of fixed width per field, or
`-` when not answered yet. Positions are only meaningful for one shape of the form, so the form's digest
travels with them: when the community's norms changed between two steps, the answers are refused (the
member starts again) rather than read as other norms. Anything that does not parse is refused with a short
message, like a forged button payload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from moderation.kernel.actions import Form, FormField
from moderation.kernel.commands import COMMANDS
from moderation.kernel.errors import BadArgument
from moderation.kernel.i18n import N_, translate

__all__ = [
    "OPENERS",
    "PREFIX",
    "Progress",
    "answers_of",
    "form_options",
    "missing",
    "release_id_of",
    "start",
    "with_answer",
]

PREFIX = "nbf1"
MAX_PAYLOAD = 100  # Discord's custom id limit
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_PROGRESS = re.compile(
    r"nbf1:([a-z]{1,12}):([0-9]{1,18}):([0-9a-f]{6}):([0-9]{1,3}):([0-9a-z-]{0,90})(?::([a-z][0-9]{0,3}))?"
)
OPENERS = {"flag": "flag", "review": "review"}
"""Commands whose form a button opens (command -> `moderation.kernel.buttons` action): a step of such a form asks
the core for the form again through that button, so the release and the actor are checked at every step."""
STALE = N_("This form is not valid any more: press the button on the release again.")
CHANGED = N_("The community's norms changed while you were filling this form: press the button on the release again.")


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a member is in a form: its command and release, the form's digest, the page shown, the
    choice answers so far (encoded; read them with `answers_of`)."""

    command: str
    release_id: int
    digest: str
    page: int = 0
    answers: str = ""
    step: str = ""

    def encode(self) -> str | None:
        """The payload, or None when it would not fit a Discord custom id (a form with very many choice
        fields): the adapter then says which command to type."""
        payload = f"{PREFIX}:{self.command}:{self.release_id}:{self.digest}:{self.page}:{self.answers}"
        if self.step:
            payload += f":{self.step}"
        return payload if len(payload) <= MAX_PAYLOAD and _PROGRESS.fullmatch(payload) else None

    def at_page(self, page: int) -> Progress:
        """The same answers, another page."""
        return replace(self, page=max(0, page), step="")

    def doing(self, step: str) -> Progress:
        """The same progress, naming what a component does (`s<n>` answers choice field n, `p<n>` shows
        page n, `c` continues, `m` is the modal): the components of one message need distinct ids."""
        return replace(self, step=step)

    @staticmethod
    def parse(payload: str) -> Progress:
        """Parse a payload; raises BadArgument for anything forged, stale or malformed."""
        m = _PROGRESS.fullmatch(payload or "")
        if m is None or m.group(1) not in OPENERS:
            raise BadArgument(translate(STALE))
        return Progress(m.group(1), int(m.group(2)), m.group(3), int(m.group(4)), m.group(5), m.group(6) or "")


def release_id_of(form: Form) -> int | None:
    """The release id of a form's `release_ref` (`R12` -> 12), or None when it names none."""
    digits = form.release_ref.lstrip("Rr#")
    return int(digits) if digits.isdigit() and len(digits) <= 18 else None


def _width(field: FormField) -> int:
    n, width = max(len(field.choices) - 1, 0), 1
    while n >= 36:
        n //= 36
        width += 1
    return width


def _code(position: int, width: int) -> str:
    out = ""
    for _ in range(width):
        position, digit = divmod(position, 36)
        out = _DIGITS[digit] + out
    return out


def start(form: Form) -> Progress:
    """The progress of a form nobody has answered yet."""
    rid = release_id_of(form)
    if rid is None:
        raise BadArgument(translate(STALE))
    blank = "".join("-" * _width(f) for f in form.choice_fields)
    return Progress(form.command, rid, form.digest, 0, blank)


def _slots(form: Form, progress: Progress) -> list[tuple[FormField, str]]:
    """Each choice field with its encoded answer; BadArgument when the progress is not for this form."""
    if progress.command != form.command or progress.release_id != release_id_of(form):
        raise BadArgument(translate(STALE))
    if progress.digest != form.digest:
        raise BadArgument(translate(CHANGED))
    out: list[tuple[FormField, str]] = []
    at = 0
    for field in form.choice_fields:
        width = _width(field)
        out.append((field, progress.answers[at : at + width]))
        at += width
    if at != len(progress.answers):
        raise BadArgument(translate(STALE))
    return out


def answers_of(form: Form, progress: Progress) -> dict[str, str]:
    """The choice answers so far, by field name (the choice's value); unanswered fields are left out."""
    answers: dict[str, str] = {}
    for field, code in _slots(form, progress):
        if set(code) == {"-"}:
            continue
        if "-" in code:
            raise BadArgument(translate(STALE))
        position = int(code, 36)
        if position >= len(field.choices):
            raise BadArgument(translate(STALE))
        answers[field.name] = field.choices[position].value
    return answers


def with_answer(form: Form, progress: Progress, name: str, value: str) -> Progress:
    """The progress with field `name` answered `value`; BadArgument for a field or value the form does
    not have (a forged interaction)."""
    codes: list[str] = []
    found = False
    for field, code in _slots(form, progress):
        if field.name == name:
            values = field.values
            if value not in values:
                raise BadArgument(translate(STALE))
            code = _code(values.index(value), _width(field))
            found = True
        codes.append(code)
    if not found:
        raise BadArgument(translate(STALE))
    return replace(progress, answers="".join(codes), step="")


def missing(form: Form, answers: Mapping[str, str]) -> list[FormField]:
    """The required fields without an answer, in order."""
    return [f for f in form.fields if f.required and not (answers.get(f.name) or "").strip()]


def form_options(form: Form, answers: Mapping[str, str]) -> dict[str, str]:
    """A form's answers as the options of its command.

    Fields named like a parameter fill it. The others go into the command's free-text parameter: choice
    answers as `name=value` words (the review checklist), then text answers as free text (the review's
    note). In that free text a `=` is spaced out (`a = b`), so a note can never be read as one more
    checklist answer."""
    spec = COMMANDS.get(form.command)
    names = {p.name for p in spec.params} if spec else set()
    options: dict[str, str] = {}
    if "release" in names:
        options["release"] = form.release_ref
    words: list[str] = []
    notes: list[str] = []
    for field in form.fields:
        value = (answers.get(field.name) or "").strip()
        if not value:
            continue
        if field.name in names:
            options[field.name] = value
        elif field.choices:
            words.append(f"{field.name}={value.split()[0]}")
        else:
            notes.append(re.sub(r"\s*=\s*", " = ", value))
    rest = next((p.name for p in spec.params if p.rest), None) if spec else None
    if (words or notes) and rest is not None:
        options[rest] = " ".join(part for part in (*words, options.get(rest, ""), *notes) if part)
    return options
