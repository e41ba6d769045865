"""Bridge's timestamps from milliseconds: the text reused within a second stays exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.clock import iso_from_ms


def _reference(epoch_ms: int) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_times_match_a_datetime_built_for_each() -> None:
    # In and across seconds, forwards and back: the reused text is right every time.
    for ms in (
        0,
        999,
        1000,
        1765010000123,
        1765010000999,
        1765010001000,
        1765010000001,
        4102444799999,
    ):
        assert iso_from_ms(ms) == _reference(ms)
    assert iso_from_ms(1765010000123) == "2025-12-06T08:33:20.123Z"
