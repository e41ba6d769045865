"""The SMTP pool on a reused connection, where it sends MAIL, RCPT and DATA itself: the same
envelope, SMTPUTF8 and refusals as aiosmtplib's sendmail on a connection's first email."""

from __future__ import annotations

from collections.abc import Iterator

import aiosmtplib
import pytest

from service.email.failures import SmtpUtf8Missing
from service.email.message import build_message
from service.email.mime import OutgoingEmail
from service.email.smtp_pool import SmtpPool
from service.settings import SmtpServer as SmtpSettings
from service.studies.templates import EmailTemplate
from tests.support.mail import SmtpServer

TEMPLATE = EmailTemplate(subject="Sign in", body="Your link: ${url}", mime_type="text/plain")


def _email(to: str, n: int) -> OutgoingEmail:
    return build_message(
        TEMPLATE,
        {"url": f"https://signin.example.org/s/x?token=t{n}"},
        to=to,
        mail_from="Study Team <study@example.org>",
        message_id=f"<m{n}@signin.example.org>",
    )


@pytest.fixture(params=[True, False], ids=["smtputf8", "ascii-only"])
def server(request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    running = SmtpServer(smtputf8=request.param)
    running.start()
    yield running
    running.stop()


async def test_a_reused_connection_sends_what_a_first_one_does(server: SmtpServer) -> None:
    pool = SmtpPool(SmtpSettings("127.0.0.1", server.port, "none"), 1, 5.0)  # one connection
    server.mailbox.refuse["gone@example.org"] = "550 5.1.1 No such user"
    try:
        await pool.send(_email("first@example.org", 0))  # the connection's first: sendmail
        await pool.send(_email("ann@example.org", 1))
        if server.smtputf8:
            await pool.send(_email("jürgen@example.de", 2))
        else:
            with pytest.raises(SmtpUtf8Missing):
                await pool.send(_email("jürgen@example.de", 2))
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await pool.send(_email("gone@example.org", 3))
        assert [r.code for r in refused.value.recipients] == [550]
        await pool.send(_email("bob@example.org", 4))
    finally:
        await pool.close()

    caught = {email.recipients[0]: email for email in server.mailbox.emails}
    expected = ["first@example.org", "ann@example.org", "bob@example.org"]
    if server.smtputf8:
        expected.insert(2, "jürgen@example.de")
        assert caught["jürgen@example.de"].smtputf8  # MAIL FROM asked for it
    assert list(caught) == expected
    assert all(e.mail_from == "study@example.org" for e in caught.values())
    assert not caught["ann@example.org"].smtputf8
    assert caught["ann@example.org"].message["Message-ID"] == "<m1@signin.example.org>"
    # One connection for all but the one closed after the refusal.
    assert server.mailbox.sessions == 2
