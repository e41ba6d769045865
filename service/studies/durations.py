"""Human wording of a duration for ``${emailSignInExpirationPeriod}``."""

from __future__ import annotations

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def human_period(seconds: int) -> str:
    """The largest unit that divides evenly: 3600 -> "1 hour", 5400 -> "90 minutes"."""
    if seconds <= 0:
        raise ValueError("a period must be positive")
    for name, size in _UNITS:
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {name}" if count == 1 else f"{count} {name}s"
    raise AssertionError("unreachable: every whole number divides by one second")
