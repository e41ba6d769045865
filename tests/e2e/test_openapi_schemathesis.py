"""schemathesis against a live `magiclink serve`: every answer is one the OpenAPI document gives.

The service runs as a real process on the session's Redis (database 3) and SMTP server. A
study, a participant and a live session exist before the first case. The generated requests
name them often enough (schemathesis dictionaries, bound to path and body fields) to get past
"unknown study" into the flows; placeholders for secrets (session, participant id, emailed
sign-in token, reauth token) are swapped for live values just before each case is sent, and a
case that deletes or changes what later cases rely on is followed by putting it back.

Checks: no 5xx; every status code, content type, documented header and body as the document
says. The run is bounded (fixed seed, a fixed number of examples per operation, no shrinking,
no example database) so that it stays a CI test.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.api.document import ADMIN_SCHEME, SESSION_SCHEME, openapi_document
from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.mail import Mailbox, SmtpServer
from tests.support.redis_server import RedisServer
from tests.support.service_process import serving

REDIS_DATABASE = 3
# A deeper local run: FUZZ_EXAMPLES=500 FUZZ_SEED=7 pytest tests/e2e/test_openapi_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("FUZZ_SEED", "20240611"))

STUDY = "fuzz-study"
EMAIL = "fuzz-participant@example.org"
PASSWORD = "fuzz-password-0123"
SESSION_HEADER = "Bridge-Session"
# Generated cases carry these; each is swapped for a live value just before the case is sent.
SESSION_PLACEHOLDER = "live-session"
PARTICIPANT_PLACEHOLDER = "live-participant"
TOKEN_PLACEHOLDER = "live-sign-in-token"
REAUTH_PLACEHOLDER = "live-reauth-token"
SIGNED_IN = (200, 412)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "no-shrink": True,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
            "auth": {
                "openapi": {
                    ADMIN_SCHEME: {"bearer": ADMIN_KEY},
                    SESSION_SCHEME: {"api_key": SESSION_PLACEHOLDER},
                }
            },
            "dictionaries": {
                "studies": {"values": [STUDY]},
                "emails": {"values": [EMAIL]},
                "passwords": {"values": [PASSWORD]},
                "participants": {"values": [PARTICIPANT_PLACEHOLDER]},
                "sign-in-tokens": {"values": [TOKEN_PLACEHOLDER]},
                "reauth-tokens": {"values": [REAUTH_PLACEHOLDER]},
            },
            "parameters": {
                "path.study_id": {"dictionary": "studies", "probability": 0.8},
                "path.participant_id": {"dictionary": "participants", "probability": 0.8},
                "body.study": {"dictionary": "studies", "probability": 0.8},
                "body.appId": {"dictionary": "studies", "probability": 0.8},
                "body.email": {"dictionary": "emails", "probability": 0.6},
                "body.password": {"dictionary": "passwords", "probability": 0.5},
                "body.token": {"dictionary": "sign-in-tokens", "probability": 0.6},
                "body.reauthToken": {"dictionary": "reauth-tokens", "probability": 0.6},
            },
        }
    )


# The document is the one the service serves (test_the_served_document_is_the_tested_one);
# loading it at collection lets schemathesis make one test per operation. (Loading it from the
# live URL would need schemathesis.pytest.from_fixture, which fails on pytest 9: it sets
# request.node._nodeid, which pytest 9 no longer has.)
schema = schemathesis.openapi.from_dict(openapi_document(), config=_config())


@dataclass
class World:
    """The study, participant and session the generated cases name, kept alive between cases."""

    client: httpx.Client
    mailbox: Mailbox
    participant_id: str = ""
    session: str = ""
    dirty: bool = True
    password_changed: bool = True

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )

    def restore(self) -> None:
        """Put back the study, the participant and a live session, as the cases expect them."""
        study = {
            "name": "Fuzz Study",
            "emailSignInEnabled": True,
            "emailSignInRequestIntervalSeconds": 0,
            "reauthenticationEnabled": True,
        }
        current = self._admin("GET", f"/v3/studies/{STUDY}")
        version = current.json()["version"] if current.status_code == 200 else 1
        if (
            self._admin("PUT", f"/v3/studies/{STUDY}", {**study, "version": version}).status_code
            == 404
        ):
            created = self._admin("POST", "/v3/studies", {"identifier": STUDY, **study})
            assert created.status_code == 201, created.text
            self.participant_id = ""
        participant: dict[str, Any] = {"email": EMAIL, "status": "enabled", "emailVerified": True}
        if self.password_changed:
            participant["password"] = PASSWORD
        participants = f"/v3/studies/{STUDY}/participants"
        answer = None
        if self.participant_id:
            answer = self._admin("PUT", f"{participants}/{self.participant_id}", participant)
        if answer is None or answer.status_code == 404:
            answer = self._admin("POST", participants, {**participant, "password": PASSWORD})
            if answer.status_code == 409:  # a case gave the address to another participant
                assert self._admin("DELETE", f"/v3/studies/{STUDY}").status_code == 200
                self.restore()
                return
            self.participant_id = answer.json()["id"]
        assert answer.status_code in (200, 201), answer.text
        me = self.client.get("/v3/participants/self", headers={SESSION_HEADER: self.session})
        if me.status_code != 200:
            self.session = self._sign_in()["sessionToken"]
        self.dirty = self.password_changed = False

    def _sign_in(self) -> dict[str, Any]:
        answer = self.client.post(
            "/v3/auth/signIn", json={"study": STUDY, "email": EMAIL, "password": PASSWORD}
        )
        assert answer.status_code in SIGNED_IN, answer.text
        session: dict[str, Any] = answer.json()
        return session

    def _emailed_token(self) -> str:
        before = len(self.mailbox.to(EMAIL))
        asked = self.client.post("/v3/auth/email", json={"study": STUDY, "email": EMAIL})
        assert asked.status_code == 202, asked.text
        deadline = time.monotonic() + 10
        while len(self.mailbox.to(EMAIL)) <= before:
            assert time.monotonic() < deadline, "no sign-in email within 10 s"
            time.sleep(0.01)
        return self.mailbox.to(EMAIL)[-1].token

    def prepare(self, case: schemathesis.Case[Any]) -> None:
        if self.dirty:
            self.restore()
        if case.headers.get(SESSION_HEADER) == SESSION_PLACEHOLDER:
            case.headers[SESSION_HEADER] = self.session
        if case.path_parameters.get("participant_id") == PARTICIPANT_PLACEHOLDER:
            case.path_parameters["participant_id"] = self.participant_id
        if isinstance(case.body, dict):
            if case.body.get("token") == TOKEN_PLACEHOLDER:
                case.body["token"] = self._emailed_token()
            if case.body.get("reauthToken") == REAUTH_PLACEHOLDER:
                case.body["reauthToken"] = self._sign_in()["reauthToken"]

    def after(self, case: schemathesis.Case[Any], response: schemathesis.Response) -> None:
        """Note whether the case may have changed what the next cases rely on."""
        path = case.formatted_path
        changed = case.method not in ("GET", "HEAD") and (
            (response.status_code < 300 and path.startswith(f"/v3/studies/{STUDY}"))
            or (response.status_code == 200 and path == "/v4/auth/signOut")
            or (response.status_code in SIGNED_IN and path == "/v3/auth/email/signIn")
        )
        if changed:
            self.dirty = True
            if isinstance(case.body, dict) and "password" in case.body:
                self.password_changed = True


@pytest.fixture(scope="module")
def live_service(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer, smtp_server: SmtpServer
) -> Iterator[tuple[str, Path]]:
    redis_url = redis_server.clean_database(REDIS_DATABASE)
    env = {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_SMTP_URL": smtp_server.url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        # All requests come from one address: without budgets they reach the flows.
        "MAGICLINK_RATE_LIMIT_PER_IP": "off",
        "MAGICLINK_RATE_LIMIT_PER_STUDY": "off",
        "MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP": "off",
        "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP": "off",
        "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS": "off",
        "MAGICLINK_SIGN_IN_EMAILS_PER_DAY": "0",  # one participant gets every email asked for
    }
    with serving(env, tmp_path_factory.mktemp("schemathesis")) as (url, log_path):
        yield url, log_path


@pytest.fixture(scope="module")
def world(live_service: tuple[str, Path], smtp_server: SmtpServer) -> Iterator[World]:
    url, _ = live_service
    with httpx.Client(base_url=url, timeout=10) as client:
        state = World(client, smtp_server.mailbox)
        state.restore()
        yield state


def test_the_served_document_is_the_tested_one(live_service: tuple[str, Path]) -> None:
    url, _ = live_service
    served = httpx.get(f"{url}/openapi.json")
    assert served.status_code == 200
    assert served.json() == openapi_document(url)


@schema.parametrize()
def test_every_answer_is_documented(
    case: schemathesis.Case[Any], world: World, live_service: tuple[str, Path]
) -> None:
    url, log_path = live_service
    world.prepare(case)
    try:
        response = case.call_and_validate(base_url=url, checks=CHECKS, timeout=10)
    except BaseException:  # a check failure, or a group of them
        # A 500's traceback is in the serve log; the failure report names the request.
        print(f"--- end of {log_path} ---\n{log_path.read_text()[-6000:]}")
        raise
    world.after(case, response)
