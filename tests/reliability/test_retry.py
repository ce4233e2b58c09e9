"""The retry helper on its own: what counts as a connect failure, how often it retries, how long it waits."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy.exc import DBAPIError, OperationalError

from moderation.kernel.retry import RetryPolicy, is_connect_failure, retry_connect
from storage import StoreUnavailable


class CannotConnectNowError(Exception):
    """Stands in for asyncpg's class of this name (the helper matches driver errors by name)."""


def _unavailable(cause: BaseException) -> StoreUnavailable:
    try:
        raise StoreUnavailable("store unreachable") from cause
    except StoreUnavailable as exc:
        return exc


@pytest.mark.parametrize(
    ("cause", "connect"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (socket.gaierror(-2, "Name or service not known"), True),
        (CannotConnectNowError("the database system is starting up"), True),
        (OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "refused")), True),
        (DBAPIError("INSERT", {}, Exception("connection was closed in the middle of operation")), False),
        (ConnectionResetError(104, "reset by peer"), False),
        (TimeoutError(), False),
        (OperationalError("UPDATE", {}, Exception("database is locked")), False),
    ],
    ids=["refused", "dns", "starting-up", "wrapped-refused", "mid-transaction", "reset", "timeout", "sqlite-lock"],
)
def test_only_connect_phase_errors_count(cause: BaseException, connect: bool) -> None:
    assert is_connect_failure(_unavailable(cause)) is connect


def _as_sqlalchemy_raises_it(driver_error: BaseException) -> StoreUnavailable:
    """The chain SQLAlchemy's asyncpg dialect builds: the adapted `Error from <asyncpg error>` (carrying its
    SQLSTATE), then `DBAPIError(orig=adapted) from adapted`, then our `StoreUnavailable` on top."""
    import asyncpg
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi

    adapted_class = AsyncAdapt_asyncpg_dbapi(asyncpg).OperationalError
    try:
        try:
            try:
                raise driver_error
            except Exception as err:
                adapted = adapted_class(str(err))
                adapted.pgcode = adapted.sqlstate = getattr(err, "sqlstate", None)  # type: ignore[attr-defined]
                raise adapted from err
        except Exception as adapted_err:
            raise DBAPIError.instance("SELECT 1", {}, adapted_err, Exception) from adapted_err
    except DBAPIError as wrapped:
        return _unavailable(wrapped)


def test_a_server_still_starting_up_is_a_connect_failure_through_sqlalchemys_chain() -> None:
    """Seen under load: a restarted server answers 57P03 "not yet accepting connections"; the core took it for
    a lost connection and answered "something went wrong" instead of waiting for it (the chain walk stopped
    at SQLAlchemy's adapted error)."""
    import asyncpg.exceptions

    starting = asyncpg.exceptions.CannotConnectNowError("the database system is not yet accepting connections")
    assert is_connect_failure(_as_sqlalchemy_raises_it(starting))
    full = asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
    assert is_connect_failure(_as_sqlalchemy_raises_it(full))
    lost = asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    assert not is_connect_failure(_as_sqlalchemy_raises_it(lost))


def test_policy_delays_grow_exponentially_and_are_capped() -> None:
    assert RetryPolicy(attempts=4, base=0.1, cap=2.0).delays() == pytest.approx([0.1, 0.2, 0.4])
    assert RetryPolicy(attempts=7, base=0.5, cap=2.0).delays() == pytest.approx([0.5, 1.0, 2.0, 2.0, 2.0, 2.0])
    assert RetryPolicy(attempts=1).delays() == []


async def test_retries_a_refused_connection_then_succeeds() -> None:
    calls: list[int] = []
    waits: list[float] = []
    retried: list[int] = []

    async def run() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _unavailable(ConnectionRefusedError(111, "refused"))
        return "recorded"

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    result = await retry_connect(
        run, RetryPolicy(attempts=4, base=0.1), sleep=sleep, on_retry=lambda n, _: retried.append(n)
    )
    assert result == "recorded"
    assert len(calls) == 3 and waits == pytest.approx([0.1, 0.2]) and retried == [1, 2]


async def test_gives_up_after_the_last_attempt() -> None:
    calls: list[int] = []

    async def run() -> None:
        calls.append(1)
        raise _unavailable(ConnectionRefusedError(111, "refused"))

    async def sleep(seconds: float) -> None:
        return None

    with pytest.raises(StoreUnavailable):
        await retry_connect(run, RetryPolicy(attempts=3), sleep=sleep)
    assert len(calls) == 3


@pytest.mark.parametrize(
    "error",
    [_unavailable(DBAPIError("INSERT", {}, Exception("closed in the middle"))), ValueError("a bug")],
    ids=["mid-transaction", "other"],
)
async def test_does_not_retry_anything_else(error: Exception) -> None:
    calls: list[int] = []

    async def run() -> None:
        calls.append(1)
        raise error

    async def sleep(seconds: float) -> None:
        raise AssertionError("must not wait")

    with pytest.raises(type(error)):
        await retry_connect(run, RetryPolicy(attempts=5), sleep=sleep)
    assert len(calls) == 1
