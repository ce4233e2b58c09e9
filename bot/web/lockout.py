"""Wrong moderator tokens are counted per client; too many lock that client out for a while (429).

Why: without a limit, anyone can try tokens as fast as the server answers. After `max_failures` wrong tokens
(bearer or `?token=`) within `window`, the client gets 429 with `Retry-After` for `lock` — even with the right
token, so a guesser learns nothing while locked. A moderator who already holds a valid session cookie keeps
working: the cookie is a 256-bit MAC that cannot be guessed, so it is not counted and not locked.

What a "client" is: the peer address as uvicorn reports it. uvicorn takes it from `X-Forwarded-For` when
the request comes from a trusted proxy (127.0.0.1 and ::1 by default; `FORWARDED_ALLOW_IPS` for others), so
behind a proxy it is still the real client. IPv6 addresses count per /64, the block one subscriber usually
gets, so rotating through one's own addresses does not reset the count.

State is in memory, per process: a restart forgets it, and with N worker processes a client gets up to N
times the attempts. `normbot web` runs one process. At most `max_clients` records are kept; the least recently
seen are dropped first, so a flood of addresses cannot exhaust memory.
"""

from __future__ import annotations

import ipaddress
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from moderation.kernel.clock import Clock, utcnow

__all__ = ["Lockout", "client_key"]


def client_key(host: str | None) -> str:
    """The address a limit applies to: IPv4 as is, IPv6 as its /64 network, anything else verbatim."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(slots=True)
class _Record:
    failures: list[datetime] = field(default_factory=list)
    locked_until: datetime | None = None


class Lockout:
    """Counts failed logins per client key; `retry_after` says whether (and how long) a client is locked."""

    def __init__(
        self,
        *,
        clock: Clock = utcnow,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=15),
        lock: timedelta = timedelta(minutes=15),
        max_clients: int = 10_000,
    ) -> None:
        self.clock = clock
        self.max_failures = max_failures
        self.window = window
        self.lock = lock
        self.max_clients = max_clients
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until `key` may try again, or None when it is not locked."""
        record = self._records.get(key)
        if record is None or record.locked_until is None:
            return None
        left = (record.locked_until - self.clock()).total_seconds()
        if left <= 0:
            del self._records[key]  # the lock is over: start afresh
            return None
        return max(1, math.ceil(left))

    def failed(self, key: str) -> int | None:
        """Count a wrong token; returns the lock's length in seconds when this failure locks the client."""
        now = self.clock()
        record = self._records.pop(key, None) or _Record()
        record.failures = [t for t in record.failures if now - t < self.window]
        record.failures.append(now)
        self._records[key] = record  # most recently seen last
        while len(self._records) > self.max_clients:
            self._records.popitem(last=False)
        if len(record.failures) >= self.max_failures:
            record.locked_until = now + self.lock
            record.failures.clear()
            return math.ceil(self.lock.total_seconds())
        return None

    def succeeded(self, key: str) -> None:
        """A right token: the client's earlier mistakes are forgiven."""
        self._records.pop(key, None)
