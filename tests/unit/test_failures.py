"""What a failed send means, and when it is tried again."""

from __future__ import annotations

import aiosmtplib
import pytest

from service.email.failures import classify, retry_delay


@pytest.mark.parametrize(
    ("error", "permanent", "reason"),
    [
        (aiosmtplib.SMTPDataError(554, "rejected as spam"), True, "554 rejected as spam"),
        (aiosmtplib.SMTPSenderRefused(451, "try later", "a@b.org"), False, "451 try later"),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), True, "535"),
        (aiosmtplib.SMTPServerDisconnected("gone"), False, "SMTPServerDisconnected: gone"),
        (aiosmtplib.SMTPConnectError("refused"), False, "SMTPConnectError"),
        (aiosmtplib.SMTPReadTimeoutError("slow"), False, "timed out"),
        (TimeoutError(), False, "timed out"),
        (ConnectionRefusedError(111, "refused"), False, "ConnectionRefusedError"),
        (RuntimeError("odd"), False, "unexpected RuntimeError: odd"),
    ],
)
def test_classify(error: Exception, permanent: bool, reason: str) -> None:
    failure = classify(error)
    assert failure.permanent is permanent
    assert reason in failure.reason


def test_refused_recipients_are_permanent_only_if_every_refusal_is() -> None:
    gone = aiosmtplib.SMTPRecipientRefused(550, "no such user", "a@b.org")
    busy = aiosmtplib.SMTPRecipientRefused(451, "greylisted", "c@d.org")
    assert classify(aiosmtplib.SMTPRecipientsRefused([gone])).permanent is True
    assert classify(aiosmtplib.SMTPRecipientsRefused([gone, busy])).permanent is False
    assert "550 no such user" in classify(aiosmtplib.SMTPRecipientsRefused([gone])).reason


def test_retry_delay_doubles_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    assert [retry_delay(n, 5, 900, 1.0) for n in range(1, 10)] == [
        5, 10, 20, 40, 80, 160, 320, 640, 900,
    ]  # fmt: skip
    assert retry_delay(3, 5, 900, 0.0) == 10.0  # half of 20
    assert retry_delay(3, 5, 900, 0.5) == 15.0
    assert retry_delay(50, 5, 900, 1.0) == 900  # no overflow far out
