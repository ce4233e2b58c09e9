"""Bounded retry with exponential backoff for units of work that could not even connect to the store.

Why only connect failures: when the connection was refused (server down, restarting, out of slots) the
transaction never began, so nothing was written and running the whole event again is safe. A connection lost
in the middle of a transaction, or during COMMIT, is different: the outcome is unknown, so it is not retried
here; the user is told it was not recorded yet (the event id is recorded in the same transaction, so a
manual retry can never apply it twice).

The helper is driver-agnostic: it recognises connect-phase errors by type and by the names asyncpg uses,
without importing any driver (only `storage` speaks to the database).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from storage import StoreUnavailable

__all__ = ["RetryPolicy", "is_connect_failure", "retry_connect"]

log = logging.getLogger("normbot.retry")
T = TypeVar("T")

# asyncpg: the server is starting up / shutting down, or has no free connection slots. Matched by name so the
# core never imports a driver.
_CONNECT_ERROR_NAMES = frozenset({"CannotConnectNowError", "TooManyConnectionsError"})
# The same two by SQLSTATE, which SQLAlchemy's adapted driver errors carry (`sqlstate`/`pgcode`): 57P03
# cannot_connect_now ("the database system is starting up / not yet accepting connections"), 53300
# too_many_connections.
_CONNECT_SQLSTATES = frozenset({"57P03", "53300"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry: delays are `base * 2**n`, capped at `cap`, `attempts` runs in all.

    The default waits 0.1 + 0.2 + 0.4 s: long enough to ride out a server restart or a failover's first
    second, short enough that a member waiting for a reply gets "not recorded yet" within about a second.
    """

    attempts: int = 4
    base: float = 0.1
    cap: float = 2.0

    def delays(self) -> list[float]:
        """The waits between attempts."""
        return [min(self.cap, self.base * 2**n) for n in range(max(0, self.attempts - 1))]


def _chain(exc: BaseException) -> list[BaseException]:
    """Every error behind `exc`: causes, contexts and SQLAlchemy's `orig`, each followed to its own causes.

    Why a walk and not a line: SQLAlchemy raises `DBAPIError(orig=adapted) from adapted`, and the asyncpg
    dialect raises its adapted `Error from <asyncpg error>`; following only the outer chain stops at the
    adapted error and never sees the driver's `CannotConnectNowError` behind it.
    """
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error here
        for nxt in (orig, current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return seen


def is_connect_failure(exc: BaseException) -> bool:
    """Whether `exc` (a `StoreUnavailable`) comes from failing to open a connection, not from losing one."""
    for err in _chain(exc):
        if isinstance(err, ConnectionRefusedError | socket.gaierror):
            return True
        if type(err).__name__ in _CONNECT_ERROR_NAMES:
            return True
        if getattr(err, "sqlstate", None) in _CONNECT_SQLSTATES or getattr(err, "pgcode", None) in _CONNECT_SQLSTATES:
            return True
    return False


async def retry_connect(
    run: Callable[[], Awaitable[T]],
    policy: RetryPolicy = RetryPolicy(),
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Run `run()`; when it raises a connect-phase `StoreUnavailable`, wait and run it again, up to the policy.

    Any other error, and the last connect failure, propagates unchanged.
    """
    delays = policy.delays()
    for attempt in range(len(delays) + 1):
        try:
            return await run()
        except StoreUnavailable as exc:
            if attempt >= len(delays) or not is_connect_failure(exc):
                raise
            if on_retry is not None:
                on_retry(attempt + 1, exc)
            log.info("store refused the connection; retry %d in %.2fs", attempt + 1, delays[attempt])
            await sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover - the loop either returns or raises
