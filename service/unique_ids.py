"""Ids that must be unique across processes and restarts but need not be secret: request ids
and email Message-IDs (both shown in logs; a Message-ID also in the email and in the outbox's
keys, where two alike would make the second email pass for the first).

A random prefix per process and a count, rather than random bytes per id: ``os.urandom`` is a
system call, and 16 bytes of it per link request took 3 % of the request's time (py-spy). A
forked child draws a new prefix, or parent and child would hand out the same ids.
"""

from __future__ import annotations

import itertools
import os
import secrets


class UniqueIds:
    """``prefix_bytes`` random bytes as hex, then the count as ``count_digits`` hex digits
    (more once the count outgrows them, or back to 0 if ``wrap``)."""

    def __init__(self, prefix_bytes: int, count_digits: int, wrap: bool = False) -> None:
        self._prefix_bytes = prefix_bytes
        self._format = f"0{count_digits}x"
        self._mask = (1 << 4 * count_digits) - 1 if wrap else -1
        self._new_prefix()
        os.register_at_fork(after_in_child=self._new_prefix)

    def _new_prefix(self) -> None:
        self._prefix = secrets.token_hex(self._prefix_bytes)
        self._count = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._count) & self._mask:{self._format}}"
