"""Which Redis client errors mean "Redis cannot answer now" rather than "our command is wrong".

The API answers the first kind 503 with ``Retry-After`` (``service/api/errors.py``); the
delivery worker waits and tries again. The second kind stays a bug: a 500 with a traceback.

Redis Cluster adds errors of its own while a master fails over: CLUSTERDOWN, TRYAGAIN, MOVED
and ASK storms the client gave up following, and the client's own exceptions when its slot map
is half refreshed. Some of those are not even ``RedisError`` (``RedisClusterException``), and
redis-py strips the error code from a typed reply's message (a ``ClusterDownError`` reads "The
cluster is down"), so they are told apart here by type.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import redis
from redis.exceptions import (
    AskError,
    ClusterError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisClusterException,
    RedisClusterUnreachableError,
    ResponseError,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from service.errors import Busy

log = logging.getLogger(__name__)

# Replies whose code redis-py leaves in the message (untyped ResponseError).
_UNAVAILABLE_REPLIES = ("OOM", "LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN")
# Typed replies: ClusterDownError and MasterDownError are ClusterErrors; a MOVED or ASK that
# reaches us means the client stopped following redirections mid-failover (or a durable
# accept refused to follow one, see Script.then_wait).
_UNAVAILABLE_TYPES = (
    RedisConnectionError,  # also BusyLoadingError, MaxConnectionsError
    RedisTimeoutError,
    ClusterError,
    TryAgainError,
    AskError,  # and MovedError
    ReadOnlyError,
    OutOfMemoryError,
    SlotNotCoveredError,
    RedisClusterUnreachableError,
)
# The slot map refresh of redis-py's cluster client raises the base RedisClusterException for
# these while a master is down (redis 8.2, asyncio/cluster.py NodesManager.initialize); the
# same base type also means programming errors (cross-slot commands), so only these messages.
_REFRESH_FAILURES = ("All slots are not covered", "Redis Cluster cannot be connected")

# The exceptions redis-py's cluster client has been seen to raise from its own code while a
# failover rearranges its nodes, instead of a Redis error: with redis 8.2 under load, e.g. an
# AttributeError on a connection or node the refresh had just replaced.
_CLIENT_SLIPS = (AttributeError, TypeError, KeyError, IndexError)
_REDIS_PACKAGE = str(Path(redis.__file__).parent)


class RedisUnavailable(Busy, RedisConnectionError):
    """Redis cannot answer now; a domain ``Busy`` (503 with Retry-After) that every handler of
    connection errors (the worker's, the readiness probe's) also takes for one."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 1)


def is_unavailable(exc: BaseException) -> bool:
    """Whether the error means Redis cannot answer now (worth a retry), not a wrong command."""
    if isinstance(exc, _UNAVAILABLE_TYPES):
        return True
    if isinstance(exc, ResponseError):
        return str(exc).startswith(_UNAVAILABLE_REPLIES)
    if type(exc) is RedisClusterException:
        return str(exc).startswith(_REFRESH_FAILURES)
    return False


def _raised_inside_redis(exc: BaseException) -> bool:
    """Whether the innermost frame of the traceback is redis-py's own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(_REDIS_PACKAGE)


def translated(exc: Exception) -> Exception:
    """The error to raise for one the cluster client raised: a client slip (see
    ``_CLIENT_SLIPS``) raised inside redis-py, or a cluster error that is not a RedisError,
    becomes :class:`RedisUnavailable`; anything else is raised as it is."""
    if isinstance(exc, _CLIENT_SLIPS) and _raised_inside_redis(exc):
        log.warning(
            "redis-py's cluster client failed inside itself (%s: %s); taken as a failover "
            "under way",
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        return RedisUnavailable(f"Redis Cluster client error: {type(exc).__name__}: {exc}")
    if isinstance(exc, RedisClusterException) and is_unavailable(exc):
        return RedisUnavailable(f"Redis Cluster unavailable: {exc}")
    return exc
