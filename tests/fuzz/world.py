"""The study, participant and session that fuzzed requests name, kept alive between cases.

Two processes share it: the runner (``tests/fuzz/run.py``) seeds it before schemathesis starts,
and the hooks (``tests/fuzz/hooks.py``, inside the schemathesis CLI process) put it back
whenever a case changed it, and swap placeholders in generated cases for live values. They
share the ``FUZZ_*`` variables below and a spool directory where the runner's SMTP sink drops
every email to the participant (one ``.eml`` file each, in order).
"""

from __future__ import annotations

import email
import email.policy
import os
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import schemathesis

from tests.support.mail import CaughtEmail

STUDY = "fuzz-study"
EMAIL = "fuzz-participant@example.org"
PASSWORD = "fuzz-password-0123"
SESSION_HEADER = "Bridge-Session"
# Generated cases carry these (schemathesis dictionaries); each is swapped for a live value
# just before the case is sent.
PARTICIPANT_PLACEHOLDER = "live-participant"
TOKEN_PLACEHOLDER = "live-sign-in-token"
REAUTH_PLACEHOLDER = "live-reauth-token"
SIGNED_IN = (200, 412)  # 412: signed in, consent still to give
SIGN_INS = ("/v3/auth/email/signIn", "/v3/auth/signIn", "/v4/auth/signIn")

# What the runner hands the hooks.
ENV_URL = "FUZZ_SERVICE_URL"
ENV_ADMIN_KEY = "FUZZ_ADMIN_KEY"
ENV_SESSION = "FUZZ_SESSION"  # the seeded session; schemathesis.toml sends it as Bridge-Session
ENV_PARTICIPANT = "FUZZ_PARTICIPANT_ID"
ENV_SPOOL = "FUZZ_MAIL_SPOOL"

STUDY_SETTINGS: dict[str, Any] = {
    "name": "Fuzz Study",
    "emailSignInEnabled": True,
    "emailSignInRequestIntervalSeconds": 0,
    "reauthenticationEnabled": True,
    # An iOS app, so that its AppConfig specfile (named by the bundle id) can be built.
    "appleAppLinks": [{"appID": "ABCDE12345.org.example.fuzz", "paths": ["/s/fuzz-study/*"]}],
}


class SeedingError(Exception):
    """The service did not answer a set-up request as it should (its log says why)."""


def expect(answer: httpx.Response, *statuses: int) -> httpx.Response:
    if answer.status_code not in statuses:
        request = answer.request
        raise SeedingError(
            f"{request.method} {request.url.path} answered {answer.status_code}, not "
            f"{' or '.join(map(str, statuses))}: {answer.text[:500]}"
        )
    return answer


def read_spooled(path: Path) -> CaughtEmail:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return CaughtEmail(str(message["From"]), [EMAIL], message)


@dataclass
class World:
    """The seeded study, participant and session, as this process last saw them."""

    client: httpx.Client
    admin_key: str
    spool: Path
    participant_id: str = ""
    seeded_session: str = ""  # the value schemathesis sends; swapped for `session` when it died
    session: str = ""
    dirty: bool = True
    password_changed: bool = True
    # The path a case just deleted (the study, the participant), for the next case only.
    deleted: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_environment(cls) -> World:
        session = os.environ[ENV_SESSION]
        return cls(
            client=httpx.Client(base_url=os.environ[ENV_URL], timeout=10),
            admin_key=os.environ[ENV_ADMIN_KEY],
            spool=Path(os.environ[ENV_SPOOL]),
            participant_id=os.environ[ENV_PARTICIPANT],
            seeded_session=session,
            session=session,
            dirty=False,
            password_changed=False,
        )

    def environment(self) -> dict[str, str]:
        """What :meth:`from_environment` reads, for the schemathesis process."""
        return {
            ENV_URL: str(self.client.base_url).rstrip("/"),
            ENV_ADMIN_KEY: self.admin_key,
            ENV_SESSION: self.session,
            ENV_PARTICIPANT: self.participant_id,
            ENV_SPOOL: str(self.spool),
        }

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {self.admin_key}"}
        )

    def restore(self) -> None:
        """Put back the study (email sign-in on), the participant and a live session."""
        current = self._admin("GET", f"/v3/studies/{STUDY}")
        version = current.json()["version"] if current.status_code == 200 else 1
        updated = self._admin("PUT", f"/v3/studies/{STUDY}", {**STUDY_SETTINGS, "version": version})
        if updated.status_code == 404:
            expect(self._admin("POST", "/v3/studies", {"identifier": STUDY, **STUDY_SETTINGS}), 201)
            self.participant_id = ""
        else:
            expect(updated, 200)
        participant: dict[str, Any] = {
            "email": EMAIL,
            "status": "enabled",
            "emailVerified": True,
            "consented": True,  # a case may have withdrawn the consent
        }
        if self.password_changed:
            participant["password"] = PASSWORD
        participants = f"/v3/studies/{STUDY}/participants"
        answer = None
        if self.participant_id:
            answer = self._admin("PUT", f"{participants}/{self.participant_id}", participant)
        if answer is None or answer.status_code == 404:
            answer = self._admin("POST", participants, {**participant, "password": PASSWORD})
            if answer.status_code == 409:  # a case gave the address to another participant
                expect(self._admin("DELETE", f"/v3/studies/{STUDY}"), 200)
                self.restore()
                return
            self.participant_id = expect(answer, 201).json()["id"]
        expect(answer, 200, 201)
        me = self.client.get("/v3/participants/self", headers={SESSION_HEADER: self.session})
        if me.status_code != 200:
            self.session = self.signed_in_by_email()["sessionToken"]
        self.dirty = self.password_changed = False

    def _spooled(self) -> list[Path]:
        return sorted(self.spool.glob("*.eml"))

    def emailed_token(self) -> str:
        """Ask for a sign-in link and read its token from the email the sink caught."""
        before = len(self._spooled())
        expect(self.client.post("/v3/auth/email", json={"study": STUDY, "email": EMAIL}), 202)
        deadline = time.monotonic() + 10
        while len(spooled := self._spooled()) <= before:
            if time.monotonic() > deadline:
                raise SeedingError(f"no sign-in email to {EMAIL} within 10 s")
            time.sleep(0.01)
        return read_spooled(spooled[-1]).token

    def signed_in_by_email(self) -> dict[str, Any]:
        token = self.emailed_token()
        answer = self.client.post(
            "/v3/auth/email/signIn", json={"study": STUDY, "email": EMAIL, "token": token}
        )
        session: dict[str, Any] = expect(answer, *SIGNED_IN).json()
        return session

    def _reauth_token(self) -> str:
        answer = self.client.post(
            "/v3/auth/signIn", json={"study": STUDY, "email": EMAIL, "password": PASSWORD}
        )
        token: str = expect(answer, *SIGNED_IN).json()["reauthToken"]
        return token

    def prepare(self, case: schemathesis.Case[Any]) -> None:
        """Just before a case is sent: the world as cases expect it, live values in the case."""
        with self.lock:
            # After a deletion, reads see it gone: the stateful phase checks that, sometimes
            # after reads of other things. The first case that writes gets the world back.
            if self.deleted is None or case.method.upper() not in ("GET", "HEAD"):
                self.deleted = None
                if self.dirty:
                    self.restore()
            if case.headers.get(SESSION_HEADER) == self.seeded_session:
                case.headers[SESSION_HEADER] = self.session
            if case.path_parameters.get("participant_id") == PARTICIPANT_PLACEHOLDER:
                case.path_parameters["participant_id"] = self.participant_id
            if isinstance(case.body, dict):
                if case.body.get("token") == TOKEN_PLACEHOLDER:
                    case.body["token"] = self.emailed_token()
                if case.body.get("reauthToken") == REAUTH_PLACEHOLDER:
                    case.body["reauthToken"] = self._reauth_token()

    def after(self, case: schemathesis.Case[Any], response: schemathesis.Response) -> None:
        """Note whether the case may have changed what the next cases rely on."""
        path = case.formatted_path
        changed = case.method.upper() not in ("GET", "HEAD") and (
            (response.status_code < 300 and path.startswith(f"/v3/studies/{STUDY}"))
            or (response.status_code == 200 and path.endswith("/auth/signOut"))
            # One session per participant: any sign-in but a reauthentication ends the seeded
            # one; a consent or withdrawal changes what sign-ins answer (200 or 412).
            or (response.status_code in SIGNED_IN and path in SIGN_INS)
            or (response.status_code < 300 and "/consents/signature" in path)
        )
        if changed:
            with self.lock:
                self.dirty = True
                if case.method.upper() == "DELETE":
                    self.deleted = path
                if isinstance(case.body, dict) and "password" in case.body:
                    self.password_changed = True
