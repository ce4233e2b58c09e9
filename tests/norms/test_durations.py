"""Duration strings in review settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from norms.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(hours=36)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_parse(text: str, expected: timedelta) -> None:
    """Units s/m/h/d/w, alone or combined."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "3 days", "-1h", "1.5h", "0h", "400d", "24H"])
def test_parse_rejects(text: str) -> None:
    """Anything else is a ValueError with a message for the moderator."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["72h", "90m", "1d12h", "2w", "61s"])
def test_format_is_canonical_and_round_trips(text: str) -> None:
    """Formatting gives one spelling per duration (the digest relies on it) that parses back."""
    value = parse_duration(text)
    assert parse_duration(format_duration(value)) == value
    assert format_duration(parse_duration("72h")) == "3d"
