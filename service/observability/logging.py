"""Log configuration: one line per event on stderr, JSON by default, with the request id.

What is logged is decided where it is logged: addresses only through ``masked()``, tokens,
codes and passwords never. Third-party loggers that could echo request data stay at WARNING.
"""

from __future__ import annotations

import asyncio
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


# Control characters in a text line's message, written out: a request path or an address with a
# line break in it must not start a line of its own (a forged log line).
_ESCAPED = {code: f"\\x{code:02x}" for code in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t"}


class TextFormatter(logging.Formatter):
    """``make run``'s readable lines: one line per event, whatever the message holds (a
    traceback, appended after it, keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).translate(_ESCAPED)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        current = request_id.get()
        return f"{line} [request {current}]" if current else line


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Lines logged while the event loop works through one round of ready events are written
    together when the round is over: one write(2) for a round's lines rather than one per line.
    A sign-in logs a line; a write per line took 3 % of a sign-in's time (py-spy). Lines wait
    microseconds to milliseconds, never past the round, and are written at once outside an event
    loop, or when another thread's loop has lines waiting, and at exit (logging's flush)."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: list[str] = []
        self._waiting_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:  # called holding the handler's lock
        try:
            self._waiting.append(self.format(record) + self.terminator)
            try:
                loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is None or (self._waiting_on is not None and self._waiting_on is not loop):
                self.flush()
            elif self._waiting_on is None:
                self._waiting_on = loop
                loop.call_soon(self.flush)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created in Handler.__init__
            self._waiting_on = None
            text = "".join(self._waiting)
            self._waiting.clear()
            try:
                if text:
                    self.stream.write(text)
                super().flush()
            except (OSError, ValueError):
                pass  # the log's own stream failed (closed, full disk): nowhere left to say so


def configure_logging(level: str, log_format: str = "json") -> None:
    # Neither format shows the source line, thread or process of a call; not looking them up
    # saves a stack walk per line (the logging HOWTO's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = BatchedStreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("aiosmtplib", "mail.log", "passlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
