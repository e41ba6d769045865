"""The researcher/admin API: studies and their participants, behind the admin bearer key."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from service.store import keys
from service.store.decoding import text
from tests.support.api import ADMIN_KEY, Api
from tests.support.contract import assert_bridge_error, assert_invalid

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
STUDY_KEYS = {
    "identifier",
    "name",
    "shortName",
    "sponsorName",
    "supportEmail",
    "emailSignInEnabled",
    "emailSignInTemplate",
    "onboardingTemplate",
    "defaultLanguage",
    "localizedEmailSignInTemplates",
    "localizedOnboardingTemplates",
    "emailSignInTokenTtlSeconds",
    "emailSignInRequestIntervalSeconds",
    "emailVerificationEnabled",
    "reauthenticationEnabled",
    "appleAppLinks",
    "androidAppLinks",
    "installLinks",
    "appUrlScheme",
    "createdOn",
    "modifiedOn",
    "version",
    "type",
}
PARTICIPANT_KEYS = {
    "id",
    "email",
    "status",
    "consented",
    "emailVerified",
    "createdOn",
    "studyIds",
    "roles",
    "dataGroups",
    "sharingScope",
    "languages",
    "lastSignInOn",
    "signInCount",
    "onboardedOn",
    "type",
}
GOOD_TEMPLATE = {
    "subject": "Sign in to ${studyName}",
    "body": "Hello ${email}, tap ${url} within ${emailSignInExpirationPeriod}.",
    "mimeType": "text/plain",
}


def assert_not_found(response: httpx.Response, entity_class: str) -> None:
    body = assert_bridge_error(response, 404, "EntityNotFoundException")
    assert body["entityClass"] == entity_class


def all_keys(value: object) -> list[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in [k, *all_keys(v)]]
    if isinstance(value, list):
        return [k for item in value for k in all_keys(item)]
    return []


def assert_no_secret(response: httpx.Response, password: str | None = None) -> None:
    names = [name.lower() for name in all_keys(response.json())]
    assert not [n for n in names if "password" in n or "hash" in n or n == "pw"], names
    assert "$argon2" not in response.text
    if password is not None:
        assert password not in response.text


async def session_self(api: Api, session: dict[str, Any]) -> httpx.Response:
    return await api.client.get(
        "/v3/participants/self", headers={"Bridge-Session": session["sessionToken"]}
    )


# --------------------------------------------------------------------------- admin key


BAD_AUTH = {
    "missing": {},
    "wrong-key": {"Authorization": "Bearer wrong-admin-key-0123456789"},
    "key-prefix": {"Authorization": f"Bearer {ADMIN_KEY[:-1]}"},
    "empty-bearer": {"Authorization": "Bearer "},
    "basic-scheme": {"Authorization": f"Basic {ADMIN_KEY}"},
    "token-scheme": {"Authorization": f"Token {ADMIN_KEY}"},
    "bare-key": {"Authorization": ADMIN_KEY},
    "other-header": {"X-Admin-Key": ADMIN_KEY},
}

STUDY_BODY = {"identifier": "study-z", "name": "Study Z"}
ADMIN_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v3/studies", STUDY_BODY),
    ("GET", "/v3/studies", None),
    ("GET", "/v3/studies/study-a", None),
    ("PUT", "/v3/studies/study-a", {"name": "Renamed"}),
    ("POST", "/v3/studies/study-a", {"name": "Renamed"}),
    ("DELETE", "/v3/studies/study-a", None),
    ("POST", "/v3/studies/study-a/participants", {"email": "new@example.org"}),
    ("GET", "/v3/studies/study-a/participants/{pid}", None),
    ("PUT", "/v3/studies/study-a/participants/{pid}", {"status": "disabled"}),
    ("POST", "/v3/studies/study-a/participants/{pid}", {"status": "disabled"}),
    ("DELETE", "/v3/studies/study-a/participants/{pid}", None),
]


@pytest.mark.parametrize("auth", list(BAD_AUTH.values()), ids=list(BAD_AUTH))
@pytest.mark.parametrize(
    ("method", "path", "body"), ADMIN_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ADMIN_ENDPOINTS]
)
async def test_admin_endpoint_without_the_key_answers_401_and_changes_nothing(
    api: Api, method: str, path: str, body: dict[str, Any] | None, auth: dict[str, str]
) -> None:
    await api.create_study("study-a")
    participant = await api.create_participant("study-a", "alice@example.org")
    url = path.format(pid=participant["id"])

    response = await api.client.request(method, url, json=body, headers=auth)

    error = assert_bridge_error(response, 401, "NotAuthenticatedException")
    assert set(error) == {"statusCode", "message", "type"}
    assert "Bearer" in error["message"]
    # Nothing happened: the study and the participant are as they were, study-z was not made.
    study = await api.client.get("/v3/studies/study-a", headers=api.admin)
    assert study.status_code == 200
    assert study.json()["name"] == "Study study-a"
    one = await api.client.get(
        f"/v3/studies/study-a/participants/{participant['id']}", headers=api.admin
    )
    assert one.status_code == 200
    assert one.json() == participant
    listing = await api.client.get("/v3/studies", headers=api.admin)
    assert [s["identifier"] for s in listing.json()["items"]] == ["study-a"]


async def test_admin_key_scheme_is_case_insensitive(api: Api) -> None:
    response = await api.client.get("/v3/studies", headers={"Authorization": f"bearer {ADMIN_KEY}"})
    assert response.status_code == 200, response.text


async def test_public_endpoints_need_no_admin_key(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "alice@example.org", consented=True)
    health = await api.client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    # Sign up and the whole link flow, with no Authorization header at all...
    signed_up = await api.client.post(
        "/v3/auth/signUp",
        json={"study": "study-a", "email": "bob@example.org", "password": "long enough pw"},
    )
    assert signed_up.status_code == 201, signed_up.text
    session = await api.signed_in("study-a", "alice@example.org")
    assert session["authenticated"] is True
    me = await session_self(api, session)
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.org"
    # ...and a stray wrong one is ignored by the public endpoints.
    wrong = {"Authorization": "Bearer wrong-admin-key-0123456789"}
    link = await api.client.post(
        "/v3/auth/email", json={"study": "study-a", "email": "alice@example.org"}, headers=wrong
    )
    assert link.status_code == 202, link.text


# --------------------------------------------------------------------------- studies


async def test_create_study_fills_defaults(api: Api) -> None:
    response = await api.client.post(
        "/v3/studies", json={"identifier": "study-x", "name": "Study X"}, headers=api.admin
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == STUDY_KEYS
    assert body["identifier"] == "study-x"
    assert body["name"] == "Study X"
    assert body["type"] == "Study"
    assert body["emailSignInEnabled"] is True  # a new study signs its participants in
    assert body["version"] == 1
    assert response.headers["etag"] == '"1"'
    assert body["emailSignInTokenTtlSeconds"] == 3600
    assert body["emailSignInRequestIntervalSeconds"] == 60
    assert body["reauthenticationEnabled"] is True
    assert body["emailVerificationEnabled"] is True
    assert body["emailSignInTemplate"] is None
    assert body["onboardingTemplate"] is None
    assert body["defaultLanguage"] == "en"
    assert body["localizedEmailSignInTemplates"] == {}
    assert body["localizedOnboardingTemplates"] == {}
    assert body["shortName"] == ""
    assert body["sponsorName"] == ""
    assert body["supportEmail"] == ""
    assert body["appleAppLinks"] == []
    assert body["androidAppLinks"] == []
    assert body["installLinks"] == {"ios": None, "android": None}
    assert body["appUrlScheme"] is None
    assert ISO_MS.fullmatch(body["createdOn"])
    assert body["modifiedOn"] == body["createdOn"]

    stored = await api.client.get("/v3/studies/study-x", headers=api.admin)
    assert stored.status_code == 200
    assert stored.json() == body


async def test_create_study_keeps_given_fields(api: Api) -> None:
    fields = {
        "identifier": "study-x",
        "name": "Study X",
        "shortName": "X",
        "sponsorName": "Sponsor",
        "supportEmail": "help@example.org",
        "emailSignInEnabled": True,
        "emailSignInTemplate": GOOD_TEMPLATE,
        "emailSignInTokenTtlSeconds": 604800,
        "emailSignInRequestIntervalSeconds": 3600,
        "reauthenticationEnabled": False,
    }
    # Read-only fields an SDK sends back are ignored, not errors.
    sent = {**fields, "type": "Study", "createdOn": "2000-01-01T00:00:00.000Z", "version": 3}
    response = await api.client.post("/v3/studies", json=sent, headers=api.admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in fields} == fields
    assert body["createdOn"] != "2000-01-01T00:00:00.000Z"
    assert ISO_MS.fullmatch(body["createdOn"])


async def test_create_duplicate_study_is_409_and_keeps_the_first(api: Api) -> None:
    await api.create_study("study-a", name="First")
    response = await api.client.post(
        "/v3/studies", json={"identifier": "study-a", "name": "Second"}, headers=api.admin
    )
    assert_bridge_error(response, 409, "EntityAlreadyExistsException")
    stored = await api.client.get("/v3/studies/study-a", headers=api.admin)
    assert stored.json()["name"] == "First"


INVALID_STUDIES: dict[str, tuple[dict[str, Any], str, str]] = {
    # name: (fields over a valid study, the field named in errors, a fragment of its message)
    "identifier-upper-case": ({"identifier": "Study_A"}, "identifier", "lower-case"),
    "identifier-too-short": ({"identifier": "a"}, "identifier", "2 to 60"),
    "identifier-too-long": ({"identifier": "a" * 61}, "identifier", "at most 60"),
    "identifier-blank": ({"identifier": "  "}, "identifier", "blank"),
    "identifier-number": ({"identifier": 12}, "identifier", "string"),
    "name-missing": ({"name": None}, "name", "name is required"),
    "name-blank": ({"name": " "}, "name", "blank"),
    "ttl-zero": ({"emailSignInTokenTtlSeconds": 0}, "emailSignInTokenTtlSeconds", "between"),
    "ttl-over-a-week": (
        {"emailSignInTokenTtlSeconds": 604801},
        "emailSignInTokenTtlSeconds",
        "604800",
    ),
    "ttl-fraction": ({"emailSignInTokenTtlSeconds": 60.5}, "emailSignInTokenTtlSeconds", "whole"),
    "ttl-string": ({"emailSignInTokenTtlSeconds": "3600"}, "emailSignInTokenTtlSeconds", "whole"),
    "interval-over-an-hour": (
        {"emailSignInRequestIntervalSeconds": 3601},
        "emailSignInRequestIntervalSeconds",
        "3600",
    ),
    "interval-negative": (
        {"emailSignInRequestIntervalSeconds": -1},
        "emailSignInRequestIntervalSeconds",
        "between",
    ),
    "flag-string": ({"emailSignInEnabled": "yes"}, "emailSignInEnabled", "true or false"),
    "support-email": ({"supportEmail": "not an address"}, "supportEmail", "email address"),
    "template-unknown-variable": (
        {"emailSignInTemplate": {"subject": "Join ${studyNmae}", "body": "Tap ${url}"}},
        "emailSignInTemplate.subject",
        "${studyNmae}",
    ),
    "template-body-without-token": (
        {"emailSignInTemplate": {"subject": "Hello", "body": "Welcome to ${studyName}"}},
        "emailSignInTemplate.body",
        "${url}",
    ),
    "template-subject-with-url": (
        {"emailSignInTemplate": {"subject": "Tap ${url}", "body": "Tap ${url}"}},
        "emailSignInTemplate.subject",
        "must not contain ${url}",
    ),
    "template-bad-syntax": (
        {"emailSignInTemplate": {"subject": "Hi", "body": "Tap ${url} ${ oops"}},
        "emailSignInTemplate.body",
        "not a variable",
    ),
    "template-mime-type": (
        {"emailSignInTemplate": {**GOOD_TEMPLATE, "mimeType": "text/markdown"}},
        "emailSignInTemplate.mimeType",
        "text/plain or text/html",
    ),
    "template-not-object": (
        {"emailSignInTemplate": "Tap ${url}"},
        "emailSignInTemplate",
        "must be an object",
    ),
    "unknown-field": (
        {"emailSignInEnable": True},
        "emailSignInEnable",
        "did you mean emailSignInEnabled?",
    ),
}


@pytest.mark.parametrize(
    ("fields", "field", "fragment"), list(INVALID_STUDIES.values()), ids=list(INVALID_STUDIES)
)
async def test_create_invalid_study_is_400_naming_the_field(
    api: Api, fields: dict[str, Any], field: str, fragment: str
) -> None:
    body = {
        k: v for k, v in {"identifier": "study-x", "name": "X", **fields}.items() if v is not None
    }
    response = await api.client.post("/v3/studies", json=body, headers=api.admin)
    errors = assert_invalid(response, field)
    assert fragment in " ".join(errors[field]), errors
    assert fragment in response.json()["message"]
    listing = await api.client.get("/v3/studies", headers=api.admin)
    assert listing.json()["total"] == 0


async def test_unknown_template_variable_suggests_the_right_one(api: Api) -> None:
    template = {"subject": "Join ${studyNmae}", "body": "Tap ${url}"}
    response = await api.client.post(
        "/v3/studies",
        json={"identifier": "study-x", "name": "X", "emailSignInTemplate": template},
        headers=api.admin,
    )
    errors = assert_invalid(response, "emailSignInTemplate.subject")
    assert "did you mean ${studyName}?" in errors["emailSignInTemplate.subject"][0]


async def test_invalid_study_reports_every_problem_at_once(api: Api) -> None:
    body = {
        "identifier": "Bad Id",
        "emailSignInTokenTtlSeconds": 0,
        "emailSignInRequestIntervalSeconds": 3601,
        "emailSignInTemplate": {"subject": "${url}", "body": "no token"},
        "nmae": "X",
    }
    response = await api.client.post("/v3/studies", json=body, headers=api.admin)
    assert_invalid(
        response,
        "identifier",
        "name",
        "emailSignInTokenTtlSeconds",
        "emailSignInRequestIntervalSeconds",
        "emailSignInTemplate.subject",
        "emailSignInTemplate.body",
        "nmae",
    )
    assert "did you mean name?" in response.json()["errors"]["nmae"][0]


async def test_get_study(api: Api) -> None:
    created = await api.create_study("study-a")
    response = await api.client.get("/v3/studies/study-a", headers=api.admin)
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("identifier", ["study-b", "Study-A", "x"])
async def test_get_unknown_study_is_404(api: Api, identifier: str) -> None:
    await api.create_study("study-a")
    response = await api.client.get(f"/v3/studies/{identifier}", headers=api.admin)
    assert_not_found(response, "Study")


async def test_list_studies(api: Api) -> None:
    empty = await api.client.get("/v3/studies", headers=api.admin)
    assert empty.status_code == 200
    assert empty.json() == {"items": [], "total": 0, "type": "ResourceList"}
    b = await api.create_study("study-b")
    a = await api.create_study("study-a")
    response = await api.client.get("/v3/studies", headers=api.admin)
    assert response.status_code == 200
    assert response.json() == {"items": [a, b], "total": 2, "type": "ResourceList"}


async def test_put_replaces_the_study(api: Api) -> None:
    created = await api.create_study("study-a", shortName="A", emailSignInTokenTtlSeconds=600)
    await asyncio.sleep(0.01)  # timestamps have millisecond resolution
    response = await api.client.put(
        "/v3/studies/study-a",
        json={
            "name": "Renamed",
            "emailSignInEnabled": True,
            "emailSignInTemplate": GOOD_TEMPLATE,
            "createdOn": "2000-01-01T00:00:00.000Z",
            "version": 1,
        },
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["identifier"] == "study-a"
    assert body["name"] == "Renamed"
    assert body["emailSignInTemplate"] == GOOD_TEMPLATE
    # A replacement: fields left out go back to their defaults.
    assert body["shortName"] == ""
    assert body["emailSignInTokenTtlSeconds"] == 3600
    assert body["emailSignInRequestIntervalSeconds"] == 60
    assert body["createdOn"] == created["createdOn"]
    assert ISO_MS.fullmatch(body["modifiedOn"])
    assert body["modifiedOn"] > created["modifiedOn"]
    assert body["version"] == 2
    assert response.headers["etag"] == '"2"'
    stored = await api.client.get("/v3/studies/study-a", headers=api.admin)
    assert stored.json() == body
    assert stored.headers["etag"] == '"2"'


async def test_put_with_the_same_identifier_is_accepted(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.put(
        "/v3/studies/study-a",
        json={"identifier": "study-a", "name": "Same", "version": 1},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Same"


async def test_put_cannot_change_the_identifier(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.put(
        "/v3/studies/study-a",
        json={"identifier": "study-b", "name": "Moved", "version": 1},
        headers=api.admin,
    )
    errors = assert_invalid(response, "identifier")
    assert "cannot be changed" in errors["identifier"][0]
    stored = await api.client.get("/v3/studies/study-a", headers=api.admin)
    assert stored.json()["name"] == "Study study-a"
    moved = await api.client.get("/v3/studies/study-b", headers=api.admin)
    assert_not_found(moved, "Study")


async def test_put_invalid_study_is_400_and_keeps_the_old_one(api: Api) -> None:
    created = await api.create_study("study-a")
    response = await api.client.put(
        "/v3/studies/study-a",
        json={"name": "X", "emailSignInTokenTtlSeconds": 0, "version": 1},
        headers=api.admin,
    )
    assert_invalid(response, "emailSignInTokenTtlSeconds")
    stored = await api.client.get("/v3/studies/study-a", headers=api.admin)
    assert stored.json() == created


async def test_put_unknown_study_is_404_and_creates_nothing(api: Api) -> None:
    response = await api.client.put(
        "/v3/studies/study-b", json={"name": "Nobody", "version": 1}, headers=api.admin
    )
    assert_not_found(response, "Study")
    listing = await api.client.get("/v3/studies", headers=api.admin)
    assert listing.json()["total"] == 0


async def test_delete_study_removes_it_and_its_participants(api: Api, redis: Redis) -> None:
    await api.create_study("study-a")
    await api.create_study("study-b")
    alice = await api.create_participant("study-a", "alice@example.org", consented=True)
    await api.create_participant("study-a", "bob@example.org")
    other = await api.create_participant("study-b", "alice@example.org")
    session = await api.signed_in("study-a", "alice@example.org")
    assert (await session_self(api, session)).status_code == 200

    response = await api.client.delete("/v3/studies/study-a", headers=api.admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Study deleted.", "type": "StatusMessage"}

    assert_not_found(await api.client.get("/v3/studies/study-a", headers=api.admin), "Study")
    listing = await api.client.get("/v3/studies", headers=api.admin)
    assert [s["identifier"] for s in listing.json()["items"]] == ["study-b"]
    gone = await api.client.get(
        f"/v3/studies/study-a/participants/{alice['id']}", headers=api.admin
    )
    assert_not_found(gone, "Study")
    assert_not_found(await api.request_link("study-a", "alice@example.org"), "Study")
    assert_bridge_error(await session_self(api, session), 401, "NotAuthenticatedException")
    again = await api.client.delete("/v3/studies/study-a", headers=api.admin)
    assert_not_found(again, "Study")

    # No key of study-a or its accounts is left; study-b is untouched.
    tag_prefix = "{study-a:"
    assert [k for k in map(text, await redis.keys("*")) if "study-a" in k or tag_prefix in k] == []
    kept = await api.client.get(
        f"/v3/studies/study-b/participants/{other['id']}", headers=api.admin
    )
    assert kept.status_code == 200
    assert kept.json() == other


async def test_recreated_study_does_not_bring_participants_back(api: Api) -> None:
    await api.create_study("study-a")
    alice = await api.create_participant("study-a", "alice@example.org")
    deleted = await api.client.delete("/v3/studies/study-a", headers=api.admin)
    assert deleted.status_code == 200
    await api.create_study("study-a")

    gone = await api.client.get(
        f"/v3/studies/study-a/participants/{alice['id']}", headers=api.admin
    )
    assert_not_found(gone, "StudyParticipant")
    # A link request answers as for any unknown address, and no email goes out.
    assert (await api.request_link("study-a", "alice@example.org")).status_code == 202
    await api.create_participant("study-a", "carol@example.org")
    await api.emailed_token("study-a", "carol@example.org")
    assert api.mailbox.to("alice@example.org") == []
    # The address is free again.
    again = await api.create_participant("study-a", "alice@example.org")
    assert again["id"] != alice["id"]


# --------------------------------------------------------------------------- participants


async def test_create_participant_defaults_and_no_secret(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.post(
        "/v3/studies/study-a/participants",
        json={"email": "  Alice.Smith@Example.ORG "},
        headers=api.admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == PARTICIPANT_KEYS
    assert isinstance(body["id"], str)
    assert len(body["id"]) >= 16
    assert body["email"] == "Alice.Smith@Example.ORG"
    assert body["status"] == "enabled"
    assert body["consented"] is False
    assert body["emailVerified"] is False
    assert body["studyIds"] == ["study-a"]
    assert (body["sharingScope"], body["languages"]) == ("no_sharing", [])
    assert body["type"] == "StudyParticipant"
    assert ISO_MS.fullmatch(body["createdOn"])
    assert_no_secret(response)


async def test_create_participant_with_all_fields_never_shows_the_password(api: Api) -> None:
    await api.create_study("study-a")
    password = "correct horse battery staple"
    response = await api.client.post(
        "/v3/studies/study-a/participants",
        json={
            "email": "alice@example.org",
            "password": password,
            "consented": True,
            "status": "disabled",
            "emailVerified": True,
        },
        headers=api.admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "disabled"
    assert body["consented"] is True
    assert body["emailVerified"] is True
    assert_no_secret(response, password)
    fetched = await api.client.get(
        f"/v3/studies/study-a/participants/{body['id']}", headers=api.admin
    )
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert_no_secret(fetched, password)
    updated = await api.client.put(
        f"/v3/studies/study-a/participants/{body['id']}",
        json={"password": "another long password"},
        headers=api.admin,
    )
    assert updated.status_code == 200, updated.text
    assert_no_secret(updated, "another long password")


async def test_created_password_signs_in(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant(
        "study-a", "alice@example.org", password="long enough pw", emailVerified=True
    )
    ok = await api.client.post(
        "/v3/auth/signIn",
        json={"study": "study-a", "email": "alice@example.org", "password": "long enough pw"},
    )
    assert ok.status_code == 412, ok.text  # signed in, consent still missing
    assert_no_secret(ok, "long enough pw")


@pytest.mark.parametrize(
    "duplicate", ["alice@example.org", "ALICE@Example.Org", "  alice@example.org\t"]
)
async def test_create_duplicate_participant_is_409(api: Api, duplicate: str) -> None:
    await api.create_study("study-a")
    first = await api.create_participant("study-a", "alice@example.org")
    response = await api.client.post(
        "/v3/studies/study-a/participants",
        json={"email": duplicate, "status": "disabled"},
        headers=api.admin,
    )
    assert_bridge_error(response, 409, "EntityAlreadyExistsException")
    stored = await api.client.get(
        f"/v3/studies/study-a/participants/{first['id']}", headers=api.admin
    )
    assert stored.json() == first


async def test_same_address_in_two_studies_is_two_participants(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_study("study-b")
    a = await api.create_participant("study-a", "alice@example.org")
    b = await api.create_participant("study-b", "alice@example.org")
    assert a["id"] != b["id"]
    assert b["studyIds"] == ["study-b"]


INVALID_PARTICIPANTS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "email-missing": ({}, ("email",)),
    "email-blank": ({"email": "  "}, ("email",)),
    "email-no-at": ({"email": "alice.example.org"}, ("email",)),
    "email-no-domain-dot": ({"email": "alice@localhost"}, ("email",)),
    "email-space": ({"email": "alice smith@example.org"}, ("email",)),
    "email-number": ({"email": 42}, ("email",)),
    "email-too-long": ({"email": "a" * 64 + "@" + "b" * 186 + ".org"}, ("email",)),
    "local-part-too-long": ({"email": "a" * 65 + "@example.org"}, ("email",)),
    "status-unknown": ({"email": "a@example.org", "status": "active"}, ("status",)),
    "password-short": ({"email": "a@example.org", "password": "short"}, ("password",)),
    "password-number": ({"email": "a@example.org", "password": 12345678}, ("password",)),
    "consented-string": ({"email": "a@example.org", "consented": "yes"}, ("consented",)),
    "verified-number": ({"email": "a@example.org", "emailVerified": 1}, ("emailVerified",)),
    "unknown-field": ({"email": "a@example.org", "phone": "555"}, ("phone",)),
    "several": (
        {"email": "nope", "status": "x", "password": "short"},
        ("email", "status", "password"),
    ),
}


@pytest.mark.parametrize(
    ("body", "fields"), list(INVALID_PARTICIPANTS.values()), ids=list(INVALID_PARTICIPANTS)
)
async def test_create_invalid_participant_is_400_naming_the_field(
    api: Api, redis: Redis, body: dict[str, Any], fields: tuple[str, ...]
) -> None:
    await api.create_study("study-a")
    response = await api.client.post(
        "/v3/studies/study-a/participants", json=body, headers=api.admin
    )
    errors = assert_invalid(response, *fields)
    for field in fields:
        assert field in " ".join(errors[field]), errors
    stored = [text(k) for k in await redis.keys("*")]
    assert [k for k in stored if "participant" in k or k.endswith(":account")] == []


async def test_create_participant_in_unknown_study_is_404(api: Api, redis: Redis) -> None:
    response = await api.client.post(
        "/v3/studies/study-b/participants", json={"email": "a@example.org"}, headers=api.admin
    )
    assert_not_found(response, "Study")
    assert [text(k) for k in await redis.keys("*")] in ([], [keys.OUTBOX])


async def test_get_participant(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_study("study-b")
    alice = await api.create_participant("study-a", "alice@example.org")
    response = await api.client.get(
        f"/v3/studies/study-a/participants/{alice['id']}", headers=api.admin
    )
    assert response.status_code == 200
    assert response.json() == alice
    unknown = await api.client.get("/v3/studies/study-a/participants/nobody", headers=api.admin)
    assert_not_found(unknown, "StudyParticipant")
    # A participant is only found through its own study.
    elsewhere = await api.client.get(
        f"/v3/studies/study-b/participants/{alice['id']}", headers=api.admin
    )
    assert_not_found(elsewhere, "StudyParticipant")
    no_study = await api.client.get(
        f"/v3/studies/study-c/participants/{alice['id']}", headers=api.admin
    )
    assert_not_found(no_study, "Study")


async def test_put_changes_status_and_consent(api: Api) -> None:
    await api.create_study("study-a")
    alice = await api.create_participant("study-a", "alice@example.org")
    token = await api.emailed_token("study-a", "alice@example.org")
    url = f"/v3/studies/study-a/participants/{alice['id']}"

    response = await api.client.put(
        url, json={"status": "disabled", "consented": True}, headers=api.admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {**alice, "status": "disabled", "consented": True}
    assert (await api.client.get(url, headers=api.admin)).json() == body
    # The change takes effect: a disabled participant cannot sign in.
    refused = await api.sign_in_with_token("study-a", "alice@example.org", token)
    assert_bridge_error(refused, 423, "AccountDisabledException")

    enabled = await api.client.put(url, json={"status": "enabled"}, headers=api.admin)
    assert enabled.status_code == 200
    assert enabled.json() == {**alice, "status": "enabled", "consented": True}
    session = await api.signed_in("study-a", "alice@example.org")
    assert session["consented"] is True


async def test_put_invalid_participant_is_400_and_changes_nothing(api: Api) -> None:
    await api.create_study("study-a")
    alice = await api.create_participant("study-a", "alice@example.org")
    url = f"/v3/studies/study-a/participants/{alice['id']}"
    response = await api.client.put(
        url, json={"status": "gone", "email": "nope"}, headers=api.admin
    )
    assert_invalid(response, "status", "email")
    assert (await api.client.get(url, headers=api.admin)).json() == alice


async def test_put_unknown_participant_is_404(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.put(
        "/v3/studies/study-a/participants/nobody", json={"consented": True}, headers=api.admin
    )
    assert_not_found(response, "StudyParticipant")


async def test_put_new_email_moves_the_account(api: Api) -> None:
    await api.create_study("study-a")
    alice = await api.create_participant("study-a", "alice@example.org", consented=True)
    old_token = await api.emailed_token("study-a", "alice@example.org")
    old_count = len(api.mailbox.to("alice@example.org"))
    url = f"/v3/studies/study-a/participants/{alice['id']}"

    response = await api.client.put(url, json={"email": "Alice.New@Example.org"}, headers=api.admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == alice["id"]
    assert body["email"] == "Alice.New@Example.org"
    assert body["emailVerified"] is False
    assert (await api.client.get(url, headers=api.admin)).json() == body

    # The old address: its outstanding token is dead and a new request sends nothing.
    dead = await api.sign_in_with_token("study-a", "alice@example.org", old_token)
    assert_bridge_error(dead, 404, "EntityNotFoundException")
    assert (await api.request_link("study-a", "alice@example.org")).status_code == 202
    # The new address: a link arrives and signs the same participant in.
    session = await api.signed_in("study-a", "Alice.New@Example.org")
    assert session["id"] == alice["id"]
    assert session["email"] == "Alice.New@Example.org"
    assert session["emailVerified"] is True
    # Emails go out in order, so the old address's one would have arrived by now.
    assert len(api.mailbox.to("alice@example.org")) == old_count
    # The old address is free for somebody else.
    newcomer = await api.create_participant("study-a", "alice@example.org")
    assert newcomer["id"] != alice["id"]


async def test_put_email_with_other_case_keeps_the_account(api: Api) -> None:
    await api.create_study("study-a")
    alice = await api.create_participant("study-a", "alice@example.org", emailVerified=True)
    url = f"/v3/studies/study-a/participants/{alice['id']}"
    response = await api.client.put(url, json={"email": "ALICE@example.org"}, headers=api.admin)
    assert response.status_code == 200, response.text
    assert response.json() == {**alice, "email": "ALICE@example.org"}
    token = await api.emailed_token("study-a", "ALICE@example.org")
    signed_in = await api.sign_in_with_token("study-a", "alice@example.org", token)
    assert signed_in.status_code == 412, signed_in.text
    assert signed_in.json()["id"] == alice["id"]


async def test_put_email_taken_by_another_participant_is_409(api: Api) -> None:
    await api.create_study("study-a")
    alice = await api.create_participant("study-a", "alice@example.org")
    bob = await api.create_participant("study-a", "bob@example.org")
    url = f"/v3/studies/study-a/participants/{alice['id']}"

    response = await api.client.put(
        url, json={"email": " BOB@example.org ", "status": "disabled"}, headers=api.admin
    )
    assert_bridge_error(response, 409, "EntityAlreadyExistsException")

    assert (await api.client.get(url, headers=api.admin)).json() == alice
    bob_now = await api.client.get(
        f"/v3/studies/study-a/participants/{bob['id']}", headers=api.admin
    )
    assert bob_now.json() == bob
    # Both addresses still sign in as their own participant.
    assert (await api.signed_in("study-a", "alice@example.org"))["id"] == alice["id"]
    assert (await api.signed_in("study-a", "bob@example.org"))["id"] == bob["id"]


async def test_delete_participant_ends_its_sessions(api: Api, redis: Redis) -> None:
    await api.create_study("study-a")
    alice = await api.create_participant("study-a", "alice@example.org", consented=True)
    bob = await api.create_participant("study-a", "bob@example.org", consented=True)
    session = await api.signed_in("study-a", "alice@example.org")
    bob_session = await api.signed_in("study-a", "bob@example.org")
    me = await session_self(api, session)
    assert me.status_code == 200
    assert me.json()["id"] == alice["id"]
    url = f"/v3/studies/study-a/participants/{alice['id']}"

    response = await api.client.delete(url, headers=api.admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Participant deleted.", "type": "StatusMessage"}

    assert_not_found(await api.client.get(url, headers=api.admin), "StudyParticipant")
    assert_bridge_error(await session_self(api, session), 401, "NotAuthenticatedException")
    assert_not_found(await api.client.delete(url, headers=api.admin), "StudyParticipant")
    # Bob is untouched.
    assert (await session_self(api, bob_session)).status_code == 200
    members = await redis.smembers(keys.study_participants("study-a"))
    assert members == {bob["id"]}
    # Re-creating the address makes a new participant; the old session stays dead.
    again = await api.create_participant("study-a", "alice@example.org")
    assert again["id"] != alice["id"]
    assert_bridge_error(await session_self(api, session), 401, "NotAuthenticatedException")


async def test_a_study_change_takes_effect_at_once_on_the_public_endpoints(api: Api) -> None:
    """The public endpoints cache studies briefly; a change made here is seen immediately."""
    await api.create_study("study-c")
    await api.create_participant("study-c", "cache@example.org", consented=True)
    assert (await api.request_link("study-c", "cache@example.org")).status_code == 202
    closed = await api.client.put(
        "/v3/studies/study-c",
        json={"name": "Study study-c", "emailSignInEnabled": False, "version": 1},
        headers=api.admin,
    )
    assert closed.status_code == 200
    refused = await api.request_link("study-c", "cache@example.org")
    assert refused.status_code == 404
    assert refused.json()["type"] == "EndpointNotFoundException"
    assert (await api.client.delete("/v3/studies/study-c", headers=api.admin)).status_code == 200
    gone = await api.request_link("study-c", "cache@example.org")
    assert gone.json()["entityClass"] == "Study"
