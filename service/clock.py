"""Timestamps in the format Bridge uses: ISO 8601, UTC, milliseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# The second last written and its text up to the second: times written together (a sign-in
# reads back its own lastsignin, which is now) mostly share it, and building a datetime for
# each was a fortieth of a sign-in's instructions (callgrind).
_last_second: tuple[int, str] = (-1, "")


def iso_from_ms(epoch_ms: int) -> str:
    """A time kept as milliseconds since the epoch (what Lua scripts read from Redis TIME)."""
    global _last_second
    # Whole seconds plus milliseconds: a float of the milliseconds could round off by one.
    second, millis = divmod(epoch_ms, 1000)
    cached_second, text = _last_second
    if second != cached_second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _last_second = (second, text)
    return f"{text}.{millis:03d}Z"
