"""Sign-in links that expire unused: counted by expiry minute, folded once the minute is over."""

from __future__ import annotations

import asyncio
import time

import pytest

from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text_dict
from service.store.link_stats import LinkStats
from service.store.scripts import Scripts
from tests.support.api import BACKENDS_WITH_CLUSTER, Api

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

MINUTE_MS = 60_000


def _stats(redis: RedisClient, *, seconds_ahead: float = 0) -> LinkStats:
    """Counts by the minute; ``seconds_ahead`` folds as if that much time had passed."""
    return LinkStats(redis, Scripts(redis), MINUTE_MS, grace_ms=int(-seconds_ahead * 1000))


async def _issued_in_redis(redis: RedisClient, within: float = 5.0) -> int:
    """Issued links in Redis, once the two expected have arrived (or the time is up)."""
    deadline = time.monotonic() + within
    while True:
        counts = text_dict(await redis.hgetall(keys.LINK_STATS))
        issued = sum(int(v) for k, v in counts.items() if k.startswith("issued:"))
        if issued >= 2 or time.monotonic() > deadline:
            return issued
        await asyncio.sleep(0.02)


async def test_minutes_that_are_over_fold_into_issued_minus_used(redis: RedisClient) -> None:
    stats = _stats(redis)
    over = int(time.time() * 1000) - 10 * MINUTE_MS  # expired ten minutes ago
    later = int(time.time() * 1000) + 10 * MINUTE_MS  # expires in ten minutes
    for _ in range(3):
        stats.issued(over)
    stats.issued(later)
    stats.used(over)
    stats.used(later)
    await stats.flush()

    assert await stats.expired_unused() == 2  # the minute that is over: 3 issued, 1 used
    assert await stats.expired_unused() == 2  # folded once, never twice
    # Ten minutes on, the later minute is over too: 1 issued, 1 used, nothing more unused.
    assert await _stats(redis, seconds_ahead=15 * 60).expired_unused() == 2
    assert await redis.hgetall(keys.LINK_STATS) == {"expired-unused": "2"}


async def test_counts_of_a_minute_within_its_grace_wait(redis: RedisClient) -> None:
    just_over = int(time.time() * 1000) - MINUTE_MS - 1000
    waiting = LinkStats(redis, Scripts(redis), MINUTE_MS, grace_ms=3 * MINUTE_MS)
    waiting.issued(just_over)
    await waiting.flush()
    assert await waiting.expired_unused() == 0  # uses may still be on their way
    assert await _stats(redis).expired_unused() == 1


async def test_more_uses_than_issues_never_count_below_zero(redis: RedisClient) -> None:
    stats = _stats(redis)
    over = int(time.time() * 1000) - 10 * MINUTE_MS
    stats.issued(over)
    stats.used(over)
    stats.used(over)  # e.g. a count issued before the stats existed
    await stats.flush()
    assert await stats.expired_unused() == 0


async def test_the_worker_counts_issued_links_and_sign_ins_count_used_ones(
    api: Api, redis: RedisClient
) -> None:
    await api.create_study("study-a")  # links live 3600 s by default
    for email in ("used@example.org", "unused@example.org"):
        await api.create_participant("study-a", email, consented=True)
    token = await api.emailed_token("study-a", "used@example.org")
    await api.emailed_token("study-a", "unused@example.org")
    assert (await api.sign_in_with_token("study-a", "used@example.org", token)).status_code == 200
    # The worker writes what it issued after each batch, without being asked.
    assert await _issued_in_redis(redis) == 2
    await api.services.link_stats.flush()

    assert await _stats(redis).expired_unused() == 0  # not expired yet
    # An hour and a bit on, both links' minute is over: one was used, one was not.
    assert await _stats(redis, seconds_ahead=3600 + 180).expired_unused() == 1
    response = await api.scrape_metrics()
    assert "magiclink_signin_links_expired_unused 1.0" in response.text


async def test_a_code_sign_in_counts_its_link_as_used(api: Api, redis: RedisClient) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "code@example.org", consented=True)
    await api.emailed_token("study-a", "code@example.org")
    code = api.mailbox.to("code@example.org")[-1].code
    assert (await api.sign_in_with_token("study-a", "code@example.org", code)).status_code == 200
    await api.services.link_stats.flush()
    assert await _stats(redis, seconds_ahead=3600 + 180).expired_unused() == 0
