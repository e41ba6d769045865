"""A real SMTP server (aiosmtpd) that catches every email the service sends."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.ports import free_port

_TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")
_CODE = re.compile(r"^([23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8})\r?$", re.MULTILINE)


@dataclass(frozen=True)
class CaughtEmail:
    mail_from: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes = b""  # as received after DATA: its headers, byte for byte
    smtputf8: bool = False  # whether MAIL FROM asked for SMTPUTF8

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None, "the email has no text/plain part"
        return str(part.get_content())

    @property
    def html(self) -> str | None:
        part = self.message.get_body(("html",))
        return None if part is None else str(part.get_content())

    @property
    def code(self) -> str:
        match = _CODE.search(self.text)
        assert match, f"no typed code in the email:\n{self.text}"
        return match.group(1)

    @property
    def token(self) -> str:
        match = _TOKEN.search(self.text)
        assert match, f"no token link in the email:\n{self.text}"
        return match.group(1)


class Mailbox:
    """What the SMTP server received, in order; safe to read from the test's event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._emails: list[CaughtEmail] = []
        # Recipients to refuse, with the reply to give (e.g. "550 5.1.1 No such user").
        self.refuse: dict[str, str] = {}
        self.sessions = 0  # SMTP conversations opened (EHLO/HELO), to see connection reuse

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self._lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self.refuse.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.content
        # An SMTPUTF8 message has UTF-8 headers (RFC 6532), which the bytes parser would turn
        # into surrogate escapes: it is parsed as the text it is.
        message = (
            email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
            if envelope.smtp_utf8
            else email.message_from_bytes(raw, policy=email.policy.default)
        )
        assert isinstance(message, EmailMessage)
        caught = CaughtEmail(
            envelope.mail_from, list(envelope.rcpt_tos), message, raw, envelope.smtp_utf8
        )
        with self._lock:
            self._emails.append(caught)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self._emails.clear()
            self.sessions = 0
        self.refuse.clear()

    @property
    def emails(self) -> list[CaughtEmail]:
        with self._lock:
            return list(self._emails)

    def to(self, address: str) -> list[CaughtEmail]:
        return [e for e in self.emails if address in e.recipients]

    async def wait_for(self, address: str, count: int = 1, within: float = 5.0) -> CaughtEmail:
        """The ``count``-th email to ``address``, waiting for it to arrive."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            received = self.to(address)
            if len(received) >= count:
                return received[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"{len(self.to(address))} email(s) to {address} within {within} s, wanted {count}"
        )


class SmtpServer:
    """An aiosmtpd server on a fixed port, which can be stopped and started again (outages)."""

    def __init__(self, port: int | None = None, *, smtputf8: bool = False) -> None:
        self.mailbox = Mailbox()
        self.port = port or free_port()
        # Whether EHLO offers SMTPUTF8 (RFC 6531), which addresses beyond ASCII need.
        self.smtputf8 = smtputf8
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        # A controller runs its own event loop in a thread; each start gets a fresh one.
        self._controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=self.smtputf8
        )
        self._controller.start()

    def stop(self) -> None:
        assert self._controller is not None
        self._controller.stop()
        self._controller.loop.close()
        self._controller = None
