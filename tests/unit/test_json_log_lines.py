"""Log lines: one valid JSON object, or one text line, per event whatever the message holds."""

from __future__ import annotations

import json
import logging
import sys

from service.observability.logging import JsonFormatter, TextFormatter, request_id


def _record(message: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    return logging.LogRecord(
        "magiclink.test",
        logging.WARNING,
        __file__,
        1,
        message,
        args,
        sys.exc_info() if exc_info else None,
    )


def test_quotes_newlines_and_non_ascii_stay_one_valid_line() -> None:
    line = JsonFormatter().format(_record('said "%s"\nthen\tleft \\ ü ✓', "hi"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == 'said "hi"\nthen\tleft \\ ü ✓'
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "magiclink.test"
    assert "request_id" not in entry
    assert len(entry["time"]) == len("2026-11-21T22:30:39.123+00:00")
    assert entry["time"].endswith("+00:00")


def test_request_id_and_exception_are_included() -> None:
    token = request_id.set("req-7")
    try:
        try:
            raise ValueError("broken")
        except ValueError:
            line = JsonFormatter().format(_record("failed", exc_info=True))
    finally:
        request_id.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-7"
    assert "ValueError: broken" in entry["exception"]


def test_milliseconds_are_those_of_the_record() -> None:
    formatter = JsonFormatter()
    record = _record("x")
    record.created = 1_700_000_000.0456
    first = json.loads(formatter.format(record))["time"]
    record.created = 1_700_000_000.9991
    second = json.loads(formatter.format(record))["time"]
    assert first == "2023-11-14T22:13:20.045+00:00"
    assert second == "2023-11-14T22:13:20.999+00:00"


def test_a_line_break_in_a_text_lines_message_cannot_forge_a_line() -> None:
    """What a client sends (a path with an encoded line break) stays inside its own line."""
    formatter = TextFormatter("%(levelname)s %(name)s: %(message)s")
    line = formatter.format(_record("GET %s 404", "/v3/x\nINFO magiclink.access: forged\r\x1b[2J"))
    assert "\n" not in line
    assert "\r" not in line
    assert "\x1b" not in line
    assert (
        line == "WARNING magiclink.test: GET /v3/x\\nINFO magiclink.access: forged\\r\\x1b[2J 404"
    )
