"""A small pool of reused SMTP connections.

Opening a connection (TCP, EHLO, STARTTLS, AUTH) costs several round trips; a sign-in email
should not pay them every time. Connections are opened on demand up to the pool size and
handed back after a successful send. A connection that failed is closed, never reused. A
connection the server dropped while idle is noticed on its next use and replaced once.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiosmtplib
from aiosmtplib.typing import SMTPStatus

from service.email.failures import SmtpUtf8Missing
from service.email.mime import OutgoingEmail
from service.settings import SmtpServer


class SmtpPool:
    def __init__(self, server: SmtpServer, size: int, timeout_seconds: float) -> None:
        self._server = server
        self._timeout = timeout_seconds
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(size)

    def describe(self) -> str:
        server = self._server
        return f"SMTP {server.host}:{server.port} (tls: {server.tls})"

    def _new(self) -> aiosmtplib.SMTP:
        server = self._server
        return aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password.get_secret_value() if server.password else None,
            use_tls=server.tls == "implicit",
            start_tls=server.tls == "starttls",
            timeout=self._timeout,
        )

    async def send(self, message: OutgoingEmail) -> None:
        async with self._slots:
            reused = self._idle.pop() if self._idle else None
            if reused is not None and reused.is_connected:
                try:
                    await self._send_on(reused, message)
                    return
                except aiosmtplib.SMTPServerDisconnected:
                    pass  # dropped while idle: fall through to a fresh connection
            elif reused is not None:
                await self._close(reused)
            await self._send_on(self._new(), message)

    async def _send_on(self, connection: aiosmtplib.SMTP, message: OutgoingEmail) -> None:
        try:
            if not connection.is_connected:
                await connection.connect()
            # The envelope names the To header's one address (a validated addr-spec), never
            # whatever else a header might have made of it.
            await asyncio.wait_for(_transaction(connection, message), self._timeout)
        except aiosmtplib.SMTPNotSupported:
            # An email with an address beyond ASCII goes with SMTPUTF8; aiosmtplib refuses
            # before MAIL FROM when the server does not offer it. Said by its own type, so that
            # it is a permanent failure, not a retried one. The connection is sound (nothing
            # was sent): it goes back to the pool.
            if message.international and not connection.supports_extension("smtputf8"):
                self._idle.append(connection)
                raise SmtpUtf8Missing() from None
            await self._close(connection)
            raise
        except BaseException:
            await self._close(connection)
            raise
        self._idle.append(connection)

    async def _close(self, connection: aiosmtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            if connection.is_connected:
                await asyncio.wait_for(connection.quit(), 2)
        connection.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._close(connection)


async def _transaction(connection: aiosmtplib.SMTP, message: OutgoingEmail) -> None:
    """MAIL, RCPT and DATA for one email. A connection's first email goes through aiosmtplib's
    sendmail, which greets the server (EHLO, or HELO for an old one); the next ones skip its
    parsing of both addresses twice over (a tenth of a worker's time, profiled): ours are
    addr-specs validated when the email was built."""
    options = ["SMTPUTF8"] if message.international else []
    if connection.is_ehlo_or_helo_needed:
        await connection.sendmail(
            message.envelope_from, [message.envelope_to], message.data, mail_options=options
        )
        return
    if message.international and not connection.supports_extension("smtputf8"):
        raise aiosmtplib.SMTPNotSupported("SMTPUTF8 is not supported by this server")
    encoding = "utf-8" if message.international else "ascii"
    mail_from = [b"FROM:<" + message.envelope_from.encode(encoding) + b">"]
    if connection.supports_extension("size"):
        mail_from.append(f"SIZE={len(message.data)}".encode())  # CRLF line ends already
    mail_from += [option.encode() for option in options]
    # A refusal raises as sendmail's would; the pool then closes the connection.
    reply = await connection.execute_command(b"MAIL", *mail_from)
    if reply.code != SMTPStatus.completed:
        raise aiosmtplib.SMTPSenderRefused(reply.code, reply.message, message.envelope_from)
    reply = await connection.execute_command(
        b"RCPT", b"TO:<" + message.envelope_to.encode(encoding) + b">"
    )
    if reply.code not in (SMTPStatus.completed, SMTPStatus.will_forward):
        refused = aiosmtplib.SMTPRecipientRefused(reply.code, reply.message, message.envelope_to)
        raise aiosmtplib.SMTPRecipientsRefused([refused])
    await connection.data(message.data)
