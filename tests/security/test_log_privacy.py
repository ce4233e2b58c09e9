"""Members' text never reaches the logs, not even in the traceback of an internal error (issue 21, item 7).

The database refuses the review's answer row (a CHECK constraint on PostgreSQL, whose error echoes the failing
row; a trigger on SQLite), so the core meets a real internal error while it holds a member's private note.
Before the fix the logged traceback carried the statement's parameters, note included, and on PostgreSQL the
DETAIL line "Failing row contains (…, <note>)" as well.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.logs import configure_logging
from storage import Store
from tests.core.harness import GOOD, Chat, reply_text

NOTE = "kkp-private-review-note-7789 about my neighbour"
ANNOUNCEMENT_SECRET = "my-home-address-is-12-elm-street"


@pytest.fixture
async def refusing_answers(store: Store) -> AsyncIterator[None]:
    """The database refuses every review answer until the test ends."""
    async with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            await conn.execute(
                text("ALTER TABLE review_answers ADD CONSTRAINT ck_test_refuse CHECK (length(note) < 5) NOT VALID")
            )
        else:
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_answers BEFORE INSERT ON review_answers "
                    "BEGIN SELECT RAISE(ABORT, 'answers refused by a test trigger'); END"
                )
            )
    try:
        yield
    finally:
        async with store.engine.begin() as conn:
            if store.dialect == "postgresql":
                await conn.execute(text("ALTER TABLE review_answers DROP CONSTRAINT ck_test_refuse"))
            else:
                await conn.execute(text("DROP TRIGGER refuse_answers"))


def _everything(records: list[logging.LogRecord]) -> str:
    """All a handler could print of these records: message, arguments, traceback, stack."""
    out = []
    formatter = logging.Formatter()
    for r in records:
        out.append(formatter.format(r))
        out.extend(str(x) for x in (r.msg, r.args, r.exc_text, r.stack_info))
    return "\n".join(out)


async def test_internal_error_during_a_review_logs_no_note(
    chat: Chat, store: Store, refusing_answers: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The member hears "Something went wrong"; the log has the incident, the table and the database's
    reason, but not the note, on SQLite and PostgreSQL."""
    await chat.say("ada", GOOD)
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    reply = reply_text(await chat.cmd("rex", f"/review R1 harm-real-person-consent=no {NOTE}"))
    assert "Something went wrong" in reply
    logged = _everything(caplog.records)
    assert "internal error" in logged and "review_answers" in logged
    assert ("ck_test_refuse" if store.dialect == "postgresql" else "answers refused by a test trigger") in logged
    assert "kkp-private-review-note" not in logged
    assert "neighbour" not in logged


async def test_process_log_output_has_no_member_text(
    chat: Chat, store: Store, refusing_answers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same through the process's own handler (`configure_logging`, JSON lines, as `normbot run` logs):
    neither the note nor an announcement's text appears in stderr, and the incident is there."""
    handler = configure_logging("DEBUG", "json")
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        await chat.say("ada", f"{GOOD} Contact: {ANNOUNCEMENT_SECRET}")
        reply = reply_text(await chat.cmd("rex", f"/review R1 harm-real-person-consent=no {NOTE}"))
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    assert "Something went wrong" in reply
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert errors and "internal error" in errors[0]["message"] and "exception" in errors[0]
    output = stream.getvalue()
    assert "kkp-private-review-note" not in output and "neighbour" not in output
    assert ANNOUNCEMENT_SECRET not in output
