"""Operators' view: liveness, readiness, and failing fast while Redis is away."""

from __future__ import annotations

import time

import httpx

from service.api.application import create_app
from service.api.metrics_listener import metrics_app
from service.settings import Settings
from tests.support.api import Api
from tests.support.ports import free_port


async def test_health_and_ready_while_redis_answers(api: Api) -> None:
    health = await api.client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = await api.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["redis"] == "ok"


async def test_without_redis_ready_is_503_and_the_api_fails_fast(settings: Settings) -> None:
    nowhere = settings.replace(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_seconds=0.5
    )
    app = create_app(nowhere, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/health")).status_code == 200
            started = time.monotonic()
            ready = await client.get("/ready")
            assert ready.status_code == 503
            assert ready.json()["status"] == "unavailable"
            response = await client.post(
                "/v3/auth/email", json={"study": "study-a", "email": "dave@example.org"}
            )
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            assert response.json() == {
                "statusCode": 503,
                "message": "The service is temporarily unavailable; please retry shortly.",
                "type": "ServiceUnavailableException",
            }
            assert response.headers["retry-after"] == "5"
            assert elapsed < 5, f"took {elapsed:.1f} s to give up"


async def test_without_redis_the_metrics_listener_is_not_ready(settings: Settings) -> None:
    """A worker has only this listener: its readiness must see Redis go as the API's does."""
    nowhere = settings.replace(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_seconds=0.5
    )
    app = create_app(nowhere, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=metrics_app(app.state.services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/health")).status_code == 200
            ready = await client.get("/ready")
            assert ready.status_code == 503
            assert ready.json()["status"] == "unavailable"
