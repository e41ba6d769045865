"""``create_app(settings)``: the only way to build the service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from service.api.metrics_listener import serving as serving_metrics
from service.api.observed_requests import ObservedRequests
from service.api.routes import (
    auth,
    docs,
    landing,
    onboarding,
    ops,
    participant_self,
    participants,
    provisioning,
    provisioning_exports,
    studies,
    wellknown,
)
from service.auth.attempt_limits import AttemptLimits
from service.auth.password_work import PasswordWork
from service.auth.tokens import SecretHasher
from service.deeplinks.pages import Pages
from service.email.message import default_onboarding_template, default_sign_in_template
from service.email.smtp_pool import SmtpPool
from service.email.transport import MailDirTransport, Transport
from service.email.worker import DeliveryWorker, Mailer, message_host
from service.errors import (
    ApiError,
    BadRequest,
    EndpointNotFound,
    MethodNotAllowed,
    ServiceUnavailable,
)
from service.observability.metrics import Metrics
from service.services import Services
from service.settings import Settings
from service.store.accounts import AccountStore
from service.store.admin_keys import AdminKeyStore
from service.store.budgets import BudgetStore
from service.store.connection import RedisClient, connect
from service.store.link_stats import LinkStats
from service.store.outbox import Outbox
from service.store.scripts import Scripts
from service.store.sessions import SessionStore
from service.store.studies import StudyStore
from service.studies.demo import seed_demo

log = logging.getLogger(__name__)

# How long shutdown waits for the email in hand; whatever is left stays queued.
WORKER_STOP_SECONDS = 10

# Redis replies that mean "not now" rather than "your command is wrong".
_UNAVAILABLE_REPLIES = ("OOM", "LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN")


def build_services(settings: Settings, redis: RedisClient) -> Services:
    scripts = Scripts(redis)
    metrics = Metrics()
    budgets = BudgetStore(scripts)
    return Services(
        settings=settings,
        redis=redis,
        studies=StudyStore(redis),
        accounts=AccountStore(redis, scripts),
        sessions=SessionStore(redis),
        mailer=Mailer(Outbox(redis, scripts), message_host(settings.base_url)),
        hasher=SecretHasher(settings.secret_keys),
        default_template=default_sign_in_template(),
        pages=Pages(),
        admin_keys=AdminKeyStore(redis),
        metrics=metrics,
        link_stats=LinkStats(redis, scripts),
        password_work=PasswordWork(
            settings.password_hash_concurrency,
            on_busy=lambda: metrics.refused.labels("password-work-busy").inc(),
        ),
        budgets=budgets,
        attempt_limits=AttemptLimits(budgets, settings, metrics),
    )


def build_transport(settings: Settings) -> Transport:
    if settings.smtp is not None:
        return SmtpPool(settings.smtp, settings.smtp_pool_size, settings.smtp_timeout_seconds)
    return MailDirTransport(settings.mail_dir)


def build_worker(svc: Services) -> DeliveryWorker:
    return DeliveryWorker(
        mailer=svc.mailer,
        studies=svc.studies,
        accounts=svc.accounts,
        budgets=svc.budgets,
        hasher=svc.hasher,
        transport=build_transport(svc.settings),
        default_template=svc.default_template,
        default_onboarding_template=default_onboarding_template(),
        metrics=svc.metrics,
        settings=svc.settings,
        link_stats=svc.link_stats,
    )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    body: dict[str, object]
    if exc.status_code == 404:
        body = EndpointNotFound(f"No endpoint at {request.url.path}.").body()
    elif exc.status_code == 405:
        body = MethodNotAllowed(f"{request.method} is not supported at {request.url.path}.").body()
    else:
        body = {"statusCode": exc.status_code, "message": exc.detail, "type": "BadRequestException"}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left (or the server cut it off, e.g. a body that never finished arriving)
    before its body was read: nobody will read this answer, but it is the client's doing, so
    it is recorded as a 400, not as a server error with a traceback."""
    error = BadRequest("The request body did not arrive in full.")
    return JSONResponse(error.body(), status_code=error.status_code)


async def _redis_unavailable(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ResponseError) and not str(exc).startswith(_UNAVAILABLE_REPLIES):
        raise exc  # a command we got wrong is a bug: let it be a 500 with a traceback
    log.warning("%s %s: Redis unavailable (%s)", request.method, request.url.path, exc)
    error = ServiceUnavailable("The service is temporarily unavailable; please retry shortly.")
    return JSONResponse(error.body(), status_code=503, headers={"Retry-After": "5"})


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
            await seed_demo(svc)
        flusher = asyncio.create_task(svc.link_stats.flush_every(), name="link-stats")
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

    app = Starlette(
        routes=[
            # Starlette tries routes in order: the busiest first.
            *auth.routes,
            *ops.routes,
            *participant_self.routes,
            *studies.routes,
            *provisioning_exports.routes,
            *participants.routes,
            *onboarding.routes,
            *landing.routes,
            *provisioning.routes,
            *docs.routes,
            *wellknown.routes,
        ],
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            RedisConnectionError: _redis_unavailable,
            RedisTimeoutError: _redis_unavailable,
            ResponseError: _redis_unavailable,
        },
        middleware=[
            Middleware(ObservedRequests, metrics=svc.metrics, access_log=settings.access_log)
        ],
        lifespan=lifespan,
    )
    app.state.services = svc
    return app
