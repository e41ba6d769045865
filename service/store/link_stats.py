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

import asyncio
import contextlib
import logging
from collections import Counter

from redis.exceptions import RedisError

from service.store import keys
from service.store.connection import RedisClient
from service.store.scripts import Scripts

log = logging.getLogger(__name__)

BUCKET_MS = 60_000
GRACE_MS = 120_000
FLUSH_SECONDS = 5.0


class LinkStats:
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
        # Counts not yet in Redis, by hash field ("issued:<bucket>", "used:<bucket>").
        self._pending: Counter[str] = Counter()

    def _count(self, kind: str, expires_ms: int) -> None:
        self._pending[f"{kind}:{expires_ms // self._bucket_ms}"] += 1

    def issued(self, expires_ms: int) -> None:
        """Count an issued link; it reaches Redis with the next :meth:`flush`."""
        self._count("issued", expires_ms)

    def used(self, expires_ms: int) -> None:
        """Count a used link; it reaches Redis with the next :meth:`flush`."""
        self._count("used", expires_ms)

    async def flush(self) -> None:
        """Write the counts so far in one round trip; on failure they wait for the next."""
        if not self._pending:
            return
        pending, self._pending = self._pending, Counter()
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for field, count in pending.items():
                    pipe.hincrby(keys.LINK_STATS, field, count)
                await pipe.execute()
        except (RedisError, OSError):
            self._pending.update(pending)
            raise

    async def flush_every(self, seconds: float = FLUSH_SECONDS) -> None:
        """Flush until cancelled; a failed flush keeps its counts for the next one."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.flush()
            except (RedisError, OSError) as exc:
                log.warning("sign-in link use counts not written (%s); will retry", exc)

    async def close(self, flusher: asyncio.Task[None]) -> None:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        with contextlib.suppress(RedisError, OSError):
            await self.flush()

    async def expired_unused(self) -> int:
        """Fold the minutes that are over; the total of links that expired unused, so far."""
        total = await self._scripts.fold_expired_links(
            [keys.LINK_STATS], [self._bucket_ms, self._grace_ms]
        )
        return int(total)
