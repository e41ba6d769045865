"""Counts kept in this process's memory and written to Redis in one round trip now and then.

For counts on the busiest paths, where one more redis-py call per request would cost about a
quarter of a sign-in's instructions (see link_stats.py). A process that dies loses its last
few seconds of them; a failed write keeps them for the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Hashable
from typing import Generic, TypeVar

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
K = TypeVar("K", bound=Hashable)


class BufferedCounts(Generic[K]):
    """Pending counts by key; a subclass writes them (:meth:`_write`, one round trip)."""

    # What the counts are, for the log line of a failed write.
    what = "counts"

    def __init__(self) -> None:
        self._pending: Counter[K] = Counter()

    async def _write(self, pending: Counter[K]) -> None:
        raise NotImplementedError

    async def flush(self) -> None:
        """Write the counts so far in one round trip; on failure they wait for the next."""
        if not self._pending:
            return
        pending, self._pending = self._pending, Counter()
        try:
            await self._write(pending)
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
                log.warning("%s not written (%s); will retry", self.what, exc)

    async def close(self, flusher: asyncio.Task[None]) -> None:
        """Stop ``flusher`` (the task running :meth:`flush_every`) and write what is left."""
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        with contextlib.suppress(RedisError, OSError):
            await self.flush()
