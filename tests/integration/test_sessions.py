"""Password sign-up and sign-in, reauthentication, sessions, sign-out and consent."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from service.settings import Settings
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.contract import assert_session_info

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

EMAIL = "bob@example.org"
PASSWORD = "a long passphrase"
NOT_FOUND = {
    "statusCode": 404,
    "entityClass": "Account",
    "message": "Account not found.",
    "type": "EntityNotFoundException",
}


def _credentials(password: str = PASSWORD, email: str = EMAIL) -> dict[str, str]:
    return {"study": "study-a", "email": email, "password": password}


async def _password_sign_in(api: Api, **fields: Any) -> Any:
    return await api.client.post("/v3/auth/signIn", json=_credentials(**fields))


async def test_sign_up_then_verify_by_link_then_sign_in_with_the_password(api: Api) -> None:
    await api.create_study("study-a")
    signed_up = await api.client.post("/v3/auth/signUp", json=_credentials())
    assert signed_up.status_code == 201
    assert signed_up.json() == {"message": "Signed up.", "type": "StatusMessage"}

    # Nobody has shown they own the address yet: the password alone does not sign in.
    unverified = await _password_sign_in(api)
    assert unverified.status_code == 404
    assert unverified.json() == NOT_FOUND

    linked = await api.signed_in("study-a", EMAIL)
    assert linked["emailVerified"] is True

    response = await _password_sign_in(api)
    assert response.status_code == 412  # signed up, not yet consented
    assert_session_info(response.json())


async def test_wrong_password_unknown_address_look_alike_and_disabled_is_423(api: Api) -> None:
    await api.create_study("study-a")
    participant = await api.create_participant(
        "study-a", EMAIL, password=PASSWORD, emailVerified=True, consented=True
    )
    assert (await _password_sign_in(api)).status_code == 200
    for response in (
        await _password_sign_in(api, password="not the passphrase"),
        await _password_sign_in(api, email="nobody@example.org"),
    ):
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    await api.client.put(
        f"/v3/studies/study-a/participants/{participant['id']}",
        json={"status": "disabled"},
        headers=api.admin,
    )
    disabled = await _password_sign_in(api)
    assert disabled.status_code == 423
    assert disabled.json()["type"] == "AccountDisabledException"
    # a wrong password for a disabled account reveals nothing about its state
    assert (await _password_sign_in(api, password="not the passphrase")).status_code == 404


async def test_reauth_gives_a_new_session_and_each_reauth_token_works_once(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    first = await api.signed_in("study-a", EMAIL)

    def reauth(token: str) -> Any:
        return api.client.post(
            "/v3/auth/reauth", json={"study": "study-a", "email": EMAIL, "reauthToken": token}
        )

    renewed = await reauth(first["reauthToken"])
    assert renewed.status_code == 200
    body = renewed.json()
    assert_session_info(body)
    assert body["sessionToken"] != first["sessionToken"]
    assert body["reauthToken"] != first["reauthToken"]

    used = await reauth(first["reauthToken"])
    assert used.status_code == 404
    assert used.json() == NOT_FOUND
    # a session token is not a reauth token
    assert (await reauth(first["sessionToken"])).status_code == 404
    # the new reauth token works, once
    assert (await reauth(body["reauthToken"])).status_code == 200


async def test_reauth_of_a_participant_without_consent_is_412_with_a_session(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL)
    first = await api.signed_in("study-a", EMAIL)
    response = await api.client.post(
        "/v3/auth/reauth",
        json={"study": "study-a", "email": EMAIL, "reauthToken": first["reauthToken"]},
    )
    assert response.status_code == 412
    assert_session_info(response.json())
    assert response.json()["consented"] is False


async def test_sessions_of_signed_in_participants(api: Api) -> None:
    await api.create_study("study-a")
    participant = await api.create_participant("study-a", EMAIL, consented=True)
    session = await api.signed_in("study-a", EMAIL)
    headers = {"Bridge-Session": session["sessionToken"]}

    me = await api.client.get("/v3/participants/self", headers=headers)
    assert me.status_code == 200
    assert me.json()["id"] == participant["id"]
    assert me.json()["email"] == EMAIL

    for bad in ({}, {"Bridge-Session": "not-a-session"}):
        refused = await api.client.get("/v3/participants/self", headers=bad)
        assert refused.status_code == 401
        assert refused.json() == {
            "statusCode": 401,
            "message": "Not signed in.",
            "type": "NotAuthenticatedException",
        }

    out = await api.client.post("/v4/auth/signOut", headers=headers)
    assert out.status_code == 200
    assert out.json() == {"message": "Signed out.", "type": "StatusMessage"}
    assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 401


async def test_sign_out_without_a_session_header_is_400(api: Api) -> None:
    response = await api.client.post("/v4/auth/signOut")
    assert response.status_code == 400
    assert response.json()["type"] == "BadRequestException"


async def test_consent_turns_412_into_200(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL)
    session = await api.signed_in("study-a", EMAIL)
    assert session["consented"] is False
    headers = {"Bridge-Session": session["sessionToken"]}

    anonymous = await api.client.post("/v3/consents/signature", json={"name": "Bob"})
    assert anonymous.status_code == 401
    nameless = await api.client.post("/v3/consents/signature", json={}, headers=headers)
    assert nameless.status_code == 400
    assert nameless.json()["errors"] == {"name": ["name is required"]}

    signed = await api.client.post(
        "/v3/consents/signature", json={"name": "Bob Example"}, headers=headers
    )
    assert signed.status_code == 201
    body = signed.json()
    assert_session_info(body, reauth=False)
    assert body["consented"] is True
    assert body["sessionToken"] == session["sessionToken"]

    again = await api.client.post(
        "/v3/auth/reauth",
        json={"study": "study-a", "email": EMAIL, "reauthToken": session["reauthToken"]},
    )
    assert again.status_code == 200


async def test_sign_up_for_an_existing_address_changes_nothing(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant(
        "study-a", EMAIL, password=PASSWORD, emailVerified=True, consented=True
    )
    again = await api.client.post("/v3/auth/signUp", json=_credentials("a different one"))
    assert again.status_code == 201
    assert (await _password_sign_in(api)).status_code == 200
    assert (await _password_sign_in(api, password="a different one")).status_code == 404


class TestShortSessions:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, session_ttl_seconds=1)

    async def test_a_session_ends_after_its_ttl(self, api: Api) -> None:
        await api.create_study("study-a")
        await api.create_participant("study-a", EMAIL, consented=True)
        session = await api.signed_in("study-a", EMAIL)
        headers = {"Bridge-Session": session["sessionToken"]}
        assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 200
        await asyncio.sleep(1.3)
        assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 401
