"""The dead-letter stream is bounded: a flood of undeliverable jobs cannot fill Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.store import keys
from service.store.connection import RedisClient
from service.store.limits import MAX_DEAD_LETTERS
from service.store.outbox import Outbox
from service.store.scripts import Scripts


@pytest.mark.parametrize("redis", ["redis"], indirect=True)  # 10,000 entries: the real server
async def test_the_dead_letter_stream_keeps_at_most_its_cap(redis: RedisClient) -> None:
    # Before, every job that failed for good stayed until an operator purged it.
    outbox = Outbox(redis, Scripts(redis))
    await outbox.ensure_group()
    extra = 300
    async with redis.pipeline(transaction=False) as pipe:
        for n in range(MAX_DEAD_LETTERS + extra):
            pipe.xadd(keys.OUTBOX, {"job": f"unreadable {n}"})
        await pipe.execute()
    entries = await outbox.read_new("test", MAX_DEAD_LETTERS + extra)
    for start in range(0, len(entries), 50):
        await asyncio.gather(*(outbox.dead(e, "refused") for e in entries[start : start + 50]))
    length = await redis.xlen(keys.OUTBOX_DEAD)
    # Trimmed in whole stream nodes ("MAXLEN ~"), so a little over the cap at most.
    assert MAX_DEAD_LETTERS <= length < MAX_DEAD_LETTERS + extra
    newest: Any = await redis.xrevrange(keys.OUTBOX_DEAD, count=1)
    assert newest[0][1]["job"] == f"unreadable {MAX_DEAD_LETTERS + extra - 1}"  # oldest went
