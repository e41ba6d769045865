"""Timestamps in the format Bridge uses: ISO 8601, UTC, milliseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_from_ms(epoch_ms: int) -> str:
    """A time kept as milliseconds since the epoch (what Lua scripts read from Redis TIME)."""
    # Whole seconds plus milliseconds: a float of the milliseconds could round off by one.
    moment = datetime.fromtimestamp(epoch_ms // 1000, UTC) + timedelta(milliseconds=epoch_ms % 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
