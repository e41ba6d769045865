"""Operators' endpoints: liveness and readiness."""

from __future__ import annotations

import asyncio

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.routes.context import services


async def health(request: Request) -> Response:
    """200 while the process is up; says nothing about its dependencies."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    """200 only while Redis answers, so a load balancer stops sending traffic when it does not."""
    svc = services(request)
    try:
        await asyncio.wait_for(svc.redis.ping(), svc.settings.redis_timeout_seconds)
    except (RedisError, OSError, TimeoutError) as exc:
        return JSONResponse(
            {"status": "unavailable", "redis": f"not answering: {type(exc).__name__}"},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "redis": "ok"})


routes = [
    Route("/health", health, methods=["GET", "HEAD"]),
    Route("/ready", ready, methods=["GET", "HEAD"]),
]
