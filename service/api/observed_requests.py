"""What is recorded of every HTTP request: its id, one access-log line, and its metrics.

Every request gets an id (the caller's ``X-Request-ID`` when it is a sane token, else a new
one), echoed in the response and attached to every log line written while handling it. The
access log (``MAGICLINK_ACCESS_LOG``: errors by default, all, or off) never records query
strings: sign-in links carry the token there. Metrics are
labelled by route template, never by raw path (raw paths carry ids).

One middleware does all three, because each layer of ASGI middleware costs a coroutine and a
wrapped ``send`` on every request, and this is the hottest code in the service. For the same
reason it hands the operation table's fixed paths straight to their handlers
(:mod:`service.api.direct_routes`).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterable

from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.direct_routes import DirectRoutes
from service.observability.logging import request_id
from service.observability.metrics import Metrics

log = logging.getLogger("magiclink.access")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode()
_SANE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
# Any other method is counted as OTHER: a label per invented method would grow without end.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """The route's path template (``/v3/studies/{study_id}``), or ``unmatched``."""
    route = scope.get("route")
    return route.path if isinstance(route, Route) else "unmatched"


def _given_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _REQUEST_ID_KEY:
            return value.decode("ascii") if _SANE_ID.fullmatch(value) else None
    return None


_CACHE_CONTROL = b"cache-control"
_NO_STORE = (_CACHE_CONTROL, b"no-store")
_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _with_safety_headers(
    headers: Iterable[tuple[bytes, bytes]], request_id: tuple[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    """The answer's headers, its request id, and two that keep secrets where they belong:
    ``nosniff`` always, and ``Cache-Control: no-store`` unless the route chose a policy (the
    app association files are cacheable on purpose). Sessions, reauth tokens and admin JSON
    must never sit in a shared or browser cache."""
    result = [*headers, request_id]
    names = {name for name, _ in result}
    if _NOSNIFF[0] not in names:
        result.append(_NOSNIFF)
    if _CACHE_CONTROL not in names:
        result.append(_NO_STORE)
    return result


class ObservedRequests:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        access_log: str = "errors",
        direct: DirectRoutes | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        # The fixed paths, answered without Starlette's exception middleware and router.
        self._direct = direct
        # The lowest status that gets an access-log line ("all": every one, "off": none).
        self._logged_from = {"all": 0, "errors": 400, "off": 1000}[access_log]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Random, not counted: an id in every answer must not tell how many requests came before
        # (about 1 µs).
        ident = _given_request_id(scope) or secrets.token_hex(8)
        header = (_REQUEST_ID_KEY, ident.encode("ascii"))
        token = request_id.set(ident)
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = _with_safety_headers(message.get("headers", ()), header)
            await send(message)

        app = self._direct.find(scope) if self._direct is not None else None
        try:
            await (app or self.app)(scope, receive, send_and_note)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            self.metrics.http.observe(method, route_template(scope), status, elapsed)
            if status >= self._logged_from:
                log.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed * 1000)
            request_id.reset(token)
