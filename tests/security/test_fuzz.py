"""Fuzzing the three parsers that read untrusted text, and the core behind them.

- `moderation.extraction.extract`: never raises, fields stay within their documented shapes and sizes.
- `norms.lint_text`: never raises; a problem list is the only answer to bad input.
- `moderation.kernel.commands.resolve_name` + `bind_text`: only `UnknownCommand` / `BadArgument` (both `UserError`).
- The whole core: a seeded stream of hostile command lines and messages never produces an internal error.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The handler modules register the commands (Core imports them the same way); the strategies need the names.
import moderation.handlers  # noqa: F401  (registers every command)
from moderation.extraction import extract
from moderation.kernel import buttons
from moderation.kernel.actions import Reply
from moderation.kernel.commands import COMMANDS, bind_text, release_id_of, resolve_name
from moderation.kernel.errors import BadArgument, UnknownCommand
from moderation.kernel.params import FlagRef, ReleaseRef
from norms import Problem, lint_text
from tests.conftest import examples
from tests.core.harness import GOOD, Chat

HOSTILE = [
    "\u200b", "\u200d", "\ufeff", "\u202e", "\u0301", "\x00", "\r\n", "\t", "１", "٣", "Ｒ", "＃", "@everyone",
    "<@&123456789012345678>", "**", "__", "`", "```", "||", "[x](javascript:alert(1))", '"', "'", "\\", "=",
    "R1", "F1", "#1", "R" + "9" * 30, "-", "--", "/", "//", "@", "&a", "*a", "!!python/object", "{", "}", "[", "]",
    ":", "- ", "yes", "no", "na", "harm-real-person-consent=", "credit-base-model", "%s", "{0}", "${x}", "🌸",
    "a" * 300, "DROP TABLE releases;", "'; --", "\udfff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]  # fmt: skip
PIECES = st.sampled_from(HOSTILE)
MESSY = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=30).map("".join)
YAMLISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "schema_version: 1\n", "id: x\n", "version: 1.0.0\n", "norms:\n", "  - id: n\n", "    need: harms\n",
                "    severity: warn\n", "    title: t\n", "    forbid: {text: '(a+)+$'}\n", "extends: [baseline]\n",
                "extends: [../x.yaml]\n", "&a [", "*a", "!!binary", "? ", ": ", "- ", "[", "]", "{", "}", "\t",
                "%YAML 1.1\n", "---\n", "...\n", "'", '"', "|\n", ">\n", "#", "<<: *a\n",
            ]
        ),
        st.text(max_size=10),
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=examples(400), deadline=None)
@given(MESSY, st.lists(MESSY, max_size=3))
def test_extract_never_raises_and_stays_bounded(text: str, attachments: list[str]) -> None:
    fields = extract(text, attachments)
    data = fields.to_json()
    assert isinstance(data, dict)
    for name in ("model_name", "version", "license", "base_model", "model_type"):
        value = getattr(fields, name)
        assert value is None or (isinstance(value, str) and len(value) <= 2 * len(text) + 200)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=40).map(lambda s: "a" * 20000 + s))
def test_extract_handles_long_runs(text: str) -> None:
    extract(text)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(YAMLISH, MESSY, st.text(max_size=300)))
def test_lint_text_only_answers_with_problems(text: str) -> None:
    problems = lint_text(text, "fuzz.yaml")
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem) and p.line >= 0 and p.message


@settings(max_examples=examples(600), deadline=None)
@given(st.one_of(st.sampled_from([*sorted(COMMANDS), "norms", "release", "x"]), MESSY), MESSY)
def test_command_parser_raises_only_user_errors(name: str, args: str) -> None:
    try:
        spec, rest = resolve_name(name, args)
        values = bind_text(spec, rest)
    except (UnknownCommand, BadArgument) as exc:
        message = str(exc)
        assert message
        return
    known = {p.name: p for p in spec.params}
    for key, value in values.items():
        assert key in known
        if isinstance(value, str):
            assert len(value) <= known[key].max_length
        if isinstance(value, (ReleaseRef, FlagRef)):
            assert value.id >= 0 and release_id_of(str(value)) == value.id


@settings(max_examples=examples(400), deadline=None)
@given(st.one_of(MESSY, st.text(max_size=80), st.from_regex(r"nb1:[a-z]{1,12}:[0-9]{1,20}(:[0-9]{1,20})?")))
def test_button_parser_raises_only_bad_argument(payload: str) -> None:
    try:
        parsed = buttons.parse(payload)
    except BadArgument:
        return
    assert parsed.action in buttons.ACTIONS and parsed.release_id >= 0


async def test_core_survives_a_hostile_stream(chat: Chat) -> None:
    """300 seeded hostile lines from a member and a moderator: every one gets at most a clear reply."""
    rng = random.Random(20261124)
    await chat.say("ada", GOOD, message_id="ann1")
    names = sorted(COMMANDS)
    for i in range(300):
        words = [rng.choice(HOSTILE) for _ in range(rng.randint(0, 8))]
        if rng.random() < 0.6:
            line = f"/{rng.choice(names)} {''.join(words)}"
        elif rng.random() < 0.5:
            line = "/" + "".join(words)
        else:
            line = ""
        who = "mia" if i % 5 == 0 else "bo"
        actions = await (chat.cmd(who, line) if line else chat.say(who, " ".join(words) or "."))
        for a in actions:
            if isinstance(a, Reply):
                assert a.card.title != "Something went wrong", (line, a.card.body)
    assert chat.core.stats["internal_errors"] == 0
