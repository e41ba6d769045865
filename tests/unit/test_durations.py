"""The wording of ``${emailSignInExpirationPeriod}``."""

from __future__ import annotations

import pytest

from service.studies.durations import human_period


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (1, "1 second"),
        (2, "2 seconds"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (61, "61 seconds"),
        (900, "15 minutes"),
        (3600, "1 hour"),
        (5400, "90 minutes"),
        (7200, "2 hours"),
        (86400, "1 day"),
        (90000, "25 hours"),
        (172800, "2 days"),
        (604800, "7 days"),
    ],
)
def test_human_period_uses_the_largest_unit_that_divides_evenly(
    seconds: int, expected: str
) -> None:
    assert human_period(seconds) == expected


@pytest.mark.parametrize("seconds", [0, -1, -3600])
def test_human_period_rejects_non_positive_periods(seconds: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        human_period(seconds)
