"""How much work the outbox still holds, and how long until it holds none.

"Empty" is what the service means by nothing left to do (service/store/outbox.py): no entry in
the stream ``keys.OUTBOX`` (a job leaves it only when settled), none read and unsettled
(the consumer group's pending entries), none waiting for a retry (``keys.OUTBOX_DELAYED``).
Dead letters are not work left: they are reported, never waited for.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError

from service.store import keys
from service.store.connection import RedisClient

POLL_SECONDS = 0.01
DRAIN_LIMIT_SECONDS = 300


@dataclass(frozen=True)
class Depth:
    queued: int  # entries in the stream, read or not
    pending: int  # read by a worker, not yet settled
    delayed: int  # waiting for a retry

    @property
    def jobs(self) -> int:
        return self.queued + self.delayed

    @property
    def empty(self) -> bool:
        return self.queued == 0 and self.pending == 0 and self.delayed == 0


class OutboxProbe:
    def __init__(self, redis: RedisClient, log: str) -> None:
        self.redis = redis
        self.log = log  # where to look when it never empties

    async def depth(self) -> Depth:
        queued = int(await self.redis.xlen(keys.OUTBOX))
        delayed = int(await self.redis.zcard(keys.OUTBOX_DELAYED))
        pending = 0
        try:
            summary: Any = await self.redis.xpending(keys.OUTBOX, keys.OUTBOX_GROUP)
            pending = int(summary["pending"])
        except ResponseError:  # no stream or no group yet: nothing was ever read
            pass
        return Depth(queued, pending, delayed)

    async def dead(self) -> int:
        return int(await self.redis.xlen(keys.OUTBOX_DEAD))

    async def drain(self) -> float:
        """Seconds until the outbox is empty (polled every 10 ms)."""
        started = time.monotonic()
        while not (await self.depth()).empty:
            if time.monotonic() - started > DRAIN_LIMIT_SECONDS:
                raise SystemExit(
                    f"the outbox did not empty within {DRAIN_LIMIT_SECONDS} s ({self.log})"
                )
            await asyncio.sleep(POLL_SECONDS)
        return time.monotonic() - started

    async def clear(self) -> None:
        """Drop every job (and the consumer group with the stream): only with no worker up."""
        await self.redis.delete(keys.OUTBOX, keys.OUTBOX_DELAYED, keys.OUTBOX_DEAD)
