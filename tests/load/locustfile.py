"""Locust load test of the whole sign-in flow, against a service that mails `magiclink mailsink`.

Environment: MAGICLINK_URL (service, http://127.0.0.1:8000), MAILSINK_URL (the sink's HTTP API,
http://127.0.0.1:8025), MAGICLINK_STUDY (loadtest), MAGICLINK_ADMIN_KEY (bearer key, to create
participants), MAGICLINK_LOADTEST_DOMAIN (example.org). `make loadtest` sets them all.
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

import requests
from locust import HttpUser, SequentialTaskSet, between, constant, task
from locust.clients import HttpSession

SERVICE_URL = os.environ.get("MAGICLINK_URL", "http://127.0.0.1:8000")
SINK_URL = os.environ.get("MAILSINK_URL", "http://127.0.0.1:8025").rstrip("/")
STUDY = os.environ.get("MAGICLINK_STUDY", "loadtest")
HERD_STUDY = f"{STUDY}-herd"
DOMAIN = os.environ.get("MAGICLINK_LOADTEST_DOMAIN", "example.org")
EMAIL_WITHIN_SECONDS = 15.0

_user_numbers = itertools.count(1)


def _admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ.get('MAGICLINK_ADMIN_KEY', '')}"}


def _create_or_reuse(client: HttpSession, path: str, body: dict[str, Any], name: str) -> None:
    """POST an admin create; 201 (created) and 409 (exists already) both do."""
    with client.post(
        path, json=body, headers=_admin_headers(), name=name, catch_response=True
    ) as response:
        if response.status_code in (201, 409):
            response.success()
        else:
            response.failure(f"{response.status_code}: {response.text[:200]}")


class SignInFlow(SequentialTaskSet):
    """Request a link, fetch the token from the sink, sign in, use the session, sign out."""

    address = ""
    token = ""
    session = ""

    def on_start(self) -> None:
        self.address = f"load-{next(_user_numbers)}@{DOMAIN}"
        _create_or_reuse(
            self.client,
            f"/v3/studies/{STUDY}/participants",
            {"email": self.address, "consented": True},
            "/v3/studies/[study]/participants",
        )
        self.sink = requests.Session()

    def _emails_so_far(self) -> int:
        response = self.sink.get(f"{SINK_URL}/messages/{self.address}", timeout=5)
        if response.status_code == 404:
            return 0
        response.raise_for_status()
        count: int = response.json()["count"]
        return count

    def _fire(self, name: str, started: float, error: Exception | None) -> None:
        self.user.environment.events.request.fire(
            request_type="MAIL",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    @task
    def request_link(self) -> None:
        self.token = ""
        before = self._emails_so_far()
        body = {"study": STUDY, "email": self.address}
        with self.client.post("/v3/auth/email", json=body, catch_response=True) as response:
            if response.status_code != 202:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
        started = time.perf_counter()
        while time.perf_counter() - started < EMAIL_WITHIN_SECONDS:
            response = self.sink.get(f"{SINK_URL}/messages/{self.address}", timeout=5)
            if response.status_code == 200 and response.json()["count"] > before:
                self.token = response.json()["token"] or ""
                self._fire("email reaches the sink", started, None)
                return
            time.sleep(0.05)
        self._fire("email reaches the sink", started, TimeoutError("no email in time"))

    @task
    def sign_in(self) -> None:
        self.session = ""
        if not self.token:
            return
        body = {"study": STUDY, "email": self.address, "token": self.token}
        with self.client.post("/v3/auth/email/signIn", json=body, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            self.session = response.json()["sessionToken"]

    @task
    def use_session(self) -> None:
        if self.session:
            self.client.get("/v3/participants/self", headers={"Bridge-Session": self.session})

    @task
    def sign_out(self) -> None:
        if self.session:
            self.client.post("/v4/auth/signOut", headers={"Bridge-Session": self.session})
        self.session = ""


class Participant(HttpUser):
    """A participant signing in by email link, again and again."""

    host = SERVICE_URL
    weight = 4
    wait_time = between(0.05, 0.2)
    tasks = [SignInFlow]  # noqa: RUF012 (Locust's own attribute)


class ThunderingHerd(HttpUser):
    """Many requests for one address: the first is 202, the rest 429 within the interval."""

    host = SERVICE_URL
    weight = 1
    wait_time = constant(0.05)
    address = f"herd@{DOMAIN}"

    def on_start(self) -> None:
        _create_or_reuse(
            self.client,
            "/v3/studies",
            {
                "identifier": HERD_STUDY,
                "name": "Load test (herd)",
                "emailSignInEnabled": True,
                "emailSignInRequestIntervalSeconds": 3600,
            },
            "/v3/studies",
        )
        _create_or_reuse(
            self.client,
            f"/v3/studies/{HERD_STUDY}/participants",
            {"email": self.address, "consented": True},
            "/v3/studies/[study]/participants",
        )

    @task
    def request_link(self) -> None:
        body = {"study": HERD_STUDY, "email": self.address}
        with self.client.post(
            "/v3/auth/email", json=body, name="/v3/auth/email (herd)", catch_response=True
        ) as response:
            if response.status_code in (202, 429):
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
