"""The outbox: a Redis stream of emails waiting for delivery, read by a consumer group.

An email is accepted (and the API answers 202) only once it is in the stream. A worker reads
it, sends it, and then acknowledges and deletes the entry, so the token it carries does not
stay in Redis. An entry a worker read but never acknowledged (it crashed, or the send failed)
is claimed again once it has been idle for the retry delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from service.store import keys
from service.store.decoding import text, text_dict


@dataclass(frozen=True)
class OutboxEntry:
    entry_id: str
    fields: dict[str, str]


class Outbox:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(keys.OUTBOX, keys.OUTBOX_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def enqueue(self, fields: dict[str, str]) -> str:
        entry_id = await self._redis.xadd(keys.OUTBOX, dict(fields))  # type: ignore[arg-type]
        return text(entry_id)

    async def read_new(self, consumer: str, count: int, block_ms: int | None) -> list[OutboxEntry]:
        reply: Any = await self._redis.xreadgroup(
            keys.OUTBOX_GROUP, consumer, {keys.OUTBOX: ">"}, count=count, block=block_ms
        )
        return [
            OutboxEntry(text(entry_id), text_dict(fields))
            for _, entries in reply or []
            for entry_id, fields in entries
            if fields  # an entry deleted while pending comes back without fields
        ]

    async def claim_stale(self, consumer: str, idle_ms: int, count: int) -> list[OutboxEntry]:
        reply: Any = await self._redis.xautoclaim(
            keys.OUTBOX,
            keys.OUTBOX_GROUP,
            consumer,
            min_idle_time=idle_ms,
            start_id="0-0",
            count=count,
        )
        return [
            OutboxEntry(text(entry_id), text_dict(fields))
            for entry_id, fields in reply[1]
            if fields
        ]

    async def done(self, entry_id: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xack(keys.OUTBOX, keys.OUTBOX_GROUP, entry_id)
            pipe.xdel(keys.OUTBOX, entry_id)
            await pipe.execute()

    async def depth(self) -> int:
        length: int = await self._redis.xlen(keys.OUTBOX)
        return length
