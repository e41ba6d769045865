"""Log configuration: one line per event on stderr, JSON by default, with the request id.

What is logged is decided where it is logged: addresses only through ``masked()``, tokens,
codes and passwords never. Third-party loggers that could echo request data stay at WARNING.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from service.json_text import quoted

# The id of the request being handled, for every log line written while handling it.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond; the part up to the second is reused within it."""
        second = int(created)
        if second != self._second:
            stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second, self._second_text = second, stamp
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        # Written out rather than encoded from a dict: encoding a dict sets up the encoder
        # anew on every call, while a string goes straight to the C escaper.
        line = (
            f'{{"time":"{self._time(record.created)}","level":"{record.levelname}",'
            f'"logger":{quoted(record.name)},"message":{quoted(record.getMessage())}'
        )
        current = request_id.get()
        if current is not None:
            line += f',"request_id":{quoted(current)}'
        if record.exc_info:
            line += f',"exception":{quoted(self.formatException(record.exc_info))}'
        return line + "}"


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        current = request_id.get()
        return f"{line} [request {current}]" if current else line


def configure_logging(level: str, log_format: str = "json") -> None:
    # Neither format shows the source line, thread or process of a call; not looking them up
    # saves a stack walk per line (the logging HOWTO's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("aiosmtplib", "mail.log", "passlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
