"""Typed parameters: each converter parses, validates and completes on its own, and the binder turns typed text
and structured options alike into the values handlers are typed with, naming the parameter when a value is bad."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from moderation.kernel.actions import Action
from moderation.kernel.commands import COMMANDS, CommandSpec, Param, bind_options, bind_text, command, resolve_name
from moderation.kernel.errors import BadArgument
from moderation.kernel.invocation import Invocation
from moderation.kernel.params import (
    FLAG_REF,
    NORM_ID,
    RELEASE_REF,
    Attachment,
    AttachmentConverter,
    BadValue,
    FlagRef,
    Int,
    NormId,
    OneOf,
    ReleaseRef,
    Text,
    Word,
)
from moderation.kernel.permissions import Privilege
from tests.core.harness import Chat, reply_text

# -- converters on their own ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["R12", "r12", "#12", "12", " R12 "])
def test_release_ref_reads_every_spelling_of_an_id(typed: str) -> None:
    assert RELEASE_REF.parse(typed) == ReleaseRef(12)
    assert str(ReleaseRef(12)) == "R12"


@pytest.mark.parametrize("typed", ["banana", "R", "R-1", "R1234567890123456789", "12a", ""])
def test_release_ref_refuses_with_an_example(typed: str) -> None:
    with pytest.raises(BadValue, match="should be an id like R12"):
        RELEASE_REF.parse(typed)


def test_flag_ref_and_its_example() -> None:
    flag = FLAG_REF
    assert flag.parse("F7") == FlagRef(7) and flag.parse("#7") == FlagRef(7) and str(FlagRef(7)) == "F7"
    with pytest.raises(BadValue, match="should be an id like F7"):
        flag.parse("seven")


def test_norm_id_is_lower_cased() -> None:
    value = NORM_ID.parse(" Credit-Base-Model ")
    assert isinstance(value, NormId) and value == "credit-base-model"


def test_one_of_is_case_insensitive_and_lists_the_choices() -> None:
    outcome = OneOf("upheld", "dismissed")
    assert outcome.parse("UPHELD") == "upheld"
    with pytest.raises(BadValue, match="must be one of: upheld, dismissed"):
        outcome.parse("maybe")
    assert outcome.label("outcome") == "upheld|dismissed"


def test_int_reads_numbers_and_keeps_its_bounds() -> None:
    assert Int().parse("#3") == 3
    with pytest.raises(BadValue, match="should be an id like 3, not 'three'"):
        Int().parse("three")
    with pytest.raises(BadValue, match="from 1 to 5, not 9"):
        Int(1, 5).parse("9")
    with pytest.raises(BadValue, match="from 1 to …, not 0"):
        Int(1).parse("0")
    assert Int(max_value=5).parse("5") == 5


def test_text_takes_the_rest_and_word_one_word() -> None:
    assert Text(10).rest and not Word().rest
    assert Text(10).label("reason") == "reason…" and Word().label("code") == "code"


def test_attachment_refuses_a_file_over_its_limit_and_never_a_typed_word() -> None:
    files = AttachmentConverter(10, what="norm file (YAML)")
    assert files.parse_file("a.yaml", "x: 1") == Attachment("a.yaml", "x: 1")
    with pytest.raises(BadValue, match="larger than 0 KB"):
        files.parse_file("big.yaml", "#" * 11)
    assert not files.recognises("a.yaml")
    assert files.missing() == "Attach the norm file (YAML) to the command."


@dataclass
class _Catalogue:
    release_rows: Sequence[Any] = ()
    norm_rows: Sequence[Any] = ()
    asked: list[str] = field(default_factory=list)

    async def releases(self) -> Sequence[Any]:
        self.asked.append("releases")
        return self.release_rows

    async def norms(self) -> Sequence[Any]:
        self.asked.append("norms")
        return self.norm_rows


@dataclass
class _Release:
    id: int
    model_name: str
    version: str | None
    status: str


@dataclass
class _Norm:
    id: str
    title: str


async def test_release_suggestions_match_the_id_or_the_name() -> None:
    catalogue = _Catalogue(
        [_Release(12, "Neon Dreams", "v2", "in_review"), _Release(31, "Quiet\u202eModel", None, "endorsed")]
    )
    release = RELEASE_REF
    assert [v for v, _ in await release.suggest(catalogue, "")] == ["R12", "R31"]
    assert [v for v, _ in await release.suggest(catalogue, "r3")] == ["R31"]
    assert await release.suggest(catalogue, "neon") == [("R12", "R12 Neon Dreams v2 (in_review)")]
    (label,) = [label for v, label in await release.suggest(catalogue, "31")]
    assert "\u202e" not in label  # control characters are shown, never obeyed


async def test_norm_suggestions_match_the_id_or_the_title() -> None:
    catalogue = _Catalogue(norm_rows=[_Norm("credit-base-model", "Name the base model"), _Norm("nsfw", "Tag it")])
    norm = NORM_ID
    assert [v for v, _ in await norm.suggest(catalogue, "BASE")] == ["credit-base-model"]
    assert [v for v, _ in await norm.suggest(catalogue, "tag")] == ["nsfw"]


async def test_fixed_choices_suggest_without_reading_anything() -> None:
    catalogue = _Catalogue()
    assert await OneOf("upheld", "dismissed").suggest(catalogue, "d") == [("dismissed", "dismissed")]
    assert await Word().suggest(catalogue, "x") == []
    assert catalogue.asked == []


# -- binding: the same values from text and from options -----------------------------------------------


@pytest.fixture
def scratch() -> Iterator[list[str]]:
    """Commands registered by a test, removed afterwards (the registry is process-wide)."""
    names: list[str] = []
    yield names
    for name in names:
        COMMANDS.pop(name, None)


def _spec(name: str) -> CommandSpec:
    spec = COMMANDS[name]
    return spec


def test_text_and_options_bind_to_the_same_typed_values() -> None:
    import moderation.core  # noqa: F401  (registers the commands)

    spec = _spec("flag")
    typed = bind_text(spec, "R3 Credit-Base-Model no base named")
    options = bind_options(spec, {"release": "#3", "norm": "credit-base-model", "reason": "no base named"})
    assert typed == options == {"release": ReleaseRef(3), "norm": "credit-base-model", "reason": "no base named"}
    assert isinstance(typed["norm"], NormId)
    # an optional release that is not an id is left out: the reply, the thread or the latest release is meant
    assert bind_text(spec, "credit-base-model no base") == {"norm": "credit-base-model", "reason": "no base"}
    assert bind_text(_spec("resolve"), "F7 Upheld named in the card") == {
        "flag": FlagRef(7),
        "outcome": "upheld",
        "note": "named in the card",
    }
    assert bind_text(_spec("norms rollback"), "#2") == {"revision": 2}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/release show banana", "\"release\" should be an id like R12, not 'banana'."),
        ("/resolve seven upheld ok", "\"flag\" should be an id like F7, not 'seven'."),
        ("/resolve F7 maybe ok", '"outcome" must be one of: upheld, dismissed.'),
        ("/norms rollback three", "\"revision\" should be an id like 3, not 'three'."),
        ("/claim https://example.com/x", "'https://example.com/x' is not a SHA-256"),
        ("/flag R1", '"norm" is missing.'),
        ("/norms set", "Attach the norm file (YAML) to the command."),
        ("/setup colour blue", '"setting" must be one of:'),  # an optional choice is answered, never skipped
    ],
)
def test_a_bad_value_names_the_parameter_with_an_example_or_usage(line: str, says: str) -> None:
    import moderation.core  # noqa: F401  (registers the commands)

    name, _, rest = line[1:].partition(" ")
    spec, rest = resolve_name(name, rest)
    with pytest.raises(BadArgument) as caught:
        bind_text(spec, rest)
    assert says in str(caught.value)
    said = str(caught.value)
    assert "Usage: /" in said or "normbot norms lint" in said or "For example: /claim https://" in said


def test_a_file_parameter_takes_no_word_and_binds_the_named_or_first_file() -> None:
    import moderation.core  # noqa: F401  (registers the commands)

    spec = _spec("norms set")
    assert spec.usage == "/norms set <attached file>"
    files = {"a.yaml": "id: a", "b.yaml": "id: b"}
    assert bind_text(spec, "", files=files) == {"file": Attachment("a.yaml", "id: a")}
    assert bind_options(spec, {"file": "b.yaml"}, files=files) == {"file": Attachment("b.yaml", "id: b")}
    with pytest.raises(BadArgument, match="larger than 256 KB"):
        bind_text(spec, "", files={"huge.yaml": "#" * (256 * 1024 + 1)})
    with pytest.raises(BadArgument, match=r"didn't expect 'file\.yaml'"):
        bind_text(spec, "file.yaml", files=files)


def test_a_handler_must_take_its_parameters_as_typed_keywords(scratch: list[str]) -> None:
    """A renamed parameter fails when the module is imported, not when a member first uses the command."""

    with pytest.raises(RuntimeError, match="keyword-only parameters"):

        @command("zz-wrong", "test", Param("release", "r", ReleaseRef, required=False))
        async def wrong(inv: Invocation, *, rel: ReleaseRef | None) -> list[Action]:
            return []

    scratch.append("zz-right")

    @command("zz-right", "test", Param("release", "r", ReleaseRef, required=False), Param("n", "n", Int(1, 9)))
    async def right(inv: Invocation, *, release: ReleaseRef | None, n: int) -> list[Action]:
        return []

    assert COMMANDS["zz-right"].targets_release
    assert "zz-wrong" not in COMMANDS
    # The untyped `(inv, args)` form is gone: every handler declares its parameters.
    with pytest.raises(RuntimeError, match="keyword-only parameters"):

        @command("zz-dict", "test", Param("release", "r", ReleaseRef, required=False))
        async def untyped(inv: Invocation, args: dict[str, object]) -> list[Action]:
            return []


async def test_typed_values_reach_the_handler_and_bad_ones_are_answered(chat: Chat, scratch: list[str]) -> None:
    """Through the real core: the handler gets a ReleaseRef and an int; a bad value is a reply, not a traceback."""
    got: list[tuple[ReleaseRef | None, int]] = []
    scratch.append("zz-typed")

    @command(
        "zz-typed",
        "test",
        Param("release", "r", ReleaseRef, required=False),
        Param("n", "a number", Int(1, 9)),
        privilege=Privilege.MEMBER,
    )
    async def typed(inv: Invocation, *, release: ReleaseRef | None, n: int) -> list[Action]:
        got.append((release, n))
        return []

    await chat.cmd("bo", "/zz-typed R4 7")
    assert got == [(ReleaseRef(4), 7)]
    text = reply_text(await chat.cmd("bo", "/zz-typed R4 12"))
    assert '"n" should be a number from 1 to 9, not 12.' in text and "Usage: /zz-typed [release] <n>" in text
    # a lone number has the shape of a release id, so the number is what is missing
    assert '"n" is missing.' in reply_text(await chat.cmd("bo", "/zz-typed 8"))
    # a word that is no release id is not taken for the optional release: it is the (bad) number
    assert "\"n\" should be an id like 3, not 'nine'." in reply_text(await chat.cmd("bo", "/zz-typed nine"))
    assert len(got) == 1
