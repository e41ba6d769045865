"""Sending a built message: the transport interface, and the folder of .eml files used when no
SMTP server is configured."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from service.accounts.email_address import masked
from service.email.mime import OutgoingEmail

log = logging.getLogger(__name__)


class Transport(Protocol):
    """Where emails go: ``SmtpPool`` (smtp_pool.py), or a folder of .eml files."""

    async def send(self, message: OutgoingEmail) -> None: ...

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

    async def send(self, message: OutgoingEmail) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
        ident = re.sub(r"[^A-Za-z0-9.-]", "", message.message_id.split("@")[0])
        path = self._directory / f"{stamp}-{ident}.eml"
        await asyncio.to_thread(self._write, path, message.data)
        log.info("email to %s written to %s", masked(message.envelope_to), path)

    def _write(self, path: Path, data: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # readers never see a half-written file
