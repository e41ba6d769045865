"""The Starlette application around the services: routes, error answers, the request middleware."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from redis.exceptions import RedisClusterException, RedisError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from service.api.context import App
from service.api.direct_routes import DirectRoutes
from service.api.errors import (
    BadRequest,
    EndpointNotFound,
    HttpError,
    MethodNotAllowed,
    ServiceUnavailable,
    answer,
)
from service.api.metrics_listener import serving as serving_metrics
from service.api.observed_requests import ObservedRequests
from service.api.operations import routes
from service.api.table import OPERATIONS
from service.app import Services, build_services, build_worker
from service.errors import DomainError
from service.settings import Settings
from service.store.connection import RedisClient, connect
from service.store.unavailable import RedisUnavailable, is_unavailable
from service.studies.demo import seed_demo

log = logging.getLogger(__name__)

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def _json(error: DomainError | HttpError) -> Response:
    given = answer(error)
    return JSONResponse(given.body, status_code=given.status_code, headers=given.headers)


async def _error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError | HttpError)
    return _json(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: HttpError
    if exc.status_code == 404:
        error = EndpointNotFound(f"No endpoint at {request.url.path}.")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"{request.method} is not supported at {request.url.path}.")
    else:
        error = BadRequest(exc.detail)
    given = answer(error)
    body = {**given.body, "statusCode": exc.status_code}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left (or the server cut it off, e.g. a body that never finished arriving)
    before its body was read: nobody will read this answer, but it is the client's doing, so
    it is recorded as a 400, not as a server error with a traceback."""
    return _json(BadRequest("The request body did not arrive in full."))


async def _redis_unavailable(request: Request, exc: Exception) -> Response:
    if not is_unavailable(exc):
        raise exc  # a command we got wrong is a bug: let it be a 500 with a traceback
    log.warning(
        "%s %s: Redis unavailable (%s: %s)",
        request.method,
        request.url.path,
        type(exc).__name__,
        exc,
    )
    return _json(
        ServiceUnavailable(
            "The service is temporarily unavailable; please retry shortly.", {"Retry-After": "5"}
        )
    )


_ERROR_HANDLERS = {
    DomainError: _error,
    HttpError: _error,
    HTTPException: _http_error,
    ClientDisconnect: _client_gone,
    # Every Redis error that means "not now" (store/unavailable.py), the Cluster client's own
    # among them, is a 503 with Retry-After; any other stays a 500.
    RedisError: _redis_unavailable,
    RedisClusterException: _redis_unavailable,
    RedisUnavailable: _redis_unavailable,
}


def build_app(svc: Services, lifespan: Lifespan) -> App:
    # Starlette tries routes in order: the busiest first.
    table = routes(OPERATIONS)
    observed = Middleware(
        ObservedRequests,
        metrics=svc.metrics,
        access_log=svc.settings.access_log,
        direct=DirectRoutes(table, _ERROR_HANDLERS),
    )
    app = App(
        routes=table,
        exception_handlers=_ERROR_HANDLERS,
        middleware=[observed],
        lifespan=lifespan,
    )
    app.services = svc
    return app


# How long shutdown waits for the email in hand; whatever is left stays queued.
WORKER_STOP_SECONDS = 10


def create_app(
    settings: Settings,
    *,
    redis: RedisClient | None = None,
    run_worker: bool = True,
    demo: bool = False,
    metrics_socket: socket.socket | None = None,
) -> Starlette:
    """Build the app. ``redis`` overrides the connection made from the settings (tests).

    ``metrics_socket`` (see :func:`service.api.metrics_listener.listen`) serves the metrics for as
    long as the app runs; the app itself never answers ``/metrics``.
    """
    owns_redis = redis is None
    connection = redis if redis is not None else connect(settings)
    svc = build_services(settings, connection)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        worker = build_worker(svc) if run_worker else None
        worker_task = None
        if worker is not None:
            worker_task = asyncio.create_task(worker.run(), name="delivery-worker")
        if demo:
            await seed_demo(svc.studies, svc.accounts)
        flusher = asyncio.create_task(svc.link_stats.flush_every(), name="link-stats")
        stats_flusher = asyncio.create_task(svc.study_stats.flush_every(), name="study-stats")
        metrics: contextlib.AbstractAsyncContextManager[None] = (
            serving_metrics(svc, metrics_socket)
            if metrics_socket is not None
            else contextlib.nullcontext()
        )
        try:
            async with metrics:
                yield
        finally:
            await svc.link_stats.close(flusher)
            await svc.study_stats.close(stats_flusher)
            svc.password_work.close()
            if worker is not None and worker_task is not None:
                worker.stop()
                try:
                    await asyncio.wait_for(worker_task, WORKER_STOP_SECONDS)
                except TimeoutError:
                    log.warning(
                        "delivery worker did not stop in %d s; cancelled", WORKER_STOP_SECONDS
                    )
            if owns_redis:
                await connection.aclose()

    app = build_app(svc, lifespan)
    app.state.services = svc  # for tests and tools that hold the app
    return app
