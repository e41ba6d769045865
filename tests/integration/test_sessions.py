"""Password sign-up and sign-in, reauthentication, sessions, sign-out and consent."""

from __future__ import annotations

import asyncio
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


async def test_a_password_from_sign_up_does_not_survive_the_owner_s_link_sign_in(
    api: Api,
) -> None:
    # The attack: an outsider signs up with the victim's address and a password of their
    # choosing. Before, once the owner signed in by link (which verifies the address), the
    # outsider's password signed in to the owner's account.
    await api.create_study("study-a")
    signed_up = await api.client.post("/v3/auth/signUp", json=_credentials())
    assert signed_up.status_code == 201
    assert signed_up.json() == {"message": "Signed up.", "type": "StatusMessage"}
    # Nobody has shown they own the address yet: the password alone does not sign in.
    unverified = await _password_sign_in(api)
    assert unverified.status_code == 404
    assert unverified.json() == NOT_FOUND

    owner = await api.signed_in("study-a", EMAIL)  # the owner, by link, without a password
    assert owner["emailVerified"] is True
    outsider = await _password_sign_in(api)
    assert outsider.status_code == 404
    assert outsider.json() == NOT_FOUND


async def test_the_owner_s_link_sign_in_may_set_the_password_at_once(api: Api) -> None:
    # The app's way to a password (seed 004): sign up, then send a new password with the
    # link sign-in. That password is the proven owner's and works from then on.
    await api.create_study("study-a")
    assert (await api.client.post("/v3/auth/signUp", json=_credentials())).status_code == 201
    token = await api.emailed_token("study-a", EMAIL)
    linked = await api.sign_in_with_token("study-a", EMAIL, token, password="the owner's own")
    assert linked.status_code == 412
    assert (await _password_sign_in(api, password="the owner's own")).status_code == 412
    assert (await _password_sign_in(api)).status_code == 404


async def test_a_researcher_verifying_the_address_does_not_enable_a_sign_up_password(
    api: Api,
) -> None:
    await api.create_study("study-a")
    assert (await api.client.post("/v3/auth/signUp", json=_credentials())).status_code == 201
    signed_up = await api.services.accounts.by_email("study-a", EMAIL)
    assert signed_up is not None  # (no API lists participants yet)
    verified = await api.client.put(
        f"/v3/studies/study-a/participants/{signed_up.id}",
        json={"emailVerified": True},
        headers=api.admin,
    )
    assert verified.status_code == 200
    assert (await _password_sign_in(api)).status_code == 404


async def test_a_researcher_s_password_survives_the_first_link_sign_in(api: Api) -> None:
    # A password the researcher set is theirs to give, not an outsider's: it stays.
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, password=PASSWORD)
    assert (await _password_sign_in(api)).status_code == 404  # the address is not proven yet
    await api.signed_in("study-a", EMAIL)
    assert (await _password_sign_in(api)).status_code == 412


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
    # The session is checked before the body: a caller without one learns nothing from it.
    anonymous_nameless = await api.client.post("/v3/consents/signature", json={})
    assert anonymous_nameless.status_code == 401
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
        return settings.replace(session_ttl_seconds=1)

    async def test_a_session_ends_after_its_ttl(self, api: Api) -> None:
        await api.create_study("study-a")
        await api.create_participant("study-a", EMAIL, consented=True)
        session = await api.signed_in("study-a", EMAIL)
        headers = {"Bridge-Session": session["sessionToken"]}
        assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 200
        await asyncio.sleep(1.3)
        assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 401


async def test_disabling_a_participant_ends_their_sessions_and_reauth_tokens(api: Api) -> None:
    # The attack this closes: a participant disabled (say, a stolen phone) kept a working
    # session (`self` 200, consent 201) and reauth tokens until they expired.
    await api.create_study("study-a")
    participant = await api.create_participant("study-a", EMAIL)
    session = await api.signed_in("study-a", EMAIL)
    headers = {"Bridge-Session": session["sessionToken"]}
    assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 200

    async def set_status(status: str) -> None:
        changed = await api.client.put(
            f"/v3/studies/study-a/participants/{participant['id']}",
            json={"status": status},
            headers=api.admin,
        )
        assert changed.status_code == 200

    await set_status("disabled")
    assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 401
    consent = await api.client.post(
        "/v3/consents/signature", json={"name": "Bob Example"}, headers=headers
    )
    assert consent.status_code == 401
    # Enabling again does not bring the old session or reauth token back.
    await set_status("enabled")
    assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 401
    reauth = await api.client.post(
        "/v3/auth/reauth",
        json={"study": "study-a", "email": EMAIL, "reauthToken": session["reauthToken"]},
    )
    assert reauth.status_code == 404
    # A new sign-in works as usual.
    fresh = await api.signed_in("study-a", EMAIL)
    fresh_headers = {"Bridge-Session": fresh["sessionToken"]}
    assert (await api.client.get("/v3/participants/self", headers=fresh_headers)).status_code == 200


async def test_deleting_a_participant_ends_their_sessions(api: Api) -> None:
    await api.create_study("study-a")
    participant = await api.create_participant("study-a", EMAIL, consented=True)
    session = await api.signed_in("study-a", EMAIL)
    headers = {"Bridge-Session": session["sessionToken"]}
    deleted = await api.client.delete(
        f"/v3/studies/study-a/participants/{participant['id']}", headers=api.admin
    )
    assert deleted.status_code == 200
    assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 401
    # The same address signing up again is somebody new: the old session stays dead.
    await api.create_participant("study-a", EMAIL, consented=True)
    assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 401


async def test_sign_out_revokes_the_reauth_tokens(api: Api) -> None:
    # The attack this closes: after sign-out, the reauth token minted a fresh session for
    # 30 days. Bridge revokes it at sign-out; so do we (every device's: the account's).
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    session = await api.signed_in("study-a", EMAIL)
    other_device = await api.signed_in("study-a", EMAIL)
    out = await api.client.post(
        "/v4/auth/signOut", headers={"Bridge-Session": session["sessionToken"]}
    )
    assert out.status_code == 200
    for reauth_token in (session["reauthToken"], other_device["reauthToken"]):
        reauth = await api.client.post(
            "/v3/auth/reauth",
            json={"study": "study-a", "email": EMAIL, "reauthToken": reauth_token},
        )
        assert reauth.status_code == 404
    # The other device's session itself stays until it signs out or expires.
    other = {"Bridge-Session": other_device["sessionToken"]}
    assert (await api.client.get("/v3/participants/self", headers=other)).status_code == 200


async def test_answers_that_carry_secrets_are_never_cached_or_sniffed(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    session = await api.signed_in("study-a", EMAIL)
    token = await api.emailed_token("study-a", EMAIL)
    answers = [
        await api.sign_in_with_token("study-a", EMAIL, token),  # a session, a reauth token
        await api.client.post(
            "/v3/auth/reauth",
            json={"study": "study-a", "email": EMAIL, "reauthToken": session["reauthToken"]},
        ),
        await api.client.get(
            "/v3/participants/self", headers={"Bridge-Session": session["sessionToken"]}
        ),
        await api.client.get("/v3/studies/study-a", headers=api.admin),  # admin JSON
        await api.client.get("/v3/studies", headers=api.admin),
        await api.client.post("/v3/auth/signIn", json={"study": "study-a"}),  # an error
    ]
    for answer in answers:
        assert answer.headers.get_list("Cache-Control") == ["no-store"], answer.url
        assert answer.headers.get_list("X-Content-Type-Options") == ["nosniff"], answer.url
    # What is meant to be cached keeps its own policy, with no second header.
    association = await api.client.get("/.well-known/apple-app-site-association")
    assert association.headers.get_list("Cache-Control") == ["public, max-age=300"]
    assert association.headers.get_list("X-Content-Type-Options") == ["nosniff"]
