"""Opening the Redis connection: a real server from the URL, or the embedded store."""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from service.settings import Settings

log = logging.getLogger(__name__)


def connect(settings: Settings) -> Redis:
    if settings.redis_url is None:
        import fakeredis  # the embedded default; imported only when it is used

        return fakeredis.FakeAsyncRedis(decode_responses=True)
    # Short timeouts make calls fail fast (503) while Redis is away instead of hanging.
    return Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=settings.redis_timeout_seconds,
        socket_timeout=settings.redis_timeout_seconds + 3,
    )
