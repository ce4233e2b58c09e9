"""`nsfw_channel` check kind."""

from __future__ import annotations

import pytest

from norms.checks import nsfw_channel
from tests.norms.factories import ctx

CHECK = nsfw_channel.NsfwChannel()


@pytest.mark.parametrize(
    ("nsfw", "channel", "outcome"),
    [
        (True, False, "fail"),
        (True, True, "pass"),
        (False, False, "pass"),
        (False, None, "pass"),
        (True, None, None),
        (None, False, None),
    ],
)
def test_outcomes(nsfw: bool | None, channel: bool | None, outcome: str | None) -> None:
    """Only an NSFW release in a non-NSFW channel fails; unknowns are undecided."""
    r = CHECK.run(ctx(nsfw=nsfw, channel_nsfw=channel))
    assert (r.outcome if r else None) == outcome
