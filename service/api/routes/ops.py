"""Operators' endpoints: liveness and readiness on the API port; metrics on their own listener.

``/metrics`` is never routed on the API port: its email counters move with every sign-in email
sent or dropped, so anyone could ask for a link and read off whether the address has an account.
:mod:`service.api.metrics_listener` serves ``metrics_routes`` on ``MAGICLINK_METRICS_ADDR``.
"""

from __future__ import annotations

import asyncio
import time

from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.api.context import services
from service.api.operations import Answer, Operation
from service.api.schemas.ops import Health, Readiness

_HEALTHY = Health().model_dump(by_alias=True)


async def health(request: Request) -> Response:
    """200 while the process is up; says nothing about its dependencies."""
    return JSONResponse(_HEALTHY)


async def ready(request: Request) -> Response:
    """200 only while Redis answers, so a load balancer stops sending traffic when it does not;
    in durable accept mode also only while the outbox's master has the replicas each link
    request must wait for (without them every request would be refused)."""
    svc = services(request)
    wanted = svc.settings.accept_replicas
    try:
        await asyncio.wait_for(svc.redis.ping(), svc.settings.redis_timeout_seconds)
        if wanted:
            replicas = await asyncio.wait_for(
                svc.mailer.outbox.master_replicas(), svc.settings.redis_timeout_seconds
            )
            svc.metrics.outbox_replicas.set(replicas)
            if replicas < wanted:
                why = f"the outbox's master has {replicas} of {wanted} replicas"
                readiness = Readiness(status="unavailable", redis=why)
                return JSONResponse(readiness.model_dump(by_alias=True), status_code=503)
    except (RedisError, OSError, TimeoutError) as exc:
        readiness = Readiness(status="unavailable", redis=f"not answering: {type(exc).__name__}")
        return JSONResponse(readiness.model_dump(by_alias=True), status_code=503)
    return JSONResponse(Readiness(status="ready", redis="ok").model_dump(by_alias=True))


async def metrics(request: Request) -> Response:
    """Prometheus text format. The queue figures are read from Redis now, when it answers."""
    svc = services(request)
    try:
        status = await svc.mailer.outbox.status()
        expired_unused = await svc.link_stats.expired_unused()
    except (RedisError, OSError):
        svc.metrics.redis_up.set(0)  # the request and email counters are still worth scraping
    else:
        gauges = svc.metrics
        gauges.redis_up.set(1)
        gauges.outbox_depth.labels("queued").set(status.queued - status.pending)
        gauges.outbox_depth.labels("sending").set(status.pending)
        gauges.outbox_depth.labels("delayed").set(status.delayed)
        gauges.outbox_depth.labels("dead").set(status.dead)
        oldest = status.oldest_queued_ms
        gauges.outbox_lag.set(0 if oldest is None else max(0.0, time.time() - oldest / 1000))
        gauges.links_expired_unused.set(expired_unused)
    if svc.settings.accept_replicas:
        try:
            svc.metrics.outbox_replicas.set(await svc.mailer.outbox.master_replicas())
        except (RedisError, OSError):
            svc.metrics.outbox_replicas.set(-1)
    return Response(svc.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


_TAG = "Operations"

operations = [
    Operation(
        "GET",
        "/health",
        "health",
        health,
        _TAG,
        "Liveness: 200 while the process is up.",
        {200: Answer("The process is up.", Health)},
        uses_redis=False,
    ),
    Operation(
        "GET",
        "/ready",
        "ready",
        ready,
        _TAG,
        "Readiness: 200 only while Redis answers (point load balancers here).",
        {
            200: Answer("Redis answers.", Readiness),
            503: Answer("Redis does not answer.", Readiness),
        },
        uses_redis=False,  # it answers its own 503, with a Readiness body
    ),
]

# The metrics listener's routes. /health and /ready are there for processes without an API port:
# a worker's readiness is what holds a rolling update whose new workers cannot reach Redis.
metrics_routes = [
    Route("/metrics", metrics, methods=["GET"]),
    Route("/health", health, methods=["GET", "HEAD"]),
    Route("/ready", ready, methods=["GET", "HEAD"]),
]
