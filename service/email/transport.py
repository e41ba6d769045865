"""Sending a built message: over SMTP, or into a folder of .eml files when no SMTP is set."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from service.accounts.email_address import masked
from service.settings import SmtpServer

log = logging.getLogger(__name__)


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    def describe(self) -> str: ...


class SmtpTransport:
    def __init__(self, server: SmtpServer, timeout_seconds: float = 30.0) -> None:
        self._server = server
        self._timeout = timeout_seconds

    def describe(self) -> str:
        return f"SMTP {self._server.host}:{self._server.port} (tls: {self._server.tls})"

    async def send(self, message: EmailMessage) -> None:
        server = self._server
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password.value if server.password else None,
            use_tls=server.tls == "implicit",
            start_tls=server.tls == "starttls",
            timeout=self._timeout,
        )


class MailDirTransport:
    """Writes each email as an .eml file a newcomer can open; for running without SMTP."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def describe(self) -> str:
        return f".eml files in {self._directory.resolve()}"

    async def send(self, message: EmailMessage) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
        ident = re.sub(r"[^A-Za-z0-9.-]", "", str(message["Message-ID"]).split("@")[0])
        path = self._directory / f"{stamp}-{ident}.eml"
        data = message.as_bytes()
        await asyncio.to_thread(self._write, path, data)
        log.info("email to %s written to %s", masked(str(message["To"])), path)

    def _write(self, path: Path, data: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # readers never see a half-written file
