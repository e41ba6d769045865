"""The whole app flow, driven by a client generated from Bridge's own REST definition.

Nobody on this project wrote the client (``tests/support/bridge_client.py``): it parses our
answers exactly as Bridge's generated SDKs do, against a real ``magiclink serve`` process with
a real Redis and a real SMTP server. Any error of the client deserialising an answer is a bug
of the service, never something to work around here.

The participant signs up with a password first, in a study that does not make addresses
verified before a password works (``emailVerificationEnabled`` false: the "first install" flow
of an app), so that the same account can later sign in with its password on ``/v4``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.bridge_client import api_client, bridge_client
from tests.support.mail import CaughtEmail, Mailbox, SmtpServer
from tests.support.redis_server import RedisServer
from tests.support.service_process import ServiceProcess, running

REDIS_DATABASE = 14  # a database of the session's redis-server that no other test uses
STUDY = "bridge-client"
EMAIL = "fran@example.org"
ACCOUNT_NOT_FOUND = {
    "statusCode": 404,
    "entityClass": "Account",
    "message": "Account not found.",
    "type": "EntityNotFoundException",
}


@pytest.fixture
def service(
    tmp_path: Path, redis_server: RedisServer, smtp_server: SmtpServer
) -> Iterator[ServiceProcess]:
    bridge_client()  # generate (or find) the client before the service runs, not mid-flow
    smtp_server.mailbox.clear()
    env = {
        "MAGICLINK_REDIS_URL": redis_server.clean_database(REDIS_DATABASE),
        "MAGICLINK_SMTP_URL": smtp_server.url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
    }
    with running(ServiceProcess(env, tmp_path)) as process:
        created = httpx.post(
            f"{process.url}/v3/studies",
            json={
                "identifier": STUDY,
                "name": "Bridge client",
                "emailSignInEnabled": True,
                "emailSignInRequestIntervalSeconds": 0,
                "reauthenticationEnabled": True,
                "emailVerificationEnabled": False,
            },
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert created.status_code == 201, created.text
        yield process
    # pytest shows this only for a failed test: the service's side of it (a 500's traceback).
    print(process.log[-8000:])


def _next_email(mailbox: Mailbox, address: str, seen: int) -> CaughtEmail:
    """The email after the ``seen`` ones to ``address``, once it has arrived."""
    deadline = time.monotonic() + 10
    while len(received := mailbox.to(address)) <= seen:
        assert time.monotonic() < deadline, f"no new email to {address} within 10 s"
        time.sleep(0.02)
    return received[seen]


def _assert_status_message(bridge: ModuleType, data: Any) -> None:
    """A StatusMessage; its words are free text (Bridge's own vary by endpoint and release)."""
    assert isinstance(data, bridge.models.Message)
    assert data.type == "StatusMessage"
    assert data.message


def _as_live(client: Any, session_token: str) -> None:
    """Send the session in the Bridge-Session header (the definition's ``BridgeSecurity``), as
    an app does once it is signed in."""
    client.configuration.api_key["BridgeSecurity"] = session_token


def test_an_app_generated_from_bridges_definition_signs_in_consents_and_signs_out(
    service: ServiceProcess, smtp_server: SmtpServer
) -> None:
    bridge = bridge_client()
    models = bridge.models
    client = api_client(service.url)
    auth = bridge.AuthenticationApi(client)
    password = secrets.token_urlsafe(18)

    # 0. First install: the app signs the participant up with a password.
    signed_up = auth.sign_up_with_http_info(
        models.SignUp(app_id=STUDY, email=EMAIL, password=password)
    )
    assert signed_up.status_code == 201
    _assert_status_message(bridge, signed_up.data)

    # 1. The app asks for a sign-in email; the link in it carries the token.
    seen = len(smtp_server.mailbox.to(EMAIL))
    asked = auth.request_email_sign_in_with_http_info(
        models.EmailSignInRequest(app_id=STUDY, email=EMAIL)
    )
    assert asked.status_code == 202
    _assert_status_message(bridge, asked.data)
    token = _next_email(smtp_server.mailbox, EMAIL, seen).token

    # 2. The token signs the participant in, who has not consented: Bridge answers 412 with
    # the live session, which the generated client raises with the body it deserialised.
    with pytest.raises(bridge.ApiException) as not_consented:
        auth.sign_in_via_email_with_http_info(
            models.EmailSignIn(app_id=STUDY, email=EMAIL, token=token)
        )
    assert not_consented.value.status == 412
    first = models.UserSessionInfo.from_json(not_consented.value.body)
    assert not_consented.value.data == first  # the client parsed it the same way
    assert first.authenticated is True
    assert first.consented is False
    assert first.email == EMAIL
    assert first.session_token
    assert first.reauth_token
    session_token, reauth_token = first.session_token, first.reauth_token

    # 3. What is missing: the consent of the default subpopulation, whose guid is the study's.
    assert first.consent_statuses is not None
    assert list(first.consent_statuses) == [STUDY]
    status = first.consent_statuses[STUDY]
    assert isinstance(status, models.ConsentStatus)
    assert status.subpopulation_guid == STUDY
    assert status.required is True
    assert status.consented is False

    # 4. The app signs the consent through the subpopulation's path and gets the refreshed
    # session: the same session, now consented and sharing.
    _as_live(client, session_token)
    consented = bridge.ConsentsApi(client).create_consent_signature_with_http_info(
        STUDY,
        models.ConsentSignature(
            name="Fran Example", scope=models.SharingScope.SPONSORS_AND_PARTNERS
        ),
    )
    assert consented.status_code == 201
    refreshed = consented.data
    assert isinstance(refreshed, models.UserSessionInfo)
    assert refreshed.session_token == session_token
    assert refreshed.consented is True
    assert refreshed.consent_statuses is not None
    assert refreshed.consent_statuses[STUDY].consented is True
    assert refreshed.sharing_scope == models.SharingScope.SPONSORS_AND_PARTNERS
    assert refreshed.data_sharing is True

    # 5. The consented participant reads their own record.
    me = bridge.ParticipantsApi(client).get_users_participant_record_with_http_info()
    assert me.status_code == 200
    assert isinstance(me.data, models.StudyParticipant)
    assert me.data.email == EMAIL
    assert me.data.id == first.id

    # 6. Reauthentication, twice with the same reauth token: an app that lost the answer to
    # the first retries, and a reauth token stays valid through 3 rotations. The live session
    # is the one both answers hand back.
    for attempt in (1, 2):
        reauthenticated = auth.reauthenticate_with_http_info(
            models.SignIn(app_id=STUDY, email=EMAIL, reauth_token=reauth_token)
        )
        assert reauthenticated.status_code == 200, f"reauthentication {attempt}"
        again = reauthenticated.data
        assert isinstance(again, models.UserSessionInfo)
        assert again.session_token == session_token, f"reauthentication {attempt}"
        assert again.consented is True
        assert again.reauth_token, f"reauthentication {attempt}"
        assert again.reauth_token != reauth_token, f"reauthentication {attempt}: not rotated"
    newest_reauth_token = again.reauth_token

    # 7. The password from sign-up signs in on v4 (no verified address needed in this study).
    signed_in = auth.sign_in_v4_with_http_info(
        models.SignIn(app_id=STUDY, email=EMAIL, password=password)
    )
    assert signed_in.status_code == 200
    by_password = signed_in.data
    assert isinstance(by_password, models.UserSessionInfo)
    assert by_password.authenticated is True
    assert by_password.consented is True
    assert by_password.email == EMAIL
    assert by_password.session_token

    # 8. Sign out on v4 with the session header, and on Bridge's deprecated v3 path (absent
    # from the definition, so not in the client, but still called by Bridge's iOS SDK).
    _as_live(client, by_password.session_token)
    signed_out = auth.sign_out_with_http_info()
    assert signed_out.status_code == 200
    _assert_status_message(bridge, signed_out.data)
    v3 = httpx.post(f"{service.url}/v3/auth/signOut", headers={"Bridge-Session": session_token})
    assert v3.status_code == 200, v3.text
    _assert_status_message(bridge, bridge.models.Message.from_json(v3.text))
    for ended in (by_password.session_token, session_token):
        _as_live(client, ended)
        with pytest.raises(bridge.ApiException) as unauthenticated:
            bridge.ParticipantsApi(client).get_users_participant_record()
        assert unauthenticated.value.status == 401

    # 9. Signing out ended reauthentication too: the old reauth token is refused, in Bridge's
    # words, and so is the newest one.
    for refused in (reauth_token, newest_reauth_token):
        with pytest.raises(bridge.ApiException) as not_found:
            auth.reauthenticate(models.SignIn(app_id=STUDY, email=EMAIL, reauth_token=refused))
        assert not_found.value.status == 404
        assert json.loads(not_found.value.body) == ACCOUNT_NOT_FOUND
        assert isinstance(not_found.value.data, models.Message)
        assert not_found.value.data.message == "Account not found."


BRIDGE_TEMPLATE = {
    "subject": "Sign in to ${appShortName}",
    "body": (
        "Hello from ${appName} (${appId}). Tap ${url} to sign in, or type ${code}. "
        "Questions: ${technicalEmail}. "
        "Or https://myapp.example.org/mobile/verify.html?email=${email}&token=${token}"
    ),
    "mimeType": "text/plain",
}
VERIFIED_STUDY = "bridge-verified"


def _admin(service: ServiceProcess, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{service.url}{path}", json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_what_else_a_bridge_app_meets(service: ServiceProcess, smtp_server: SmtpServer) -> None:
    """The rest of what a Bridge app runs into, through the same generated client: Bridge's
    202 words, a template written for Bridge, a token pasted with spaces and dashes, the
    device's languages, a disabled participant's link, an unverified password, withdrawal."""
    bridge = bridge_client()
    models = bridge.models
    _admin(
        service,
        "/v3/studies",
        {
            "identifier": VERIFIED_STUDY,
            "name": "Verified Study",
            "shortName": "Verified",
            "supportEmail": "help@example.org",
            "emailSignInEnabled": True,
            "emailSignInRequestIntervalSeconds": 0,
            "emailSignInTemplate": BRIDGE_TEMPLATE,
        },
    )
    address = "a+tag@example.org"
    _admin(service, f"/v3/studies/{VERIFIED_STUDY}/participants", {"email": address})
    client = api_client(service.url)
    client.default_headers["Accept-Language"] = "de-DE,de;q=0.9,en;q=0.5"
    auth = bridge.AuthenticationApi(client)

    # Bridge's 202 words, which promise nothing about the address.
    seen = len(smtp_server.mailbox.to(address))
    asked = auth.request_email_sign_in_with_http_info(
        models.EmailSignInRequest(app_id=VERIFIED_STUDY, email=address)
    )
    assert asked.status_code == 202
    assert asked.data.message == (
        "If registered with the study, we'll send an email to that address so you can sign in."
    )

    # A template written for Bridge: its variables, ${url} in Bridge's form, and a link the
    # template builds itself with ${email}, which must survive the + of the address.
    email = _next_email(smtp_server.mailbox, address, seen)
    assert email.message["Subject"] == "Sign in to Verified"
    assert "Hello from Verified Study (bridge-verified)." in email.text
    assert "Questions: help@example.org." in email.text
    url = httpx.URL(next(w for w in email.text.split() if "/startSession.html?" in w))
    assert url.path == f"/mobile/{VERIFIED_STUDY}/startSession.html"
    assert url.params["email"] == address
    assert url.params["appId"] == VERIFIED_STUDY
    own = httpx.URL(next(w for w in email.text.split() if w.startswith("https://myapp.")))
    assert own.params["email"] == address
    token = own.params["token"]
    assert url.params["token"] == token
    # It opens the landing page (the service is the link's host here).
    assert str(url).startswith(service.url)
    assert httpx.get(str(url)).status_code == 200

    # The token as a person pastes it, broken over lines and grouped with dashes (Bridge
    # strips [-\s]); the device's languages are kept on the participant.
    typed = f"{token[:16]}-{token[16:32]}\n {token[32:]}"
    with pytest.raises(bridge.ApiException) as not_consented:
        auth.sign_in_via_email(
            models.EmailSignIn(app_id=VERIFIED_STUDY, email=address, token=typed)
        )
    assert not_consented.value.status == 412
    session = models.UserSessionInfo.from_json(not_consented.value.body)
    assert session.languages == ["de", "en"]
    assert session.environment == models.Environment.PRODUCTION
    assert json.loads(not_consented.value.body)["username"] == address

    # Consent, then withdraw through the subpopulation path: not consented, nothing shared.
    client.configuration.api_key["BridgeSecurity"] = session.session_token
    consents = bridge.ConsentsApi(client)
    consents.create_consent_signature(
        VERIFIED_STUDY,
        models.ConsentSignature(name="A Tag", scope=models.SharingScope.ALL_QUALIFIED_RESEARCHERS),
    )
    withdrawn = consents.withdraw_consent_from_subpopulation_with_http_info(
        VERIFIED_STUDY, models.Withdrawal(reason="Moving abroad.")
    )
    assert withdrawn.status_code == 200
    assert withdrawn.data.consented is False
    assert withdrawn.data.sharing_scope == models.SharingScope.NO_SHARING
    assert withdrawn.data.consent_statuses[VERIFIED_STUDY].consented is False

    # Where the study verifies addresses, the right password of an address nobody proved
    # answers 403, a wrong one 404.
    newcomer = "newcomer@example.org"
    password = secrets.token_urlsafe(18)
    auth.sign_up(models.SignUp(app_id=VERIFIED_STUDY, email=newcomer, password=password))
    with pytest.raises(bridge.ApiException) as unverified:
        auth.sign_in_v4(models.SignIn(app_id=VERIFIED_STUDY, email=newcomer, password=password))
    assert unverified.value.status == 403
    assert unverified.value.data.message == "Email or phone number have not been verified"
    with pytest.raises(bridge.ApiException) as wrong:
        auth.sign_in_v4(models.SignIn(app_id=VERIFIED_STUDY, email=newcomer, password="x" * 20))
    assert wrong.value.status == 404

    # A disabled participant gets the email, and the link says why they cannot sign in.
    disabled = "off@example.org"
    _admin(
        service,
        f"/v3/studies/{VERIFIED_STUDY}/participants",
        {"email": disabled, "status": "disabled"},
    )
    seen = len(smtp_server.mailbox.to(disabled))
    auth.request_email_sign_in(models.EmailSignInRequest(app_id=VERIFIED_STUDY, email=disabled))
    token = _next_email(smtp_server.mailbox, disabled, seen).token
    with pytest.raises(bridge.ApiException) as locked:
        auth.sign_in_via_email(
            models.EmailSignIn(app_id=VERIFIED_STUDY, email=disabled, token=token)
        )
    assert locked.value.status == 423
    assert locked.value.data.message == "Account disabled, please contact user support."
