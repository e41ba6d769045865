"""Human wording of a duration for ``${emailSignInExpirationPeriod}``, in the email's language."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta

from service.i18n.catalogs import SOURCE_LANGUAGE, babel_locale

_UNITS = (86400, 3600, 60, 1)


def human_period(seconds: int, language: str = SOURCE_LANGUAGE) -> str:
    """The largest unit that divides evenly, worded by CLDR: 3600 -> "1 hour" ("1 Stunde"),
    5400 -> "90 minutes" ("90 Minuten"), 900 in Spanish -> "15 minutos"."""
    if seconds <= 0:
        raise ValueError("a period must be positive")
    for size in _UNITS:
        if seconds % size == 0:
            count = seconds // size
            # format_timedelta takes the first unit (largest first) whose value reaches the
            # threshold, rounding it: 5400 s would read "2 hours". Every unit larger than the
            # one dividing evenly gives less than ``count``, so a threshold of ``count`` lands
            # exactly on it, and the wording stays exact.
            return format_timedelta(
                timedelta(seconds=seconds), threshold=count, locale=babel_locale(language)
            )
    raise AssertionError("unreachable: every whole number divides by one second")
