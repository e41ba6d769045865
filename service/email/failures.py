"""What a failed send means: try again later, or never.

SMTP says it with the first digit of its reply: 4xx is a temporary condition (greylisting, a
full queue, a rate limit), 5xx is permanent (no such mailbox, rejected as spam). A connection
that cannot be made or breaks, and a timeout, are temporary. An email to an address beyond
ASCII that the server cannot take (it does not offer SMTPUTF8) is permanent: the server will
not learn it by the next try, and the participant should not wait through ten of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosmtplib

SMTPUTF8_MISSING = "the mail server does not accept internationalized addresses (SMTPUTF8)"


class SmtpUtf8Missing(Exception):
    """The email needs SMTPUTF8 (an address beyond ASCII) and the server does not offer it."""

    def __init__(self) -> None:
        super().__init__(SMTPUTF8_MISSING)


@dataclass(frozen=True)
class Failure:
    permanent: bool
    reason: str


def classify(error: BaseException) -> Failure:
    if isinstance(error, SmtpUtf8Missing):
        return Failure(True, SMTPUTF8_MISSING)
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
        return Failure(bool(codes) and all(code >= 500 for code in codes), f"refused: {detail}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return Failure(error.code >= 500, f"{error.code} {error.message}")
    if isinstance(error, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return Failure(False, f"timed out: {error}")
    if isinstance(error, aiosmtplib.SMTPException | OSError):
        return Failure(False, f"{type(error).__name__}: {error}")
    return Failure(False, f"unexpected {type(error).__name__}: {error}")


def retry_delay(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Seconds before try ``attempt + 1``: doubling from ``base`` up to ``cap``, then jittered.

    ``jitter`` in [0, 1] (random per call) spreads the retries of many emails that failed
    together over the upper half of the delay, so they do not all return at once.
    """
    delay: float = min(cap, base * 2.0 ** max(0, attempt - 1))
    return delay / 2 + delay / 2 * jitter
