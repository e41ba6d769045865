"""Log configuration: one line per event, on stderr, at the configured level.

What is logged is decided where it is logged: addresses only through ``masked()``, tokens,
codes and passwords never. Third-party loggers that could echo request data stay at WARNING.
"""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("aiosmtplib", "mail.log", "passlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
