"""Opening the Redis connection: one server, a Cluster, a Sentinel-watched master, or embedded.

``MAGICLINK_REDIS_URL`` forms:

- ``redis://[user:pass@]host:port/db`` or ``rediss://…`` (TLS): one server.
- ``redis+cluster://[user:pass@]host:port[,host:port…]``: Redis Cluster, from any of the nodes.
- ``redis+sentinel://[user:pass@]host:port[,host:port…]/service_name``: the master that the
  Sentinels name ``service_name``, followed across failovers.
- unset: the embedded in-process store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialWithJitterBackoff

from service.settings import Settings, SettingsError
from service.store.clients import DeadlineRedis, Deadlines, FailoverSafeCluster

log = logging.getLogger(__name__)

# Every store accepts either client: multi-key commands keep to one slot, so both behave alike.
RedisClient = Redis | RedisCluster


@dataclass(frozen=True)
class _Nodes:
    """The parts of a cluster or sentinel URL: several host:port pairs, optional credentials."""

    hosts: list[tuple[str, int]]
    username: str | None
    password: str | None
    path: str

    @classmethod
    def parse(cls, url: str) -> _Nodes:
        rest = url.split("://", 1)[1]
        location, _, path = rest.partition("/")
        credentials, at, hostlist = location.rpartition("@")
        username = password = None
        if at:
            user, _, secret = credentials.partition(":")
            username, password = unquote(user) or None, unquote(secret) or None
        hosts = []
        for item in hostlist.split(","):
            host, colon, port = item.strip().rpartition(":")
            if not colon or not host or not port.isdigit():
                raise SettingsError(
                    f"MAGICLINK_REDIS_URL: {item.strip()!r} is not host:port, e.g. "
                    "redis+cluster://10.0.0.1:7000,10.0.0.2:7000"
                )
            hosts.append((host.strip("[]"), int(port)))
        return cls(hosts, username, password, path.strip("/"))


def connect(settings: Settings) -> RedisClient:
    url = settings.redis_url
    if url is None and settings.accept_replicas:
        raise SettingsError(
            "MAGICLINK_ACCEPT_REPLICAS needs MAGICLINK_REDIS_URL: the embedded store has no "
            "replicas to wait for"
        )
    if url is None:
        import fakeredis  # the embedded default; imported only when it is used

        return fakeredis.FakeAsyncRedis(decode_responses=True)
    # Calls fail fast (503) while Redis is away or hangs: connecting is bounded here, and each
    # call as a whole by the client's deadline (service/store/clients.py), not by socket
    # timeouts, which cost a task per write. Nothing here blocks on the server side (the
    # delivery worker polls), so no reply should take longer.
    timeouts: dict[str, Any] = {
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "socket_timeout": None,  # redis-py's default is a timeout (5 s)
    }
    if url.startswith("redis+cluster://"):
        nodes = _Nodes.parse(url)
        return FailoverSafeCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in nodes.hosts],
            username=nodes.username,
            password=nodes.password,
            decode_responses=True,
            # While a master fails over, its slots answer nothing until a replica takes over
            # (the cluster's node timeout and more): a few quick retries ride out a slot that
            # moved, and the deadline turns the rest into a 503 within the promised time
            # instead of holding the request through the whole failover.
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.25), retries=3),
            deadline_seconds=settings.redis_timeout_seconds,
            **timeouts,
        )
    if url.startswith("redis+sentinel://"):
        nodes = _Nodes.parse(url)
        if not nodes.path:
            raise SettingsError(
                "MAGICLINK_REDIS_URL: a sentinel URL names the service after the hosts, e.g. "
                "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster"
            )
        # redis-py before 8.2 left Sentinel untyped; 8.2 types it.
        # The Sentinels' own answers (where the master is) keep a socket timeout: rare calls.
        asking = {**timeouts, "socket_timeout": settings.redis_timeout_seconds}
        sentinel = Sentinel(nodes.hosts, sentinel_kwargs=asking, **timeouts)  # type: ignore[no-untyped-call, unused-ignore]
        master: DeadlineRedis = sentinel.master_for(
            nodes.path,
            redis_class=DeadlineRedis,
            username=nodes.username,
            password=nodes.password,
            decode_responses=True,
        )
        master.deadlines = Deadlines(settings.redis_timeout_seconds)
        return master
    client = DeadlineRedis.from_url(url, decode_responses=True, **timeouts)
    assert isinstance(client, DeadlineRedis)  # from_url builds cls; its annotation says Redis
    client.deadlines = Deadlines(settings.redis_timeout_seconds)
    return client
