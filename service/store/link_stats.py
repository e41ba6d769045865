"""How many sign-in links expire unused: issued and used counts by the minute they expire.

The delivery worker counts each link it issues (a link and its typed code count once) under
the minute the link expires. A sign-in by link or code counts the link it used under the same
minute, in this process's memory first: one more redis-py call would add about a quarter to
a sign-in's instructions (callgrind: some 290,000 of about 1.1 million). Those counts are
written every few seconds. When ``/metrics`` is read, minutes that are over (plus a grace for
those writes) are folded into a running total: issued minus used. A link counts as unused when
it expired, was replaced by newer ones, was revoked after wrong codes, or was left behind when
the participant signed in with another link of theirs.

If a process dies, up to one flush interval of its use counts is lost, and those links are
counted as unused.
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
        self._used: Counter[int] = Counter()

    def _bucket(self, expires_ms: int) -> int:
        return expires_ms // self._bucket_ms

    async def issued(self, expires_ms: int) -> None:
        await self._redis.hincrby(keys.LINK_STATS, f"issued:{self._bucket(expires_ms)}", 1)

    def used(self, expires_ms: int) -> None:
        """Count a used link now; it reaches Redis with the next :meth:`flush`."""
        self._used[self._bucket(expires_ms)] += 1

    async def flush(self) -> None:
        if not self._used:
            return
        pending, self._used = self._used, Counter()
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for bucket, count in pending.items():
                    pipe.hincrby(keys.LINK_STATS, f"used:{bucket}", count)
                await pipe.execute()
        except (RedisError, OSError):
            self._used.update(pending)  # try again with the next flush
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
