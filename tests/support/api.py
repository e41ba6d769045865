"""Talking to the service the way an app and a researcher do, over its HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from service.api.application import create_app
from service.api.metrics_listener import metrics_app
from service.app import Services
from service.settings import Settings
from service.store import keys
from service.store.connection import RedisClient
from tests.support.contract import assert_session_info
from tests.support.mail import Mailbox

# The store backends of the sign-in and delivery flows (see the `redis` fixture).
BACKENDS_WITH_CLUSTER = ["redis", "embedded", "cluster"]

ADMIN_KEY = "test-admin-key-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef"


@dataclass
class Api:
    client: httpx.AsyncClient
    mailbox: Mailbox
    app_services: Services | None = None  # the app's, when it runs in this process

    @property
    def services(self) -> Services:
        assert self.app_services is not None, "this Api talks to a service in another process"
        return self.app_services

    async def scrape_metrics(self) -> httpx.Response:
        """``GET /metrics`` from the metrics listener's app (the API itself serves none)."""
        transport = httpx.ASGITransport(app=metrics_app(self.services))
        async with httpx.AsyncClient(transport=transport, base_url="http://metrics") as client:
            return await client.get("/metrics")

    async def counted(self, sample: str, within: float = 5.0) -> float:
        """The value of one metric sample (``name{labels}``) once it is there: an email reaches
        the SMTP server a moment before the worker hears back and counts it sent."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for line in (await self.scrape_metrics()).text.splitlines():
                if line.startswith(sample + " "):
                    return float(line.rpartition(" ")[2])
            assert asyncio.get_running_loop().time() < deadline, f"no {sample} within {within} s"
            await asyncio.sleep(0.02)

    async def outbox_drained(self, within: float = 5.0) -> None:
        """Wait until the worker has settled every accepted email (sent, dropped or dead),
        retries and paced ones included."""
        redis = self.services.redis
        deadline = asyncio.get_running_loop().time() + within
        while await redis.xlen(keys.OUTBOX) or await redis.zcard(keys.OUTBOX_DELAYED):
            assert asyncio.get_running_loop().time() < deadline, "the outbox still holds emails"
            await asyncio.sleep(0.02)

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_KEY}"}

    async def create_study(self, identifier: str = "study-a", **fields: Any) -> dict[str, Any]:
        body = {
            "identifier": identifier,
            "name": f"Study {identifier}",
            "emailSignInEnabled": True,
            "emailSignInRequestIntervalSeconds": 0,
            **fields,
        }
        response = await self.client.post("/v3/studies", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def create_participant(self, study: str, email: str, **fields: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"/v3/studies/{study}/participants",
            json={"email": email, **fields},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def request_link(self, study: str, email: str) -> httpx.Response:
        return await self.client.post("/v3/auth/email", json={"study": study, "email": email})

    async def emailed_token(self, study: str, email: str) -> str:
        """Ask for a link and return the token from the email that arrives."""
        before = len(self.mailbox.to(email.strip()))
        response = await self.request_link(study, email)
        assert response.status_code == 202, response.text
        caught = await self.mailbox.wait_for(email.strip(), count=before + 1)
        return caught.token

    async def sign_in_with_token(
        self, study: str, email: str, token: str, **extra: Any
    ) -> httpx.Response:
        return await self.client.post(
            "/v3/auth/email/signIn",
            json={"study": study, "email": email, "token": token, **extra},
        )

    async def signed_in(self, study: str, email: str) -> dict[str, Any]:
        """A live session for the participant, by the email link."""
        token = await self.emailed_token(study, email)
        response = await self.sign_in_with_token(study, email, token)
        assert response.status_code in (200, 412), response.text
        session: dict[str, Any] = response.json()
        assert_session_info(session, reauth=None)
        return session


@asynccontextmanager
async def serving(
    settings: Settings, redis: RedisClient, mailbox: Mailbox, *, run_worker: bool = True
) -> AsyncIterator[Api]:
    """The app in this process, through its lifespan; ``run_worker=False`` for a test that
    delivers itself (or watches the request path's commands alone)."""
    app = create_app(settings, redis=redis, run_worker=run_worker)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, mailbox, app.state.services)
