"""Shared plumbing of the commands that work on the service's Redis (admin keys, outbox)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from service.settings import Settings
from service.store.connection import RedisClient, connect

RedisCommand = Callable[[RedisClient, argparse.Namespace], Awaitable[int]]


def redis_handler(
    what: str, command: RedisCommand
) -> Callable[[argparse.Namespace, Settings], int]:
    """A handler for ``cli.main`` that refuses without MAGICLINK_REDIS_URL and runs ``command``.

    The embedded store lives inside one process: a command run on its own would see an empty
    store and lose whatever it wrote when it exits.
    """

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        if settings.redis_url is None:
            print(
                f"magiclink: {what} needs MAGICLINK_REDIS_URL (the Redis the service uses); the "
                "embedded store lives only inside a running 'magiclink serve'",
                file=sys.stderr,
            )
            return 2
        args.settings = settings  # for commands that build services from them
        return asyncio.run(_run(command, args, settings))

    return handler


async def _run(command: RedisCommand, args: argparse.Namespace, settings: Settings) -> int:
    redis = connect(settings)
    try:
        return await command(redis, args)
    except RedisError as exc:  # the message names host and port, never the URL's password
        print(f"magiclink: RedisClient error: {exc}", file=sys.stderr)
        return 1
    finally:
        await redis.aclose()
