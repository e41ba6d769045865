"""Bad input never gives a 500 and never stores anything: every answer is a Bridge-shaped 4xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from service.auth.passwords import verify_password
from service.store import keys
from service.store.decoding import text
from tests.support.api import Api
from tests.support.contract import assert_bridge_error

STUDY = "study-a"
EMAIL = "alice@example.org"
LONG_EMAIL = "a" * 60 + "@" + "b" * 190 + ".org"  # 255 characters
MAX_BODY = 64 * 1024

# Every public POST endpoint and the admin study creation, with a body each one accepts.
ENDPOINTS: dict[str, dict[str, Any]] = {
    "/v3/auth/email": {"study": STUDY, "email": EMAIL},
    "/v3/auth/email/signIn": {"study": STUDY, "email": EMAIL, "token": "x" * 32},
    "/v3/auth/signUp": {"study": STUDY, "email": EMAIL, "password": "long enough pw"},
    "/v3/auth/signIn": {"study": STUDY, "email": EMAIL, "password": "long enough pw"},
    "/v3/auth/reauth": {"study": STUDY, "email": EMAIL, "reauthToken": "x" * 32},
    "/v3/studies": {"identifier": "study-b", "name": "Study B"},
}
# What each endpoint answers to that body (a study-a exists, nobody has an account).
ACCEPTED = {
    "/v3/auth/email": 202,
    "/v3/auth/email/signIn": 404,
    "/v3/auth/signUp": 201,
    "/v3/auth/signIn": 404,
    "/v3/auth/reauth": 404,
    "/v3/studies": 201,
}
# The fields each endpoint requires, as named in ``errors``.
REQUIRED = {
    "/v3/auth/email": ("study", "email"),
    "/v3/auth/email/signIn": ("study", "email", "token"),
    "/v3/auth/signUp": ("study", "email", "password"),
    "/v3/auth/signIn": ("study", "email", "password"),
    "/v3/auth/reauth": ("study", "email", "reauthToken"),
    "/v3/studies": ("identifier", "name"),
}
PATHS = list(ENDPOINTS)

# Bodies that are not a usable JSON object, whatever the endpoint: (content, content type, type).
UNPARSABLE = "BadRequestException"
NOT_OBJECT = "InvalidEntityException"
RAW_BODIES: dict[str, tuple[bytes, str, str]] = {
    "malformed-json": (b'{"study": "study-a", "email": ', "application/json", UNPARSABLE),
    "unclosed-brace": (b"{", "application/json", UNPARSABLE),
    "trailing-garbage": (b'{"study": "study-a"} }', "application/json", UNPARSABLE),
    "two-objects": (b"{} {}", "application/json", UNPARSABLE),
    "single-quotes": (b"{'study': 'study-a'}", "application/json", UNPARSABLE),
    "trailing-comma": (b'{"study": "study-a",}', "application/json", UNPARSABLE),
    "nan": (b'{"study": NaN}', "application/json", UNPARSABLE),
    "infinity": (b'{"study": -Infinity}', "application/json", UNPARSABLE),
    "huge-integer": (b'{"study": 1' + b"0" * 5000 + b"}", "application/json", UNPARSABLE),
    "deep-nesting": (b"[" * 20000 + b"]" * 20000, "application/json", UNPARSABLE),
    "empty": (b"", "application/json", UNPARSABLE),
    "whitespace": (b" \r\n\t ", "application/json", UNPARSABLE),
    "array": (b"[]", "application/json", NOT_OBJECT),
    "array-of-object": (b'[{"study": "study-a"}]', "application/json", NOT_OBJECT),
    "string": (b'"study-a"', "application/json", NOT_OBJECT),
    "number": (b"42", "application/json", NOT_OBJECT),
    "null": (b"null", "application/json", NOT_OBJECT),
    "true": (b"true", "application/json", NOT_OBJECT),
    "text-plain": (b"study=study-a&email=alice@example.org", "text/plain", UNPARSABLE),
    "form-encoded": (
        b"study=study-a&email=alice%40example.org",
        "application/x-www-form-urlencoded",
        UNPARSABLE,
    ),
    "invalid-utf8": (
        b'{"study": "study-a", "email": "\xff\xfe@x.org"}',
        "application/json",
        UNPARSABLE,
    ),
    "latin-1": (
        '{"study": "study-a", "email": "jos\xe9@example.org"}'.encode("latin-1"),
        "application/json",
        UNPARSABLE,
    ),
    "utf-16": (
        json.dumps({"study": STUDY, "email": EMAIL}).encode("utf-16"),
        "application/json",
        UNPARSABLE,
    ),
    "nul-byte": (b"\x00", "application/json", UNPARSABLE),
}

# Field problems: (endpoint, fields over its accepted body, the fields named in ``errors``).
DROP = object()
FIELD_CASES: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {}
for _path in PATHS[:5]:
    _name = _path.removeprefix("/v3/auth/")
    FIELD_CASES |= {
        f"{_name}-email-number": (_path, {"email": 12345}, ("email",)),
        f"{_name}-email-list": (_path, {"email": [EMAIL]}, ("email",)),
        f"{_name}-email-object": (_path, {"email": {"address": EMAIL}}, ("email",)),
        f"{_name}-email-not-address": (_path, {"email": "alice"}, ("email",)),
        f"{_name}-email-too-long": (_path, {"email": LONG_EMAIL}, ("email",)),
        f"{_name}-study-list": (_path, {"study": [STUDY]}, ("study",)),
        f"{_name}-study-number": (_path, {"study": 7}, ("study",)),
        f"{_name}-study-blank": (_path, {"study": " "}, ("study",)),
        f"{_name}-missing-email": (_path, {"email": DROP}, ("email",)),
        f"{_name}-missing-study": (_path, {"study": DROP}, ("study",)),
        f"{_name}-empty-object": (_path, {k: DROP for k in ENDPOINTS[_path]}, REQUIRED[_path]),
        f"{_name}-all-null": (_path, dict.fromkeys(ENDPOINTS[_path]), REQUIRED[_path]),
    }
FIELD_CASES |= {
    "email/signIn-token-number": ("/v3/auth/email/signIn", {"token": 123}, ("token",)),
    "email/signIn-token-empty": ("/v3/auth/email/signIn", {"token": ""}, ("token",)),
    "email/signIn-token-too-long": ("/v3/auth/email/signIn", {"token": "x" * 513}, ("token",)),
    "email/signIn-password-short": ("/v3/auth/email/signIn", {"password": "short"}, ("password",)),
    "signUp-password-short": ("/v3/auth/signUp", {"password": "short"}, ("password",)),
    "signUp-password-number": ("/v3/auth/signUp", {"password": 12345678}, ("password",)),
    "signUp-password-too-long": ("/v3/auth/signUp", {"password": "p" * 1025}, ("password",)),
    "signIn-password-list": ("/v3/auth/signIn", {"password": ["x" * 10]}, ("password",)),
    "signIn-password-empty": ("/v3/auth/signIn", {"password": ""}, ("password",)),
    "reauth-token-object": ("/v3/auth/reauth", {"reauthToken": {}}, ("reauthToken",)),
    "studies-identifier-number": ("/v3/studies", {"identifier": 12}, ("identifier",)),
    "studies-identifier-bad": ("/v3/studies", {"identifier": "Study B!"}, ("identifier",)),
    "studies-name-list": ("/v3/studies", {"name": ["Study B"]}, ("name",)),
    "studies-name-multiline": ("/v3/studies", {"name": "Study\r\nBcc: x@y.org"}, ("name",)),
    "studies-support-email-number": ("/v3/studies", {"supportEmail": 5}, ("supportEmail",)),
    "studies-support-email-too-long": (
        "/v3/studies",
        {"supportEmail": LONG_EMAIL},
        ("supportEmail",),
    ),
    "studies-flag-string": ("/v3/studies", {"emailSignInEnabled": "true"}, ("emailSignInEnabled",)),
    "studies-ttl-string": (
        "/v3/studies",
        {"emailSignInTokenTtlSeconds": "60"},
        ("emailSignInTokenTtlSeconds",),
    ),
    "studies-ttl-float": (
        "/v3/studies",
        {"emailSignInTokenTtlSeconds": 3600.5},
        ("emailSignInTokenTtlSeconds",),
    ),
    "studies-template-list": ("/v3/studies", {"emailSignInTemplate": []}, ("emailSignInTemplate",)),
    "studies-missing-name": ("/v3/studies", {"name": DROP}, ("name",)),
    "studies-missing-identifier": ("/v3/studies", {"identifier": DROP}, ("identifier",)),
    "studies-empty-object": (
        "/v3/studies",
        {"identifier": DROP, "name": DROP},
        REQUIRED["/v3/studies"],
    ),
    "studies-unknown-field": ("/v3/studies", {"email": EMAIL}, ("email",)),
}

# Strings that JSON can carry but UTF-8 cannot: a lone surrogate, written as an escape.
SURROGATE = "\ud800"
SURROGATE_CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "email-in-email-request": ("/v3/auth/email", {"email": f"{SURROGATE}@example.org"}, "email"),
    "email-in-signUp": ("/v3/auth/signUp", {"email": f"{SURROGATE}@example.org"}, "email"),
    "password-in-signUp": ("/v3/auth/signUp", {"password": SURROGATE * 8}, "password"),
    "password-in-signIn": ("/v3/auth/signIn", {"password": SURROGATE * 8}, "password"),
    "token-in-email-signIn": ("/v3/auth/email/signIn", {"token": SURROGATE}, "token"),
    "reauthToken-in-reauth": ("/v3/auth/reauth", {"reauthToken": SURROGATE}, "reauthToken"),
    "name-in-study": ("/v3/studies", {"name": f"Study {SURROGATE}"}, "name"),
    # A key cannot be echoed as it is (it does not encode); the error names it escaped.
    "unknown-field-in-study": ("/v3/studies", {SURROGATE: 1}, "\\ud800"),
}


def headers_for(api: Api, path: str, content_type: str = "application/json") -> dict[str, str]:
    headers = {"Content-Type": content_type}
    if path == "/v3/studies":
        headers |= api.admin
    return headers


def with_fields(path: str, fields: dict[str, Any]) -> dict[str, Any]:
    body = {**ENDPOINTS[path], **fields}
    return {k: v for k, v in body.items() if v is not DROP}


async def stored_keys(redis: Redis) -> set[str]:
    """Every key but the outbox stream, which the delivery worker makes when it starts."""
    return {text(key) for key in await redis.keys("*")} - {keys.OUTBOX}


@pytest.fixture
async def baseline(api: Api, redis: Redis) -> set[str]:
    """study-a exists (so a request that got past validation could act); its keys."""
    await api.create_study(STUDY)
    return await stored_keys(redis)


@pytest.mark.parametrize("path", PATHS)
async def test_the_reference_bodies_are_accepted(api: Api, baseline: set[str], path: str) -> None:
    """The bodies the bad inputs are made from pass validation, so each case tests one thing."""
    response = await api.client.post(path, json=ENDPOINTS[path], headers=headers_for(api, path))
    assert response.status_code == ACCEPTED[path], response.text


@pytest.mark.parametrize(
    ("content", "content_type", "type_name"), list(RAW_BODIES.values()), ids=list(RAW_BODIES)
)
@pytest.mark.parametrize("path", PATHS)
async def test_unusable_body_is_400_and_stores_nothing(
    api: Api,
    redis: Redis,
    baseline: set[str],
    path: str,
    content: bytes,
    content_type: str,
    type_name: str,
) -> None:
    response = await api.client.post(
        path, content=content, headers=headers_for(api, path, content_type)
    )
    body = assert_bridge_error(response, 400, type_name)
    if type_name == NOT_OBJECT:
        assert "JSON object" in " ".join(body["errors"][""])
    else:
        assert "errors" not in body
    assert await stored_keys(redis) == baseline


@pytest.mark.parametrize(
    ("path", "fields", "named"), list(FIELD_CASES.values()), ids=list(FIELD_CASES)
)
async def test_field_problem_is_400_naming_the_field_and_stores_nothing(
    api: Api,
    redis: Redis,
    baseline: set[str],
    path: str,
    fields: dict[str, Any],
    named: tuple[str, ...],
) -> None:
    response = await api.client.post(
        path, json=with_fields(path, fields), headers=headers_for(api, path)
    )
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert set(body["errors"]) == set(named), body
    for field in named:
        assert field in " ".join(body["errors"][field]), body
        assert field in body["message"]
    assert await stored_keys(redis) == baseline


@pytest.mark.parametrize("path", PATHS)
async def test_address_over_254_characters_is_400_saying_so(
    api: Api, redis: Redis, baseline: set[str], path: str
) -> None:
    field = "supportEmail" if path == "/v3/studies" else "email"
    response = await api.client.post(
        path, json=with_fields(path, {field: LONG_EMAIL}), headers=headers_for(api, path)
    )
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert set(body["errors"]) == {field}
    assert f"{field} must be at most 254 characters" in body["errors"][field]
    assert await stored_keys(redis) == baseline


async def test_long_support_email_is_reported_once(api: Api) -> None:
    response = await api.client.post(
        "/v3/studies",
        json={"identifier": "study-b", "name": "B", "supportEmail": LONG_EMAIL},
        headers=api.admin,
    )
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert body["errors"] == {"supportEmail": ["supportEmail must be at most 254 characters"]}


@pytest.mark.parametrize(
    ("path", "fields", "field"), list(SURROGATE_CASES.values()), ids=list(SURROGATE_CASES)
)
async def test_lone_surrogate_is_400_and_stores_nothing(
    api: Api, redis: Redis, baseline: set[str], path: str, fields: dict[str, Any], field: str
) -> None:
    # json.dumps writes the surrogate as the escape \ud800, as a client's JSON library would.
    content = json.dumps(with_fields(path, fields)).encode()
    assert b"\\ud800" in content
    response = await api.client.post(path, content=content, headers=headers_for(api, path))
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert field in body["errors"]
    assert await stored_keys(redis) == baseline


@pytest.mark.parametrize(
    "address",
    ["a\x00b@example.org", "a\x01b@example.org", "a\x7fb@example.org", "a,b@example.org"],
    ids=["nul", "soh", "del", "comma"],
)
async def test_address_with_forbidden_characters_is_400_and_stores_nothing(
    api: Api, redis: Redis, baseline: set[str], address: str
) -> None:
    body = {"study": STUDY, "email": address, "password": "long enough pw"}
    response = await api.client.post("/v3/auth/signUp", json=body)
    error = assert_bridge_error(response, 400, "InvalidEntityException")
    assert set(error["errors"]) == {"email"}
    assert await stored_keys(redis) == baseline


async def test_many_bad_requests_leave_only_what_the_test_created(api: Api, redis: Redis) -> None:
    """All the bad inputs in a row, then the whole keyspace: only study-a's keys are there."""
    await api.create_study(STUDY)
    for path in PATHS:
        for content, content_type, _ in RAW_BODIES.values():
            response = await api.client.post(
                path, content=content, headers=headers_for(api, path, content_type)
            )
            assert response.status_code == 400, (path, content[:40], response.text)
    for path, fields, _ in FIELD_CASES.values():
        response = await api.client.post(
            path, json=with_fields(path, fields), headers=headers_for(api, path)
        )
        assert response.status_code == 400, (path, fields, response.text)
    assert await stored_keys(redis) == {keys.STUDIES, keys.STUDIES_VERSION, keys.study(STUDY)}
    listing = await api.client.get("/v3/studies", headers=api.admin)
    assert [s["identifier"] for s in listing.json()["items"]] == [STUDY]


# --------------------------------------------------------------------------- body size


def padded(path: str, size: int) -> bytes:
    """The endpoint's accepted body, padded with spaces to exactly ``size`` bytes."""
    content = json.dumps(ENDPOINTS[path]).encode()
    assert len(content) <= size
    return content[:-1] + b" " * (size - len(content)) + b"}"


async def chunks(content: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


@pytest.mark.parametrize("path", PATHS)
async def test_body_over_64_kib_is_413(
    api: Api, redis: Redis, baseline: set[str], path: str
) -> None:
    content = padded(path, MAX_BODY + 1)
    response = await api.client.post(path, content=content, headers=headers_for(api, path))
    assert response.request.headers["content-length"] == str(MAX_BODY + 1)
    assert_bridge_error(response, 413, "PayloadTooLargeException")
    assert await stored_keys(redis) == baseline


@pytest.mark.parametrize("path", PATHS)
async def test_streamed_body_over_64_kib_is_413(
    api: Api, redis: Redis, baseline: set[str], path: str
) -> None:
    content = padded(path, 200 * 1024)
    response = await api.client.post(path, content=chunks(content), headers=headers_for(api, path))
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_bridge_error(response, 413, "PayloadTooLargeException")
    assert await stored_keys(redis) == baseline


@pytest.mark.parametrize("streamed", [False, True], ids=["with-length", "streamed"])
@pytest.mark.parametrize("path", PATHS)
async def test_body_of_exactly_64_kib_is_read(
    api: Api, baseline: set[str], path: str, streamed: bool
) -> None:
    content = padded(path, MAX_BODY)
    response = await api.client.post(
        path, content=chunks(content) if streamed else content, headers=headers_for(api, path)
    )
    assert response.status_code == ACCEPTED[path], response.text


async def test_admin_key_is_checked_before_the_body(api: Api) -> None:
    """Without the key, the admin API answers 401 even to an oversized body."""
    response = await api.client.post("/v3/studies", content=padded("/v3/studies", MAX_BODY + 1))
    assert_bridge_error(response, 401, "NotAuthenticatedException")


# --------------------------------------------------------------------------- routing


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v3/nothing-here"),
        ("POST", "/v3/auth/emails"),
        ("POST", "/v3/auth/email/signIn/extra"),
        ("GET", "/v3/studies/study-a/participants/x/y"),
    ],
)
async def test_unknown_route_is_404_json(api: Api, method: str, path: str) -> None:
    response = await api.client.request(method, path)
    body = assert_bridge_error(response, 404, "EndpointNotFoundException")
    assert set(body) == {"statusCode", "message", "type"}
    assert path in body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v3/auth/email"),
        ("PUT", "/v3/auth/signUp"),
        ("DELETE", "/v3/auth/signIn"),
        ("GET", "/v3/auth/reauth"),
        ("GET", "/v3/auth/email/signIn"),
        ("POST", "/v3/participants/self"),
        ("POST", "/health"),
        ("DELETE", "/v3/studies/study-a/participants"),
    ],
)
async def test_wrong_method_is_405_json(api: Api, method: str, path: str) -> None:
    response = await api.client.request(method, path)
    body = assert_bridge_error(response, 405, "MethodNotAllowedException")
    assert set(body) == {"statusCode", "message", "type"}
    assert method in body["message"]
    assert "allow" in response.headers


async def test_405_allow_header_lists_every_method_of_the_path(api: Api) -> None:
    response = await api.client.put("/v3/studies", headers=api.admin)
    assert_bridge_error(response, 405, "MethodNotAllowedException")
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed


# --------------------------------------------------------------------------- sign-up


async def test_sign_up_new_address_is_201(api: Api) -> None:
    await api.create_study(STUDY)
    response = await api.client.post("/v3/auth/signUp", json=ENDPOINTS["/v3/auth/signUp"])
    assert response.status_code == 201, response.text
    assert response.json() == {"message": "Signed up.", "type": "StatusMessage"}


@pytest.mark.parametrize("address", [EMAIL, "ALICE@example.org", f"  {EMAIL} "])
async def test_sign_up_existing_address_is_201_and_keeps_the_password(
    api: Api, address: str
) -> None:
    await api.create_study(STUDY)
    alice = await api.create_participant(
        STUDY, EMAIL, password="the original pw", emailVerified=True, consented=True
    )
    new = await api.client.post(
        "/v3/auth/signUp", json={"study": STUDY, "email": EMAIL, "password": "other password"}
    )
    again = await api.client.post(
        "/v3/auth/signUp",
        json={"study": STUDY, "email": address, "password": "an attacker's pw"},
    )
    # The same answer as for a new address: sign-up does not tell who has an account.
    for response in (new, again):
        assert response.status_code == 201, response.text
        assert response.json() == {"message": "Signed up.", "type": "StatusMessage"}

    original = await api.client.post(
        "/v3/auth/signIn", json={"study": STUDY, "email": EMAIL, "password": "the original pw"}
    )
    assert original.status_code == 200, original.text
    assert original.json()["id"] == alice["id"]
    for password in ("other password", "an attacker's pw"):
        refused = await api.client.post(
            "/v3/auth/signIn", json={"study": STUDY, "email": EMAIL, "password": password}
        )
        assert_bridge_error(refused, 404, "EntityNotFoundException")
    stored = await api.client.get(
        f"/v3/studies/{STUDY}/participants/{alice['id']}", headers=api.admin
    )
    # Unchanged but for the one sign-in with the original password.
    assert stored.json() == {
        **alice,
        "signInCount": 1,
        "lastSignInOn": stored.json()["lastSignInOn"],
    }
    assert stored.json()["lastSignInOn"] is not None


async def test_second_sign_up_does_not_replace_the_first_password(api: Api) -> None:
    await api.create_study(STUDY)
    first = {"study": STUDY, "email": EMAIL, "password": "first password"}
    second = {**first, "password": "second password"}
    for body in (first, second):
        response = await api.client.post("/v3/auth/signUp", json=body)
        assert response.status_code == 201, response.text
        assert response.json() == {"message": "Signed up.", "type": "StatusMessage"}
    stored = await api.services.accounts.by_email(STUDY, EMAIL)
    assert stored is not None
    assert stored.password_unproven  # nobody has proven the address: it signs nobody in
    assert verify_password("first password", stored.password_hash)
    assert not verify_password("second password", stored.password_hash)
    for body in (first, second):
        refused = await api.client.post("/v3/auth/signIn", json=body)
        assert_bridge_error(refused, 404, "EntityNotFoundException")


async def test_sign_up_in_unknown_study_is_404_and_stores_nothing(api: Api, redis: Redis) -> None:
    response = await api.client.post("/v3/auth/signUp", json=ENDPOINTS["/v3/auth/signUp"])
    body = assert_bridge_error(response, 404, "EntityNotFoundException")
    assert body["entityClass"] == "Study"
    assert await stored_keys(redis) == set()
