"""The error tree of the core.

    NormbotError
    ├── UserError            -- safe to show in chat; the adapter replies with str(error)
    │   ├── BadArgument      -- a parameter could not be parsed (names the parameter, shows usage)
    │   ├── NotFound         -- unknown release, flag, norm... (never reveals other communities' data)
    │   ├── NotPermitted     -- the actor's privilege is too low, or the action is forbidden for them
    │   ├── RateLimited      -- too many actions of a kind in a window
    │   ├── AlreadyDone      -- the action was recorded before (idempotent replays answer with this)
    │   └── UnknownCommand   -- the adapter answers with help

A store that cannot be reached raises `storage.StoreUnavailable` (one class for the whole project); the core
answers "Not recorded yet" and retries only what failed to connect. Anything else raised from the core is a
bug: adapters log it with an incident id and show a generic reply.
"""

from __future__ import annotations

__all__ = [
    "AlreadyDone",
    "BadArgument",
    "NormbotError",
    "NotFound",
    "NotPermitted",
    "RateLimited",
    "UnknownCommand",
    "UserError",
]


class NormbotError(Exception):
    """Root of every error the core raises on purpose."""


class UserError(NormbotError):
    """An error whose message is written for the person who caused it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n{self.hint}" if self.hint else base


class BadArgument(UserError):
    """A command argument is missing or malformed."""


class NotFound(UserError):
    """The referenced object does not exist in this community."""


class NotPermitted(UserError):
    """The actor may not do this."""


class RateLimited(UserError):
    """The actor did this too often recently."""


class AlreadyDone(UserError):
    """The action had already been recorded; nothing changed."""


class UnknownCommand(UserError):
    """No command has this name."""
