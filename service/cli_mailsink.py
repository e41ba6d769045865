"""``magiclink mailsink``: an SMTP sink keeping the latest sign-in per address (load tests)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from service.mailsink import DEFAULT_MAX_ADDRESSES, serve_mailsink
from service.settings import Settings


def add_mailsink_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "mailsink",
        help="SMTP sink for load tests: latest token/code per address over HTTP",
        description="Accept every email by SMTP and keep only the latest sign-in token, code "
        "and link of each recipient address, served as JSON: GET /messages/ADDRESS, GET /stats, "
        "DELETE /messages. Point MAGICLINK_SMTP_URL at it (smtp://HOST:PORT). Not for production: "
        "anyone who can reach the HTTP port can sign in as any address it has seen.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=1025, help="SMTP port (1025)")
    parser.add_argument("--http-port", type=int, default=8025, help="HTTP API port (8025)")
    parser.add_argument(
        "--max-addresses",
        type=int,
        default=DEFAULT_MAX_ADDRESSES,
        help=f"addresses remembered at most; the oldest are forgotten ({DEFAULT_MAX_ADDRESSES})",
    )
    parser.set_defaults(handler=_mailsink)


def _mailsink(args: argparse.Namespace, settings: Settings) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_mailsink(args.host, args.port, args.http_port, args.max_addresses))
    return 0
