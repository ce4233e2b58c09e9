"""How many SQL statements an announcement and an endorsement cost, pinned.

Round trips are what an announcement's time goes to (docs/performance.md), so a refactoring of the store (such
as moving queries into repositories, docs/architecture.md "One storage style") must not add any. Counted on
SQLite and on PostgreSQL (the core tests run on both); a change that really needs another statement updates the
numbers here and says why in its commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from storage import Store
from tests.core.harness import GOOD, Chat, reply_text, sends


@contextmanager
def _counting(store: Store) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", record)


async def test_statements_per_announcement_and_endorsement(chat: Chat, store: Store) -> None:
    """One announcement, then one endorsement of it: each costs the statements measured before the storage
    refactoring into repositories."""
    with _counting(store) as announcement:
        assert sends(await chat.say("ada", GOOD, message_id="ann1"))
    with _counting(store) as endorsement:
        assert "Thanks!" in reply_text(await chat.cmd("fan1", "/endorse R1"))
    assert (len(announcement), len(endorsement)) == EXPECTED[store.dialect], (announcement, endorsement)


# (statements of the announcement, statements of the endorsement), measured on main before the refactoring into
# repositories, with `/setup`'s settings read beside the binding snapshot (one statement more per announcement
# than before it); the statement texts were identical, in the same order, after the refactoring. PostgreSQL
# stores the audit events with the chain head's UPDATE in one statement, hence fewer there.
EXPECTED = {"sqlite": (28, 18), "postgresql": (26, 17)}
