"""Which of many addresses have an account in a study: one pipeline, for the worker's batch.

A link request is accepted alike for every address, so most of a flood of requests for
made-up addresses reach the worker; it asks about a whole batch at once and spends nothing
more (no token, no hashing) on those without an account.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.store import keys
from service.store.connection import RedisClient


async def with_accounts(redis: RedisClient, addresses: Sequence[tuple[str, str]]) -> list[bool]:
    """For each (study id, normalized address): whether its account exists."""
    if not addresses:
        return []
    pipe = redis.pipeline(transaction=False)
    for study_id, address in addresses:
        pipe.exists(keys.account(keys.account_tag(study_id, address)))
    return [bool(found) for found in await pipe.execute()]
