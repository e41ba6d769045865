"""How many sign-in links expire unused: issued and used counts by the minute they expire.

The delivery worker counts each link it issues (a link and its typed code count once) under
the minute the link expires; a sign-in by link or code counts the link it used under the same
minute. Both counts go to this process's memory first: one more redis-py call would add about a
quarter to a sign-in's instructions (callgrind: some 290,000 of about 1.1 million). They are
written in one round trip after each batch the worker delivers and every few seconds. When
``/metrics`` is read, minutes that are over (plus a grace for those writes) are folded into a
running total: issued minus used. A link counts as unused when
it expired, was replaced by newer ones, was revoked after wrong codes, or was left behind when
the participant signed in with another link of theirs.

If a process dies, its unwritten counts are lost: a lost use counts its link as unused, a lost
issue may hide an unused one.
"""

from __future__ import annotations

import logging
from collections import Counter

from service.store import keys
from service.store.buffered_counts import BufferedCounts
from service.store.connection import RedisClient
from service.store.scripts import Scripts

log = logging.getLogger(__name__)

BUCKET_MS = 60_000
GRACE_MS = 120_000


class LinkStats(BufferedCounts[str]):
    """Pending counts by hash field ("issued:<bucket>", "used:<bucket>")."""

    what = "sign-in link use counts"

    def __init__(
        self,
        redis: RedisClient,
        scripts: Scripts,
        bucket_ms: int = BUCKET_MS,
        grace_ms: int = GRACE_MS,
    ) -> None:
        self._redis = redis
        self._scripts = scripts
        self._bucket_ms = bucket_ms
        self._grace_ms = grace_ms
        super().__init__()

    def _count(self, kind: str, expires_ms: int) -> None:
        self._pending[f"{kind}:{expires_ms // self._bucket_ms}"] += 1

    def issued(self, expires_ms: int) -> None:
        """Count an issued link; it reaches Redis with the next :meth:`flush`."""
        self._count("issued", expires_ms)

    def used(self, expires_ms: int) -> None:
        """Count a used link; it reaches Redis with the next :meth:`flush`."""
        self._count("used", expires_ms)

    async def _write(self, pending: Counter[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for field, count in pending.items():
                pipe.hincrby(keys.LINK_STATS, field, count)
            await pipe.execute()

    async def expired_unused(self) -> int:
        """Fold the minutes that are over; the total of links that expired unused, so far."""
        total = await self._scripts.fold_expired_links(
            [keys.LINK_STATS], [self._bucket_ms, self._grace_ms]
        )
        return int(total)
