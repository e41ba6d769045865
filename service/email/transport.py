"""Sending a built message: the transport interface, and the folder of .eml files used when no
SMTP server is configured."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from service.accounts.email_address import masked

log = logging.getLogger(__name__)


class Transport(Protocol):
    """Where emails go: ``SmtpPool`` (smtp_pool.py), or a folder of .eml files."""

    async def send(self, message: EmailMessage) -> None: ...

    def describe(self) -> str: ...

    async def close(self) -> None: ...


class MailDirTransport:
    """Writes each email as an .eml file a newcomer can open; for running without SMTP."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def describe(self) -> str:
        return f".eml files in {self._directory.resolve()}"

    async def close(self) -> None:
        pass  # nothing held open

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
