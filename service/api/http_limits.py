"""The HTTP/1.1 connection of ``magiclink serve``, with bounds on what a client may make it hold.

uvicorn's httptools protocol keeps whatever a client sends while a request head is unfinished:
httptools joins a header's pieces until the header ends, with no upper bound, and a connection
that trickles its head in a byte at a time (slowloris) is never timed out. One client could so
take the process's memory (30 unfinished 20 MB headers held 640 MB) or its file descriptors.
This subclass adds, as a backstop behind the proxy that enforces the same in production:

- a bound on the request head: the bytes of the URL, header names and values, and the number
  of headers. Over either the answer is ``431`` and the connection closes; nothing more of it
  is read or kept.
- a deadline: a client has ``timeout_seconds`` from connecting, or from the end of the previous
  answer, to send a whole request head, and as long again from the end of the head for the
  body. Late, the connection closes (with ``408`` when it was half-way through a request whose
  answer has not started).

The request path stays as it was, plus a few additions and two clock readings per request:
bytes are counted per read and per header, never per byte, and one timer per connection is
re-armed only when it fires (every ``timeout_seconds`` at most), not on every request. Measured
on ``GET /health``, the cheapest endpoint: about 3 µs of 56 µs of CPU a request (callgrind: 6 %
more instructions), mostly the Python calls of the five callbacks overridden here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from service.json_text import quoted

log = logging.getLogger(__name__)

# Bytes of a head line that the exact count (URL, names, values) leaves out: ": " and CRLF,
# optional spaces, and on the request line the method and "HTTP/1.1". Only an unfinished head
# is held to this looser bound; a finished one is counted exactly.
_FRAMING_BYTES_PER_LINE = 16


def _raw_head_limit(max_header_bytes: int, max_headers: int) -> int:
    """The most an unfinished head may take as sent: the request line, the headers, the end."""
    return max_header_bytes + _FRAMING_BYTES_PER_LINE * (max_headers + 2)


class _RequestRefused(Exception):
    """Raised from a parser callback to stop httptools once the answer is written."""


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded request head and a request deadline.

    Use :func:`limited_http_protocol` for a subclass with other limits than the defaults.
    The overridden methods call uvicorn's directly, not through ``super()``: they run on every
    request (``on_header`` on every header), and ``super()`` makes an object per call.
    """

    max_header_bytes: ClassVar[int] = 32 * 1024
    max_headers: ClassVar[int] = 100
    timeout_seconds: ClassVar[float] = 10.0
    _max_raw_head: ClassVar[int] = _raw_head_limit(max_header_bytes, max_headers)

    # True while a request head is awaited or arriving: from connecting, or from the end of the
    # previous request's body, to the end of the next head.
    _in_head: bool
    _head_raw_bytes: int  # bytes read since then: framing included, so an upper bound
    _header_bytes: int  # header names and values of this head, counted as httptools emits them
    _since: float  # loop time when the current wait for the client began
    _deadline: asyncio.TimerHandle | None

    # --- the connection ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        HttpToolsProtocol.connection_made(self, transport)
        self._in_head = True
        self._head_raw_bytes = 0
        self._header_bytes = 0
        self._since = self.loop.time()
        self._deadline = self.loop.call_later(self.timeout_seconds, self._check_deadline)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        HttpToolsProtocol.connection_lost(self, exc)

    def data_received(self, data: bytes) -> None:
        if not self._in_head:
            HttpToolsProtocol.data_received(self, data)
            return
        self._head_raw_bytes += len(data)
        HttpToolsProtocol.data_received(self, data)
        # Still no end of the head after this read: what httptools holds of an unfinished header
        # is bounded only here, by what was read since the head began.
        if self._in_head and self._head_raw_bytes > self._max_raw_head:
            self._refuse_head()

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers a parser error with 400; after our own answer (a callback raised
        # _RequestRefused to stop the parser) nothing more may go out on the connection. (It
        # still logs "Invalid HTTP request received." after our line about the 431.)
        if not self.transport.is_closing():
            HttpToolsProtocol.send_400_response(self, msg)

    # --- parser callbacks --------------------------------------------------------------------

    # Called once per header, complete: the check stops a read full of small headers early.
    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > self.max_header_bytes or len(self.headers) >= self.max_headers:
            self._refuse_head()
            raise _RequestRefused
        HttpToolsProtocol.on_header(self, name, value)

    def on_headers_complete(self) -> None:
        if self._header_bytes + len(self.url) > self.max_header_bytes:
            self._refuse_head()
            raise _RequestRefused
        self._in_head = False
        self._header_bytes = 0
        self._since = self.loop.time()  # the body's time starts
        HttpToolsProtocol.on_headers_complete(self)

    def on_message_complete(self) -> None:
        HttpToolsProtocol.on_message_complete(self)
        self._in_head = True
        self._head_raw_bytes = 0

    def on_response_complete(self) -> None:
        self._since = self.loop.time()  # the next head's time starts
        HttpToolsProtocol.on_response_complete(self)

    # --- the deadline ------------------------------------------------------------------------

    def _check_deadline(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self._in_head and cycle is not None and not cycle.response_complete:
            # The whole request is in and the app works on it: the client is not late.
            delay = self.timeout_seconds
        else:
            delay = self._since + self.timeout_seconds - self.loop.time()
            if delay <= 0:
                self._time_out()
                return
        self._deadline = self.loop.call_later(delay, self._check_deadline)

    def _time_out(self) -> None:
        if self._in_head and self._head_raw_bytes == 0:
            self.transport.close()  # idle before or between requests: nothing to answer
            return
        # A client on a bad network may be slow too: worth a line, not a warning.
        message = f"The request was not received within {self.timeout_seconds:g} s."
        self._refuse(408, message, logging.INFO)

    # --- refusing ----------------------------------------------------------------------------

    def _refuse_head(self) -> None:
        message = (
            f"Request header fields are too large: at most {self.max_header_bytes} bytes of "
            f"URL, header names and values, and at most {self.max_headers} headers."
        )
        self._refuse(431, message, logging.WARNING)

    def _refuse(self, status: int, message: str, level: int) -> None:
        """Answer in the Bridge error shape, unless that answer could be mistaken for another
        one, and close the connection."""
        if self.transport.is_closing():
            return  # answered already, or closed by the client
        cycle = self.cycle
        pending = cycle is not None and not cycle.response_complete
        if pending:
            # The app is still on this connection: from now on it reads a disconnect and
            # writes nothing, so that nothing of its answer can follow ours.
            cycle.disconnected = True
            cycle.message_event.set()
        # A new head is answered unless an earlier request's answer is pending (ours would read
        # as that one's); a late body unless its request was answered already (e.g. 413).
        answer = not pending if self._in_head else not cycle.response_started
        log.log(level, "%s %s", message, f"Answered {status}, closed." if answer else "Closed.")
        if answer:
            body = (
                f'{{"statusCode":{status},"message":{quoted(message)},'
                f'"type":"BadRequestException"}}'
            ).encode()
            headers = [
                *self.server_state.default_headers,
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ]
            head = b"".join(b"%s: %s\r\n" % header for header in headers)
            self.transport.write(b"".join([STATUS_LINE[status], head, b"\r\n", body]))
        self.transport.close()


def limited_http_protocol(
    max_header_bytes: int, max_headers: int, timeout_seconds: float
) -> type[LimitedHttpProtocol]:
    """A protocol class for ``uvicorn.run(http=...)`` with these limits."""
    # Other names than the attributes': a class body looks up a name it also assigns among
    # the module's globals, not among this function's arguments.
    bytes_limit, count_limit, seconds = max_header_bytes, max_headers, timeout_seconds

    class Limited(LimitedHttpProtocol):
        max_header_bytes = bytes_limit
        max_headers = count_limit
        timeout_seconds = seconds
        _max_raw_head = _raw_head_limit(bytes_limit, count_limit)

    return Limited
