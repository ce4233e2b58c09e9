"""`nsfw_channel: true`: a release marked NSFW is posted only in a channel marked NSFW.

Undecided (None) when the release's NSFW flag or the channel's flag is unknown (console, scripts).

PASS::

    nsfw: true, channel_nsfw: true       (or nsfw: false anywhere)

FAIL::

    nsfw: true, channel_nsfw: false      -> "NSFW release posted in a channel not marked NSFW"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from norms.model import CheckOutcome, ReleaseContext

__all__ = ["ID", "NsfwChannel", "build"]

ID = "nsfw_channel"


@dataclass(frozen=True, slots=True)
class NsfwChannel:
    """Compiled `nsfw_channel` (no options)."""

    kind: str = ID

    def run(self, ctx: ReleaseContext) -> CheckOutcome | None:
        if ctx.fields.nsfw is False:
            return CheckOutcome("pass", ("release is not NSFW",))
        if ctx.fields.nsfw is None or ctx.channel_nsfw is None:
            return None
        if ctx.channel_nsfw:
            return CheckOutcome("pass", ("NSFW release in an NSFW channel",))
        return CheckOutcome("fail", ("NSFW release posted in a channel not marked NSFW",))


def build(value: Any) -> NsfwChannel | None:
    """`nsfw_channel: false` configures nothing."""
    return NsfwChannel() if value is True else None
