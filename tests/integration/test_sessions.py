"""Password sign-up and sign-in, reauthentication, sessions, sign-out and consent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.auth.tokens import SESSION
from service.settings import Settings
from service.store.sessions import session_key
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


def _reauth(api: Api, token: str, email: str = EMAIL) -> Any:
    return api.client.post(
        "/v3/auth/reauth", json={"study": "study-a", "email": email, "reauthToken": token}
    )


async def test_reauth_keeps_the_live_session_and_a_token_lasts_three_rotations(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    first = await api.signed_in("study-a", EMAIL)

    renewed = await _reauth(api, first["reauthToken"])
    assert renewed.status_code == 200
    body = renewed.json()
    assert_session_info(body)
    # As Bridge: the live session's token comes back, so requests in flight keep working.
    assert body["sessionToken"] == first["sessionToken"]
    assert body["reauthToken"] != first["reauthToken"]
    headers = {"Bridge-Session": first["sessionToken"]}
    assert (await api.client.get("/v3/participants/self", headers=headers)).status_code == 200

    # An app that crashed before storing the new token gets in with the old one: twice more
    # (3 rotations, Bridge's ROTATIONS), then the token has rotated out.
    for _ in range(2):
        assert (await _reauth(api, first["reauthToken"])).status_code == 200
    used = await _reauth(api, first["reauthToken"])
    assert used.status_code == 404
    assert used.json() == NOT_FOUND
    # a session token is not a reauth token
    assert (await _reauth(api, first["sessionToken"])).status_code == 404
    # the newest reauth token still works
    assert (await _reauth(api, body["reauthToken"])).status_code == 200


async def test_reauth_after_the_session_ended_starts_a_new_one(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    first = await api.signed_in("study-a", EMAIL)
    # The session's key is gone (it expired, say) while the account still names its seed.
    token_hash = api.services.hasher.for_storage(SESSION, first["sessionToken"])
    key = session_key(first["sessionToken"], token_hash)
    assert await api.services.redis.delete(key) == 1
    renewed = await _reauth(api, first["reauthToken"])
    assert renewed.status_code == 200
    token = renewed.json()["sessionToken"]
    assert token != first["sessionToken"]
    me = await api.client.get("/v3/participants/self", headers={"Bridge-Session": token})
    assert me.status_code == 200


async def test_one_session_per_participant(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True, password=PASSWORD)
    first = await api.signed_in("study-a", EMAIL)
    second = await _password_sign_in(api)
    assert second.status_code == 200
    # A new sign-in (link, code or password) ends the earlier session and its reauth tokens.
    old = await api.client.get(
        "/v3/participants/self", headers={"Bridge-Session": first["sessionToken"]}
    )
    assert old.status_code == 401
    assert (await _reauth(api, first["reauthToken"])).status_code == 404
    new = await api.client.get(
        "/v3/participants/self", headers={"Bridge-Session": second.json()["sessionToken"]}
    )
    assert new.status_code == 200
    assert (await _reauth(api, second.json()["reauthToken"])).status_code == 200


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


@pytest.mark.parametrize(
    "path", ["/v3/subpopulations/study-a/consents/signature", "/v3/consents/signature"]
)
async def test_consent_turns_412_into_200(api: Api, path: str) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL)
    session = await api.signed_in("study-a", EMAIL)
    assert session["consented"] is False
    status = session["consentStatuses"]["study-a"]
    assert (status["required"], status["consented"], status["subpopulationGuid"]) == (
        True,
        False,
        "study-a",
    )
    assert "signedOn" not in status
    headers = {"Bridge-Session": session["sessionToken"]}
    signature = {"name": "Bob Example", "scope": "sponsors_and_partners"}

    anonymous = await api.client.post(path, json=signature)
    assert anonymous.status_code == 401
    # The session is checked before the body: a caller without one learns nothing from it.
    anonymous_nameless = await api.client.post(path, json={})
    assert anonymous_nameless.status_code == 401
    nameless = await api.client.post(path, json={}, headers=headers)
    assert nameless.status_code == 400
    assert nameless.json()["errors"] == {
        "name": ["name is required"],
        "scope": ["scope is required"],
    }

    signed = await api.client.post(path, json=signature, headers=headers)
    assert signed.status_code == 201
    body = signed.json()
    assert_session_info(body, reauth=False)
    assert body["consented"] is True
    assert body["sessionToken"] == session["sessionToken"]
    assert (body["sharingScope"], body["dataSharing"]) == ("sponsors_and_partners", True)
    status = body["consentStatuses"]["study-a"]
    assert status["consented"] is True
    assert status["signedOn"].endswith("Z")

    again = await api.client.post(
        "/v3/auth/reauth",
        json={"study": "study-a", "email": EMAIL, "reauthToken": session["reauthToken"]},
    )
    assert again.status_code == 200
    assert again.json()["sharingScope"] == "sponsors_and_partners"


async def test_a_study_has_one_consent_group_its_own(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_study("study-b")
    await api.create_participant("study-a", EMAIL)
    session = await api.signed_in("study-a", EMAIL)
    headers = {"Bridge-Session": session["sessionToken"]}
    for guid in ("study-b", "nope"):
        response = await api.client.post(
            f"/v3/subpopulations/{guid}/consents/signature",
            json={"name": "Bob", "scope": "no_sharing"},
            headers=headers,
        )
        assert response.status_code == 404
        assert response.json()["entityClass"] == "Subpopulation"
    me = await api.client.get("/v3/participants/self", headers=headers)
    assert me.json()["consented"] is False


async def test_withdrawal_ends_the_consent_and_the_sharing(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL)
    session = await api.signed_in("study-a", EMAIL)
    headers = {"Bridge-Session": session["sessionToken"]}
    signed = await api.client.post(
        "/v3/subpopulations/study-a/consents/signature",
        json={"name": "Bob", "scope": "all_qualified_researchers"},
        headers=headers,
    )
    assert signed.status_code == 201
    withdrawn = await api.client.post(
        "/v3/subpopulations/study-a/consents/signature/withdraw",
        json={"reason": "Moving abroad."},
        headers=headers,
    )
    assert withdrawn.status_code == 200
    body = withdrawn.json()
    assert_session_info(body, reauth=False)
    assert (body["consented"], body["sharingScope"], body["dataSharing"]) == (
        False,
        "no_sharing",
        False,
    )
    assert body["sessionToken"] == session["sessionToken"]
    assert "signedOn" not in body["consentStatuses"]["study-a"]
    # Still signed in; the app is back at the consent step.
    again = await api.client.post(
        "/v3/auth/reauth",
        json={"study": "study-a", "email": EMAIL, "reauthToken": session["reauthToken"]},
    )
    assert again.status_code == 412


async def test_languages_come_from_the_first_sign_in(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant(
        "study-a", EMAIL, consented=True, password=PASSWORD, emailVerified=True
    )
    first = await api.client.post(
        "/v3/auth/signIn",
        json=_credentials(),
        headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"},
    )
    assert first.json()["languages"] == ["de", "en"]
    # Kept from then on, as Bridge does: a later device's header does not replace them.
    later = await api.client.post(
        "/v3/auth/signIn", json=_credentials(), headers={"Accept-Language": "fr"}
    )
    assert later.json()["languages"] == ["de", "en"]


async def test_sign_up_keeps_the_languages(api: Api) -> None:
    await api.create_study("study-a", emailVerificationEnabled=False)
    signed_up = await api.client.post(
        "/v3/auth/signUp", json=_credentials(), headers={"Accept-Language": "nl-BE, fr;q=0.4"}
    )
    assert signed_up.status_code == 201
    signed_in = await _password_sign_in(api)
    assert signed_in.status_code == 412
    assert signed_in.json()["languages"] == ["nl", "fr"]


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


async def test_the_right_password_for_an_unproven_address_is_403_on_v4_and_404_on_v3(
    api: Api,
) -> None:
    await api.create_study("study-a")  # emailVerificationEnabled: on by default
    assert (await api.client.post("/v3/auth/signUp", json=_credentials())).status_code == 201
    v4 = await api.client.post("/v4/auth/signIn", json=_credentials())
    assert v4.status_code == 403
    assert v4.json() == {
        "statusCode": 403,
        "message": "Email or phone number have not been verified",
        "type": "UnauthorizedException",
    }
    # A wrong password says nothing about the address, on either path.
    wrong = await api.client.post("/v4/auth/signIn", json=_credentials(password="not it at all"))
    assert (wrong.status_code, wrong.json()) == (404, NOT_FOUND)
    # Bridge's older path answers an unproven address like a wrong password.
    v3 = await _password_sign_in(api)
    assert (v3.status_code, v3.json()) == (404, NOT_FOUND)


async def test_first_install_without_email_verification(api: Api) -> None:
    # The app creates the account itself with a password it generated, and keeps it.
    await api.create_study("study-a", emailVerificationEnabled=False)
    generated = "generated by the app 7f3a9c"
    assert (
        await api.client.post("/v3/auth/signUp", json=_credentials(password=generated))
    ).status_code == 201
    first = await api.client.post("/v4/auth/signIn", json=_credentials(password=generated))
    assert first.status_code == 412
    session = first.json()
    consent = await api.client.post(
        "/v3/subpopulations/study-a/consents/signature",
        json={"name": "Bob", "scope": "no_sharing"},
        headers={"Bridge-Session": session["sessionToken"]},
    )
    assert consent.status_code == 201
    later = await api.client.post("/v4/auth/signIn", json=_credentials(password=generated))
    assert later.status_code == 200
    assert later.json()["consented"] is True
    wrong = await api.client.post("/v4/auth/signIn", json=_credentials(password="x" * 12))
    assert wrong.status_code == 404


async def test_v3_sign_out_answers_200_always_and_ends_the_session(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    session = await api.signed_in("study-a", EMAIL)
    for headers in ({}, {"Bridge-Session": "no such session"}):
        response = await api.client.post("/v3/auth/signOut", headers=headers)
        assert response.status_code == 200
        assert response.json() == {"message": "Signed out.", "type": "StatusMessage"}
    signed_out = await api.client.post(
        "/v3/auth/signOut", headers={"Bridge-Session": session["sessionToken"]}
    )
    assert signed_out.status_code == 200
    me = await api.client.get(
        "/v3/participants/self", headers={"Bridge-Session": session["sessionToken"]}
    )
    assert me.status_code == 401
    assert (await _reauth(api, session["reauthToken"])).status_code == 404
