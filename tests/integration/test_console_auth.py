"""The console's session rules, through HTTP as a browser meets them: the sign-in form, the
cookie and its flags, CSRF tokens on every form and on the console's API calls, the idle
timeout, sign-out, revoked keys and the cap on failed sign-ins."""

from __future__ import annotations

import asyncio
import logging
import re

import httpx
import pytest
from redis.asyncio import Redis

from service.api.console import session as console_session
from service.api.console import sign_in_limit
from service.store.admin_keys import AdminKeyStore
from tests.support.api import ADMIN_KEY, SECRET_KEY, Api

COOKIE = "ml_console"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token in the page:\n{page.text[:2000]}"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, key: str = ADMIN_KEY) -> httpx.Response:
    form = await client.get("/console/sign-in")
    assert form.status_code == 200, form.text
    return await client.post(
        "/console/sign-in", data={"csrf": csrf_of(form), "key": key}, follow_redirects=False
    )


async def signed_in(client: httpx.AsyncClient, key: str = ADMIN_KEY) -> str:
    """Sign in; the CSRF token of the session's pages."""
    answer = await sign_in(client, key)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/studies"
    page = await client.get("/console/studies")
    assert page.status_code == 200, page.text
    return csrf_of(page)


def set_cookie_line(answer: httpx.Response, name: str = COOKIE) -> str:
    lines = [v for v in answer.headers.get_list("set-cookie") if v.startswith(f"{name}=")]
    assert len(lines) == 1, answer.headers.get_list("set-cookie")
    return lines[0]


async def test_without_a_session_every_page_leads_to_the_sign_in_form(api: Api) -> None:
    for path in ("/console", "/console/studies"):
        answer = await api.client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/console/sign-in"
    page = await api.client.get("/console/sign-in")
    assert page.status_code == 200
    assert '<label for="key">' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'nonce-" in csp
    assert "unsafe-inline'; img" not in csp.split("script-src")[1][:40]
    assert page.headers["cache-control"] == "no-store"


async def test_the_right_key_gives_a_strict_http_only_cookie_without_the_key(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = await sign_in(api.client)
    assert answer.status_code == 303, answer.text
    line = set_cookie_line(answer)
    flags = {part.strip().lower() for part in line.split(";")[1:]}
    assert "httponly" in flags
    assert "samesite=strict" in flags
    assert "path=/" in flags
    assert "secure" not in flags  # plain http: a Secure cookie would never come back
    value = line.split(";")[0].split("=", 1)[1]
    assert ADMIN_KEY not in value
    assert SECRET_KEY not in value
    assert ADMIN_KEY not in caplog.text
    assert "console: key 'MAGICLINK_ADMIN_KEY' signed in" in caplog.text
    assert (await api.client.get("/console/studies")).status_code == 200


async def test_the_cookie_is_secure_over_https(api: Api) -> None:
    transport = api.client._transport  # the same app
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        answer = await sign_in(client)
        assert answer.status_code == 303
        assert "secure" in set_cookie_line(answer).lower().split("; ")


async def test_a_forwarded_proto_from_an_untrusted_peer_is_not_believed(api: Api) -> None:
    form = await api.client.get("/console/sign-in")
    answer = await api.client.post(
        "/console/sign-in",
        data={"csrf": csrf_of(form), "key": ADMIN_KEY},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert answer.status_code == 303
    assert "secure" not in set_cookie_line(answer).lower().split("; ")


async def test_a_wrong_key_is_refused_and_gives_no_session(api: Api) -> None:
    answer = await sign_in(api.client, "not-the-key-0123456789")
    assert answer.status_code == 401
    assert "does not open the console" in answer.text
    assert 'aria-describedby="key-error"' in answer.text
    assert not [v for v in answer.headers.get_list("set-cookie") if v.startswith(f"{COOKIE}=")]
    assert (await api.client.get("/console/studies")).status_code == 303


async def test_a_sign_in_post_without_its_token_is_forbidden(api: Api) -> None:
    await api.client.get("/console/sign-in")
    answer = await api.client.post("/console/sign-in", data={"key": ADMIN_KEY})
    assert answer.status_code == 403
    assert COOKIE not in api.client.cookies


async def test_a_form_post_without_the_csrf_token_changes_nothing(api: Api) -> None:
    csrf = await signed_in(api.client)
    for data in (
        {"identifier": "no-token", "name": "X"},
        {"identifier": "no-token", "name": "X", "csrf": csrf[:-2] + "xx"},
    ):
        answer = await api.client.post("/console/studies", data=data)
        assert answer.status_code == 403, answer.text
        assert "Nothing was changed" in answer.text
    missing = await api.client.get("/v3/studies/no-token", headers=api.admin)
    assert missing.status_code == 404
    made = await api.client.post(
        "/console/studies", data={"identifier": "with-token", "name": "Y", "csrf": csrf}
    )
    assert made.status_code == 303, made.text
    assert (await api.client.get("/v3/studies/with-token", headers=api.admin)).status_code == 200


async def test_the_api_takes_the_session_only_with_its_csrf_header(api: Api) -> None:
    csrf = await signed_in(api.client)
    assert (await api.client.get("/v3/studies")).status_code == 401
    wrong = await api.client.get("/v3/studies", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 401
    right = await api.client.get("/v3/studies", headers={"X-CSRF-Token": csrf})
    assert right.status_code == 200, right.text


async def test_a_session_ends_after_the_idle_time_and_each_use_renews_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_session, "IDLE_SECONDS", 2)
    await signed_in(api.client)
    for _ in range(3):  # 3 s of use, each within the idle time of the one before
        await asyncio.sleep(1)
        assert (await api.client.get("/console/studies")).status_code == 200
    await asyncio.sleep(2.5)
    answer = await api.client.get("/console/studies")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in"


async def test_sign_out_ends_the_session_even_for_a_copy_of_the_cookie(api: Api) -> None:
    csrf = await signed_in(api.client)
    copied = api.client.cookies[COOKIE]
    out = await api.client.post("/console/sign-out", data={"csrf": csrf})
    assert out.status_code == 303
    assert out.headers["location"] == "/console/sign-in?signed-out=1"
    assert COOKIE not in api.client.cookies
    answer = await api.client.get("/console/studies", headers={"Cookie": f"{COOKIE}={copied}"})
    assert answer.status_code == 303
    api_call = await api.client.get(
        "/v3/studies", headers={"Cookie": f"{COOKIE}={copied}", "X-CSRF-Token": csrf}
    )
    assert api_call.status_code == 401


async def test_a_tampered_cookie_is_no_session(api: Api) -> None:
    await signed_in(api.client)
    value = api.client.cookies[COOKIE]
    api.client.cookies.clear()
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    assert (await api.client.get("/console/studies")).status_code == 303  # no cookie at all
    answer = await api.client.get("/console/studies", headers={"Cookie": f"{COOKIE}={forged}"})
    assert answer.status_code == 303


async def test_revoking_a_named_key_ends_its_sessions(
    api: Api, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    store = AdminKeyStore(redis)
    key = await store.create("ops")
    csrf = await signed_in(api.client, key)
    made = await api.client.post(
        "/console/studies", data={"identifier": "ops-study", "name": "Ops", "csrf": csrf}
    )
    assert made.status_code == 303
    assert "console: key 'ops' created study ops-study" in caplog.text
    assert key not in caplog.text
    await store.revoke("ops")
    assert (await api.client.get("/console/studies")).status_code == 303
    api_call = await api.client.get("/v3/studies", headers={"X-CSRF-Token": csrf})
    assert api_call.status_code == 401
    # A new key under the same name does not revive the old session.
    await store.create("ops")
    assert (await api.client.get("/console/studies")).status_code == 303


async def test_failed_sign_ins_are_capped_per_client(api: Api) -> None:
    for _ in range(sign_in_limit.MAX_FAILURES):
        assert (await sign_in(api.client, "wrong-key-0123456789")).status_code == 401
    refused = await sign_in(api.client)  # even the right key, until the window has room
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert COOKIE not in api.client.cookies
