"""The metrics listener: ``GET /metrics``, ``/health`` and ``/ready`` on an address of their own.

Metrics are never served on the API port. The email counters move by one with every sign-in
email sent or dropped, so whoever can read them can ask for a link and learn whether an address
has an account. Operators bind this listener (``MAGICLINK_METRICS_ADDR``) where only Prometheus
reaches it. ``/health`` and ``/ready`` are served here too: a ``magiclink worker`` has no API port
to probe.

The socket is bound first, by :func:`listen`, so that a taken port stops the command with one
line before anything starts. :func:`serving` then runs a uvicorn server on it in the running
event loop, the one that owns the services' Redis client, and installs no signal handlers:
``serve``'s uvicorn and the worker keep theirs, decide when the process stops, and stop this
listener on their way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn

from service.api.context import App
from service.api.routes import ops
from service.app import Services
from service.settings import ListenAddress

log = logging.getLogger(__name__)

_BACKLOG = 64  # a scraper or two, and the odd probe
_STOP_SECONDS = 5  # a scrape still being answered at shutdown gets this long


class ListenError(OSError):
    """An address cannot be listened on; the message says what for, where and why."""


def listen(
    address: ListenAddress, purpose: str = "metrics", backlog: int = _BACKLOG
) -> socket.socket:
    """A socket listening on ``address``, or :class:`ListenError` (port taken, ...).

    Bound before anything starts, so that a taken port is one clear line and exit status 2
    (see ``service.cli.main``), never a "serving" banner followed by a bind error.
    """
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As uvicorn does: a restart may rebind at once, while a live listener still refuses.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address.host, address.port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise ListenError(
            f"cannot listen for {purpose} on {address}: {reason[:1].lower()}{reason[1:]}"
        ) from None
    return sock


def metrics_app(svc: Services) -> App:
    """The listener's app: the process's metrics, liveness and readiness, from its services."""
    app = App(routes=ops.metrics_routes)
    app.services = app.state.services = svc
    return app


class _SignalFreeServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone.

    ``Server.serve()`` replaces the SIGINT and SIGTERM handlers while it runs, and when it ends
    restores the ones it found and raises the signal it caught again. A second server would
    take SIGTERM first: the metrics would go before the API has drained, and whether ``serve``
    or the worker stops at all would rest on that hand-over. This one runs until its owner,
    which keeps the signals, stops it.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


@contextlib.asynccontextmanager
async def serving(svc: Services, sock: socket.socket) -> AsyncIterator[None]:
    """Serve :func:`metrics_app` on ``sock`` (from :func:`listen`) until the block ends."""
    config = uvicorn.Config(
        metrics_app(svc),
        lifespan="off",
        access_log=False,
        log_config=None,  # the process has configured logging already
        proxy_headers=False,
        timeout_graceful_shutdown=_STOP_SECONDS,
    )
    server = _SignalFreeServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="metrics-listener")
    listening = asyncio.create_task(server.listening.wait())
    await asyncio.wait((task, listening), return_when=asyncio.FIRST_COMPLETED)
    if not server.listening.is_set():
        listening.cancel()
        task.result()  # it failed to start: raise why
        raise RuntimeError("the metrics listener stopped before it started")
    host, port = sock.getsockname()[:2]
    log.info("metrics on %s/metrics", ListenAddress(host, port).url)
    try:
        yield
    finally:
        server.should_exit = True
        await task  # closes the socket
