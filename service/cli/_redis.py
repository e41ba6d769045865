"""Commands that work on the service's Redis (admin keys, outbox, onboarding, ...)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from redis.exceptions import RedisError

from service.cli._context import Failure, Misuse, command_name, load_settings
from service.store.connection import RedisClient, connect

P = ParamSpec("P")
R = TypeVar("R")


def on_redis(command: Callable[Concatenate[RedisClient, P], Awaitable[R]]) -> Callable[P, R]:
    """A command's callback, run in an event loop with a client of MAGICLINK_REDIS_URL.

    Refused without MAGICLINK_REDIS_URL: the embedded store lives inside one process, so a
    command run on its own would see an empty store and lose what it wrote when it exits.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        settings = load_settings()
        if settings.redis_url is None:
            raise Misuse(
                f"{command_name()} needs MAGICLINK_REDIS_URL (the Redis the service uses); the "
                "embedded store lives only inside a running 'magiclink serve'"
            )

        async def connected() -> R:
            redis = connect(settings)
            try:
                return await command(redis, *args, **kwargs)
            except RedisError as exc:  # the message names host and port, never the password
                raise Failure(f"Redis error: {exc}") from None
            finally:
                await redis.aclose()

        return asyncio.run(connected())

    return run
