"""``magiclink mailsink``: an SMTP sink keeping the latest sign-in per address (load tests).

The sink itself is in ``_mailsink_server``: it is no part of the service, only of its tests.
"""

from __future__ import annotations

import asyncio
import contextlib

import click

from service.cli._command import Command
from service.cli._mailsink_server import DEFAULT_MAX_ADDRESSES, serve_mailsink


@click.command(cls=Command)
@click.option(
    "--host",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on.",
)
@click.option(
    "--port", metavar="PORT", type=int, default=1025, show_default=True, help="SMTP port."
)
@click.option(
    "--http-port", metavar="PORT", type=int, default=8025, show_default=True, help="HTTP API port."
)
@click.option(
    "--max-addresses",
    metavar="N",
    type=click.IntRange(1),
    default=DEFAULT_MAX_ADDRESSES,
    show_default=True,
    help="Addresses remembered at most; the oldest are forgotten.",
)
def mailsink(host: str, port: int, http_port: int, max_addresses: int) -> None:
    """SMTP sink for load tests: the latest sign-in per address.

    Accepts every email by SMTP and keeps only the latest sign-in token, code and link of each
    recipient address, served as JSON: GET /messages/ADDRESS, GET /stats, DELETE /messages.
    Point MAGICLINK_SMTP_URL at it (smtp://HOST:PORT). Not for production: anyone who can
    reach the HTTP port can sign in as any address it has seen.
    """
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_mailsink(host, port, http_port, max_addresses))
