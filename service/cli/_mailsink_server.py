"""An SMTP sink for load tests: accepts every email and remembers the latest sign-in per address.

The SMTP server (aiosmtpd) and the small HTTP API (Starlette on uvicorn) share one event loop,
so the state needs no lock. Memory is bounded: only the latest token, code and link of each
recipient address are kept (never the emails themselves), and at most ``max_addresses``
addresses; beyond that the least recently written address is forgotten (counted as evicted).

Tokens, codes and full addresses are never logged; uvicorn's access log is off because the
paths name addresses.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesParser
from typing import Any

import uvicorn
from aiosmtpd.smtp import SMTP
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.auth.tokens import CODE_ALPHABET, CODE_LENGTH

log = logging.getLogger("magiclink.mailsink")

DEFAULT_MAX_ADDRESSES = 100_000

_TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")
_LINK = re.compile(r"(https?://[^\s<>\"')]*[?&]token=[A-Za-z0-9_-]+[^\s<>\"')]*)")
_CODE = re.compile(rf"^[ \t]*([{re.escape(CODE_ALPHABET)}]{{{CODE_LENGTH}}})[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class SignIn:
    """What a load test needs from a sign-in email."""

    token: str | None
    code: str | None
    link: str | None


# The library's older policy: it builds no header objects, a tenth of the default policy's
# time per email (0.3 ms instead of 3 ms), which let the sink keep up with a worker.
_PARSER = BytesParser(policy=email.policy.compat32)


def parse_sign_in(content: bytes) -> SignIn:
    """The link's token, the link and the typed code from the (first) text/plain part of an
    email."""
    text = ""
    for part in _PARSER.parsebytes(content).walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            break
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    token = _TOKEN.search(text)
    link = _LINK.search(text)
    code = _CODE.search(text)
    return SignIn(
        token=token.group(1) if token else None,
        code=code.group(1) if code else None,
        link=link.group(1) if link else None,
    )


@dataclass
class _Latest:
    token: str | None = None
    code: str | None = None
    link: str | None = None
    received_at: str | None = None
    count: int = 0


class MailSink:
    """The state: the latest sign-in of each address and counters."""

    def __init__(self, max_addresses: int = DEFAULT_MAX_ADDRESSES) -> None:
        self.max_addresses = max_addresses
        self._latest: OrderedDict[str, _Latest] = OrderedDict()
        self.reset()

    def reset(self) -> None:
        self._latest.clear()
        self.messages = 0
        self.deliveries = 0
        self.with_token = 0
        self.without_token = 0
        self.evicted = 0
        self.since = _now()

    def record(self, recipients: list[str], content: bytes) -> SignIn:
        found = parse_sign_in(content)
        self.messages += 1
        if found.token or found.code:
            self.with_token += 1
        else:
            self.without_token += 1
        now = _now()
        for recipient in recipients:
            address = recipient.strip().lower()
            self.deliveries += 1
            latest = self._latest.pop(address, None) or _Latest()
            latest.count += 1
            latest.received_at = now
            if found.token or found.code:
                latest.token, latest.code, latest.link = found.token, found.code, found.link
            self._latest[address] = latest
            while len(self._latest) > self.max_addresses:
                self._latest.popitem(last=False)
                self.evicted += 1
        return found

    def latest(self, address: str) -> dict[str, Any] | None:
        address = address.strip().lower()
        latest = self._latest.get(address)
        if latest is None:
            return None
        return {
            "address": address,
            "token": latest.token,
            "code": latest.code,
            "link": latest.link,
            "receivedAt": latest.received_at,
            "count": latest.count,
        }

    def stats(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "deliveries": self.deliveries,
            "withToken": self.with_token,
            "withoutToken": self.without_token,
            "addresses": len(self._latest),
            "maxAddresses": self.max_addresses,
            "evicted": self.evicted,
            "since": self.since,
        }

    # aiosmtpd handler hook: accept everything.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        found = self.record(list(envelope.rcpt_tos), content)
        log.debug(
            "email accepted for %d recipient(s), sign-in %s",
            len(envelope.rcpt_tos),
            "found" if found.token or found.code else "not found",
        )
        return "250 Message accepted for delivery"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_app(sink: MailSink) -> Starlette:
    async def message(request: Request) -> Response:
        found = sink.latest(request.path_params["address"])
        if found is None:
            return JSONResponse({"message": "No email to this address."}, status_code=404)
        return JSONResponse(found)

    async def stats(request: Request) -> Response:
        return JSONResponse(sink.stats())

    async def reset(request: Request) -> Response:
        sink.reset()
        return JSONResponse({"message": "Reset."})

    return Starlette(
        routes=[
            Route("/messages/{address}", message, methods=["GET"]),
            Route("/messages", reset, methods=["DELETE"]),
            Route("/stats", stats, methods=["GET"]),
        ]
    )


@dataclass
class RunningSink:
    sink: MailSink
    smtp_port: int
    http_port: int
    http: uvicorn.Server
    task: asyncio.Task[None]

    async def wait_stopped(self) -> None:
        """Until the HTTP server stops (SIGINT or SIGTERM)."""
        await asyncio.wait({self.task})


@asynccontextmanager
async def running_sink(
    host: str = "127.0.0.1",
    smtp_port: int = 1025,
    http_port: int = 8025,
    *,
    max_addresses: int = DEFAULT_MAX_ADDRESSES,
) -> AsyncIterator[RunningSink]:
    """Serve SMTP and HTTP in the current event loop until the block ends."""
    sink = MailSink(max_addresses)
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(sink, hostname="mailsink", loop=loop), host=host, port=smtp_port
    )
    config = uvicorn.Config(
        http_app(sink),
        host=host,
        port=http_port,
        access_log=False,  # paths name addresses
        log_level="warning",
        lifespan="off",
        ws="none",
    )
    http = uvicorn.Server(config)
    task = asyncio.create_task(http.serve())
    try:
        while not http.started:
            if task.done():
                task.result()  # raises why it could not start
                raise RuntimeError("the mail sink's HTTP server stopped at start")
            await asyncio.sleep(0.01)
        yield RunningSink(sink, smtp_port, http_port, http, task)
    finally:
        http.should_exit = True
        await task
        smtp.close()
        await smtp.wait_closed()


async def serve_mailsink(host: str, smtp_port: int, http_port: int, max_addresses: int) -> None:
    """Run until uvicorn is told to stop (SIGINT or SIGTERM)."""
    async with running_sink(host, smtp_port, http_port, max_addresses=max_addresses) as running:
        print(
            f"mail sink: SMTP on {host}:{smtp_port}, HTTP API on http://{host}:{http_port} "
            "(GET /messages/ADDRESS, GET /stats, DELETE /messages)",
            flush=True,
        )
        await running.wait_stopped()
