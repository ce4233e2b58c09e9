"""Hostile input through the real core (SQLite and PostgreSQL): huge messages, invisible characters,
look-alike digits, bombs in norm files, a catastrophic regex, unknown ids and forged buttons.

Each test asserts two things: the answer is a clear reply (never an internal error), and nothing that should
not change did change (counted in the store, including the audit chain).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from moderation.core import Core
from moderation.kernel.actions import Action, Reply, Send
from storage import Store
from storage.models import AuditEvent, Endorsement, Flag, NormPackRevision, Release
from tests.core.harness import GOOD, Chat, reply_text

BIG = 100 * 1024
CARD_BOUND = 8000  # no card the core returns may be larger than this, whatever came in


def _titles(actions: Sequence[Action]) -> list[str]:
    return [a.card.title for a in actions if isinstance(a, Reply | Send)]


def _no_internal_error(core: Core, actions: Sequence[Action]) -> None:
    assert "Something went wrong" not in _titles(actions)
    assert core.stats["internal_errors"] == 0


def _bounded(actions: Sequence[Action]) -> None:
    for a in actions:
        card = getattr(a, "card", None)
        if card is not None:
            assert len(card.as_text()) <= CARD_BOUND, f"{card.title[:40]!r} is {len(card.as_text())} chars"


async def _count(store: Store, model: type) -> int:
    async with store.transaction() as tx:
        return int((await tx.s.execute(select(func.count()).select_from(model))).scalar_one())


async def _state(store: Store) -> tuple[int, int, int, int, int]:
    return (
        await _count(store, Release),
        await _count(store, Endorsement),
        await _count(store, Flag),
        await _count(store, NormPackRevision),
        await _count(store, AuditEvent),
    )


@pytest.fixture
async def announced(chat: Chat) -> Chat:
    await chat.say("ada", GOOD, message_id="ann1")
    return chat


# -- 100 KB messages ---------------------------------------------------------------------------------------


async def test_100kb_chat_message_is_handled_with_bounded_output(chat: Chat, store: Store) -> None:
    """A 100 KB message of noise is not a release; a 100 KB announcement is one, with bounded cards."""
    noise = ("lorem ipsum @everyone **x** " * 5000)[:BIG]
    actions = await chat.say("bo", noise)
    _no_internal_error(chat.core, actions)
    _bounded(actions)
    padded = GOOD + " " + ("more details about the training set. " * 3000)[: BIG - len(GOOD)]
    actions = await chat.say("ada", padded)
    _no_internal_error(chat.core, actions)
    _bounded(actions)
    async with store.transaction() as tx:
        rows = list((await tx.s.execute(select(Release))).scalars())
    assert len(rows) == 1 and len(rows[0].text) <= 20000


@pytest.mark.parametrize(
    "line",
    [
        "/flag R1 credit-base-model " + "x" * BIG,
        "/endorse R1 " + "y" * BIG,
        "/review R1 " + "harm-real-person-consent=no " * 4000,
        "/release edit R1 license " + "z" * BIG,
        "/help " + "h" * BIG,
        "/" + "q" * BIG,
    ],
    ids=["flag", "endorse", "review", "edit", "help", "name"],
)
async def test_100kb_command_is_refused_clearly(announced: Chat, store: Store, line: str) -> None:
    before = await _state(store)
    actions = await announced.cmd("ada" if "edit" in line else "bo", line)
    _no_internal_error(announced.core, actions)
    _bounded(actions)
    text = reply_text(actions)
    assert "too long" in text or "I don't know the command" in text or "There is no command" in text
    assert await _state(store) == before


# -- invisible characters and look-alike digits --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "/endorse\u200b R1",
        "/end\u200dorse R1",
        "/\ufeffendorse R1",
        "/release show R\u200b1",
        "/release show R１",  # full-width digit one
        "/release show ＃1",  # full-width number sign
        "/release show R١",  # Arabic-Indic digit one
        "/release show R1\u0301",  # combining accent on the digit
        "/resolve F１ upheld x",
    ],
)
async def test_invisible_and_lookalike_tricks_change_nothing(announced: Chat, store: Store, line: str) -> None:
    """Such commands are answered (help, a usage hint, or "Not allowed" for a member's moderator command:
    permission comes before usage) and never act on a release by accident.

    (An optional release id that does not parse is not an id: `/endorse R１ nice` endorses the replied-to or,
    in the console, the latest release with the note "R１ nice", as designed.)"""
    before = await _state(store)
    actions = await announced.cmd("bo", line)
    _no_internal_error(announced.core, actions)
    text = reply_text(actions)
    hints = ("Usage", "Send /help", "like R12", "like F7", "Only moderators can use")
    assert text and any(hint in text for hint in hints)
    assert await _state(store) == before


@pytest.mark.parametrize("line", ["/re\u200bsolve F1 upheld x", "/ｓｔａｔｕｓ R1 removed x", "/status R１ removed x"])
async def test_tricks_do_not_bypass_permissions(announced: Chat, store: Store, line: str) -> None:
    """A member disguising a moderator command gets no further than with the plain command."""
    await announced.cmd("bo", "/flag R1 credit-base-model no base named")
    before = await _state(store)
    actions = await announced.cmd("cy", line)
    _no_internal_error(announced.core, actions)
    assert await _state(store) == before
    async with store.transaction() as tx:
        release = await tx.releases.get_any(1)
        assert release is not None and release.status != "removed"


async def test_fullwidth_digits_in_button_payload_are_refused(announced: Chat, store: Store) -> None:
    before = await _state(store)
    text = reply_text(await announced.press("bo", "nb1:endorse:１"))
    assert "not valid" in text
    assert await _state(store) == before


# -- norm files: malformed, nested, bombs, catastrophic regex ------------------------------------------------

ALIAS_BOMB = "\n".join(
    ["schema_version: 1", "a: &a [x,x,x,x,x,x,x,x,x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(7)]
)
NORM_FILES = {
    "syntax": "schema_version: 1\nid: [unclosed\n",
    "deep": "schema_version: 1\nid: x\nnorms: " + "[" * 5000 + "]" * 5000 + "\n",
    "alias-bomb": ALIAS_BOMB,
    "not-a-mapping": "- just\n- a list\n",
    "binary": "\x00\x01\x02\xff" * 100,
    "huge": "schema_version: 1\n# " + "x" * (300 * 1024) + "\n",
    "backreference": (
        "schema_version: 1\nid: evil\nversion: 1.0.0\nextends: [baseline]\nnorms:\n  - id: bad\n    need: harms\n"
        "    severity: warn\n    title: t\n    forbid: {text: '(a)\\1'}\n"
    ),
    "escape-base-dir": "schema_version: 1\nid: x\nversion: 1.0.0\nextends: [../../../../etc/passwd]\nnorms: []\n",
    "python-tag": "schema_version: 1\nid: !!python/object/apply:os.system ['echo pwned']\n",
}


@pytest.mark.parametrize("name", sorted(NORM_FILES))
async def test_bad_norm_files_are_answered_with_problems_and_not_applied(
    announced: Chat, store: Store, name: str
) -> None:
    before = await _state(store)
    actions = await announced.cmd("mia", "/norms set", attachment_texts={f"{name}.yaml": NORM_FILES[name]})
    _no_internal_error(announced.core, actions)
    _bounded(actions)
    text = reply_text(actions)
    assert "nothing was changed" in text or "larger than" in text
    assert await _state(store) == before
    pack = announced.core.packs
    async with store.transaction() as tx:
        current = await pack.current(tx, announced.core.communities["forge"], 1)
    assert current.id == "baseline"


CATASTROPHIC = (
    "schema_version: 1\nid: evil-regex\nversion: 1.0.0\nextends: [baseline]\nnorms:\n"
    "  - id: no-trailing-a\n    need: harms\n    severity: warn\n    title: No text ending in a\n"
    "    forbid: {text: '(a+)+$'}\n"
)


async def test_catastrophic_regex_runs_in_linear_time_through_the_core(chat: Chat, store: Store) -> None:
    """`(a+)+$` on 10,000 a's and a b backtracks for ages on a backtracking engine; on RE2 the announcement
    is checked like any other. The timeout is a safety net against a hung CI job, not a performance claim."""
    adopted = await chat.cmd("mia", "/norms set", attachment_texts={"evil.yaml": CATASTROPHIC})
    assert "Norms updated" in reply_text(adopted)
    base = GOOD.replace("Neon Dreams v2", "Long Tail v1")
    hostile = base + " " + "a" * 10000 + "b"
    actions = await asyncio.wait_for(chat.say("ada", hostile), timeout=120)
    _no_internal_error(chat.core, actions)
    _bounded(actions)
    ending_in_a = GOOD.replace("Neon Dreams v2", "Short Tail v1") + " aaaa"
    await chat.say("kai", ending_in_a)
    async with store.transaction() as tx:
        outcomes = {}
        for release_id in (1, 2):
            check = await tx.norm_checks.latest(release_id)
            assert check is not None
            outcomes[release_id] = {r.norm_id: r.outcome for r in check[1]}["no-trailing-a"]
    assert outcomes == {1: "pass", 2: "fail"}


# -- unknown ids and forged buttons --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "/endorse R999999",
        "/release show R999999999999999999",
        "/flag R424242 credit-base-model reason",
        "/resolve F999999 upheld x",
        "/provenance #77",
        "/whyflagged R5",
    ],
)
async def test_unknown_ids_are_not_found(announced: Chat, store: Store, line: str) -> None:
    before = await _state(store)
    actions = await announced.cmd("mia", line)
    _no_internal_error(announced.core, actions)
    assert "There is no" in reply_text(actions)
    assert await _state(store) == before


@pytest.mark.parametrize(
    "line",
    ["/release show R99999999999999999999999", "/release show R-1", "/resolve F1.5 upheld x", "/release show 0x10"],
)
async def test_malformed_ids_get_usage(announced: Chat, store: Store, line: str) -> None:
    before = await _state(store)
    actions = await announced.cmd("mia", line)
    _no_internal_error(announced.core, actions)
    assert "like R12" in reply_text(actions) or "like F7" in reply_text(actions) or "expect" in reply_text(actions)
    assert await _state(store) == before


FORGED = [
    "",
    "nb1",
    "nb1:endorse",
    "nb1:endorse:abc",
    "nb2:endorse:1",
    "nb1:delete:1",
    "nb1:endorse:1:2:3",
    "nb1:endorse:1; DROP TABLE releases",
    "nb1:endorse:-1",
    "nb1:endorse:" + "9" * 19,
    "nb1:endorse:1\n",
    "NB1:ENDORSE:1",
    "x" * 5000,
]


@pytest.mark.parametrize("payload", FORGED, ids=[f"p{i}" for i in range(len(FORGED))])
async def test_forged_button_payloads_are_refused(announced: Chat, store: Store, payload: str) -> None:
    before = await _state(store)
    actions = await announced.press("bo", payload)
    _no_internal_error(announced.core, actions)
    assert "not valid any more" in reply_text(actions)
    assert await _state(store) == before


async def test_well_formed_buttons_still_check_permissions_and_community(
    announced: Chat, other_chat: Chat, store: Store
) -> None:
    """A hand-made payload is only as good as its presser's rights: a member's uphold is refused; a release or
    flag of another community is not found, even for that community's moderator."""
    await announced.cmd("bo", "/flag R1 credit-base-model no base named")
    before = await _state(store)
    assert "Not allowed" in _titles(await announced.press("cy", "nb1:uphold:1:1"))
    assert "There is no release R1" in reply_text(await other_chat.press("oz", "nb1:endorse:1"))
    assert "There is no" in reply_text(await other_chat.press("oz", "nb1:uphold:1:1"))
    assert "There is no" in reply_text(await other_chat.press("oz", "nb1:dismiss:999:1"))
    assert "There is no" in reply_text(await announced.press("mia", "nb1:uphold:1:999"))
    assert await _state(store) == before


async def test_nul_bytes_are_stored_not_crashed_on(chat: Chat, store: Store) -> None:
    """PostgreSQL text cannot hold NUL: an announcement, a note and a name with one are still recorded
    (found by the core fuzz test: it was an internal error on PostgreSQL)."""
    actions = await chat.say("ad\x00a", GOOD.replace("Neon", "Ne\x00on"))
    _no_internal_error(chat.core, actions)
    actions = await chat.cmd("bo", "/endorse R1 nice\x00 one")
    _no_internal_error(chat.core, actions)
    assert "Thanks!" in reply_text(actions)
    async with store.transaction() as tx:
        note = (await tx.s.execute(select(Endorsement.note))).scalar_one()
    assert note.startswith("nice") and note.endswith(" one")
