"""``magiclink serve`` and ``magiclink worker``: the service's two processes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import resource
import secrets
import signal
import socket
from collections.abc import Iterator
from types import FrameType

import click
import uvicorn
from pydantic import SecretStr

from service.api.application import create_app
from service.api.http_limits import limited_http_protocol
from service.api.metrics_listener import ListenError, listen, serving
from service.app import build_services, build_worker
from service.cli._command import Command
from service.cli._context import Misuse, with_settings
from service.settings import ListenAddress, Settings
from service.store.connection import connect
from service.studies.demo import DEMO_EMAIL, DEMO_STUDY

log = logging.getLogger("magiclink")

# Open files besides the two a connection may take (its socket, and a Redis connection while
# its request runs): the listening sockets, the event loop, log files, SMTP connections.
_FILES_BESIDES_CONNECTIONS = 64


@click.command(cls=Command)
@click.option(
    "--host",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on.",
)
@click.option(
    "--port", metavar="PORT", type=int, default=8000, show_default=True, help="Port to listen on."
)
@click.option(
    "--demo",
    is_flag=True,
    help=f"Create a demo study {DEMO_STUDY!r} and participant {DEMO_EMAIL} at start.",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Only serve HTTP; leave delivery to 'magiclink worker' processes.",
)
@with_settings
def serve(settings: Settings, host: str, port: int, demo: bool, no_worker: bool) -> None:
    """Serve the HTTP API, and deliver the emails it accepts.

    Configured by MAGICLINK_* environment variables (see the README). Without
    MAGICLINK_REDIS_URL everything lives in this process and dies with it.
    """
    max_connections = _connections_within_open_files(settings.max_connections)
    backlog = min(max_connections, 2048)  # connections the kernel holds until accepted
    # Bound first: a taken port is one line and exit status 2, before any banner.
    try:
        api_socket = listen(ListenAddress(host, port), "the API", backlog)
    except ListenError as error:
        raise Misuse(f"{error}; choose another port with --port (make run PORT=8001)") from None
    metrics_socket = _metrics_socket(settings)
    if not os.environ.get("MAGICLINK_BASE_URL", "").strip():
        # Links in emails should point at where this process actually listens.
        settings = settings.replace(base_url=f"http://{host}:{port}")
    generated_admin = settings.admin_key is None
    if generated_admin:
        settings = settings.replace(admin_key=SecretStr(secrets.token_urlsafe(24)))
    _warn_about_defaults(settings)
    app = create_app(settings, demo=demo, run_worker=not no_worker, metrics_socket=metrics_socket)
    banner = _banner(settings, host, port, demo, generated_admin)
    if settings.log_format == "json":
        log.info("%s", banner)  # every line of a JSON log is JSON, the banner too
    else:
        click.echo(banner)
    # Everything loaded so far (modules, templates, the app) lives as long as the process; the
    # collector need not walk it again on every full collection, which stalls every request.
    gc.freeze()
    # uvicorn's own access log would print query strings, which hold sign-in tokens.
    config = uvicorn.Config(
        app,
        log_config=None,  # uvicorn's lines go through the process's logging: JSON in json mode
        host=host,
        port=port,
        access_log=False,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        # HTTP limits (service/api/http_limits.py); production also has them in its proxy.
        http=limited_http_protocol(
            settings.max_header_bytes, settings.max_headers, settings.header_timeout_seconds
        ),
        h11_max_incomplete_event_size=settings.max_header_bytes,  # were h11 chosen instead
        # No WebSocket routes; and the request deadline would cut an upgraded connection.
        ws="none",
        limit_concurrency=max_connections,  # beyond it, 503
        backlog=backlog,
        timeout_keep_alive=settings.keep_alive_seconds,
    )
    with _log_lines_written_before_a_signal_ends_the_process():
        uvicorn.Server(config).run(sockets=[api_socket])


@contextlib.contextmanager
def _log_lines_written_before_a_signal_ends_the_process() -> Iterator[None]:
    """uvicorn, once shut down, raises the stop signal again to end the process as it would
    have ended, which skips exit handlers: the lines logged last ("Finished server process")
    would still be waiting for the end of an event-loop round (BatchedStreamHandler). A
    handler of these signals writes them first, then hands the signal on as it came."""
    before = {stop: signal.getsignal(stop) for stop in (signal.SIGTERM, signal.SIGINT)}

    def write_then_hand_on(signum: int, frame: FrameType | None) -> None:
        for handler in logging.getLogger().handlers:
            handler.flush()
        signal.signal(signum, before[signal.Signals(signum)])
        signal.raise_signal(signum)

    for stop in before:
        signal.signal(stop, write_then_hand_on)
    try:
        yield
    finally:
        for stop, handling in before.items():
            signal.signal(stop, handling)


@click.command(cls=Command)
@with_settings
def worker(settings: Settings) -> None:
    """Only deliver queued emails (needs MAGICLINK_REDIS_URL).

    Takes emails from the outbox in Redis and sends them by SMTP until SIGTERM or SIGINT;
    run as many as the mail relay takes, beside 'magiclink serve --no-worker'.
    """
    if settings.redis_url is None:
        raise Misuse(
            "worker needs MAGICLINK_REDIS_URL: with the embedded store only the "
            "'magiclink serve' process itself can deliver its emails (it does by default)"
        )
    metrics_socket = _metrics_socket(settings)
    _warn_about_defaults(settings)
    asyncio.run(_deliver_until_stopped(settings, metrics_socket))


async def _deliver_until_stopped(settings: Settings, metrics_socket: socket.socket | None) -> None:
    redis = connect(settings)
    svc = build_services(settings, redis)
    delivery = build_worker(svc)
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, delivery.stop)
    metrics: contextlib.AbstractAsyncContextManager[None] = (
        serving(svc, metrics_socket) if metrics_socket is not None else contextlib.nullcontext()
    )
    try:
        async with metrics:
            await delivery.run()
    finally:
        await redis.aclose()


def _metrics_socket(settings: Settings) -> socket.socket | None:
    """The metrics listener's socket when MAGICLINK_METRICS_ADDR is set; bound before anything
    starts, so that a taken port is one line and exit status 2 (see ``main``)."""
    return listen(settings.metrics_addr) if settings.metrics_addr is not None else None


def _warn_about_defaults(settings: Settings) -> None:
    if settings.redis_url is None:
        log.warning(
            "!!! MAGICLINK_REDIS_URL is not set: using the EMBEDDED in-process store. All data "
            "(studies, participants, sessions, queued emails) DIES WITH THIS PROCESS. Set "
            "MAGICLINK_REDIS_URL=redis://host:6379/0 for anything but a try-out. !!!"
        )
    if settings.secret_key_generated:
        log.warning(
            "MAGICLINK_SECRET_KEY is not set: using a random key for this process; sign-in "
            "links and sessions stop working when it restarts"
        )
    if settings.smtp is None:
        log.warning(
            "MAGICLINK_SMTP_URL is not set: emails are written as .eml files to %s",
            settings.mail_dir.resolve(),
        )


def _banner(settings: Settings, host: str, port: int, demo: bool, generated_admin: bool) -> str:
    url = f"http://{host}:{port}"
    lines = [f"magiclink is serving on {url}  (health: {url}/health, ready: {url}/ready)"]
    lines.append(f"Researcher console: {url}/console (sign in with an admin key)")
    if settings.metrics_addr is not None:
        lines.append(f"Metrics on {settings.metrics_addr.url}/metrics (not on the API port)")
    if generated_admin and settings.admin_key is not None:
        lines.append(
            f"Admin API key for this process (set MAGICLINK_ADMIN_KEY to choose your own): "
            f"{settings.admin_key.get_secret_value()}"
        )
    if demo:
        mail = f"in {settings.mail_dir.resolve()}" if settings.smtp is None else "by SMTP"
        lines += [
            "",
            f"Demo study {DEMO_STUDY!r} with participant {DEMO_EMAIL}. Try:",
            f"  curl -s -X POST {url}/v3/auth/email -H 'Content-Type: application/json' \\",
            f'       -d \'{{"study":"{DEMO_STUDY}","email":"{DEMO_EMAIL}"}}\'',
            f"  then find the link (token=...) in the newest email {mail}, and:",
            f"  curl -s -X POST {url}/v3/auth/email/signIn -H 'Content-Type: application/json' \\",
            f'       -d \'{{"study":"{DEMO_STUDY}","email":"{DEMO_EMAIL}","token":"TOKEN"}}\'',
            "The README walks through it step by step.",
        ]
    return "\n".join(lines)


def _connections_within_open_files(max_connections: int) -> int:
    """Raise the soft limit on open files to the hard one; the connection limit that fits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * max_connections + _FILES_BESIDES_CONNECTIONS
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:  # e.g. above the kernel's per-process maximum
            log.warning("could not raise the open files limit from %d to %d: %s", soft, target, exc)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        fitting = max(1, (soft - _FILES_BESIDES_CONNECTIONS) // 2)
        log.warning(
            "MAGICLINK_MAX_CONNECTIONS=%d needs %d open files, but this process may open %d "
            "(ulimit -n): serving at most %d connections",
            max_connections,
            wanted,
            soft,
            fitting,
        )
        return fitting
    return max_connections
