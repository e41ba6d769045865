"""Limits on sign-in attempts: failed sign-ins per client, password work per client and per
address, and the bound on password hashes running at once."""

from __future__ import annotations

import asyncio
from ipaddress import ip_network
from typing import Any

import httpx
import pytest

from service.settings import RateLimit, Settings
from tests.support.api import Api
from tests.support.contract import assert_bridge_error

EMAIL = "carol@example.org"
PASSWORD = "a long passphrase"


def _from(client: str) -> dict[str, str]:
    return {"X-Forwarded-For": client}  # believed: the tests trust 127.0.0.0/8 as a proxy


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(
        trusted_proxies=(ip_network("127.0.0.0/8"),),
        rate_limit_failed_sign_ins_per_ip=RateLimit(5, 60),
        rate_limit_passwords_per_ip=RateLimit(6, 60),
        rate_limit_passwords_per_address=RateLimit(4, 60),
    )


async def _post(api: Api, path: str, body: dict[str, Any], client: str) -> httpx.Response:
    return await api.client.post(path, json={"study": "study-a", **body}, headers=_from(client))


async def test_a_client_with_too_many_failed_sign_ins_is_refused_even_the_right_token(
    api: Api,
) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    token = await api.emailed_token("study-a", EMAIL)
    guess = {"email": EMAIL, "token": "not-the-token-" + "x" * 20}
    answers = [
        (await _post(api, "/v3/auth/email/signIn", guess, "198.51.100.7")).status_code
        for _ in range(7)
    ]
    assert answers == [404] * 5 + [429] * 2
    refused = await _post(
        api, "/v3/auth/email/signIn", {"email": EMAIL, "token": token}, "198.51.100.7"
    )
    body = assert_bridge_error(refused, 429, "RateLimitExceededException")
    assert "failed sign-ins" in body["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 120  # a sliding window: up to two
    # Another client is not held back, and the token was never used.
    allowed = await _post(
        api, "/v3/auth/email/signIn", {"email": EMAIL, "token": token}, "198.51.100.8"
    )
    assert allowed.status_code == 200


async def test_failed_reauth_and_password_sign_ins_count_too(api: Api) -> None:
    await api.create_study("study-a")
    client = "203.0.113.5"
    for _ in range(3):
        reauth = {"email": EMAIL, "reauthToken": "not-a-reauth-token"}
        assert (await _post(api, "/v3/auth/reauth", reauth, client)).status_code == 404
    for _ in range(2):
        wrong = {"email": EMAIL, "password": "wrong password"}
        assert (await _post(api, "/v3/auth/signIn", wrong, client)).status_code == 404
    wrong = {"email": EMAIL, "password": "wrong password"}
    refused = await _post(api, "/v3/auth/signIn", wrong, client)
    # Refused by the count of failures (5), which reauth filled too; not by a password budget.
    assert (
        "failed sign-ins"
        in assert_bridge_error(refused, 429, "RateLimitExceededException")["message"]
    )


async def test_password_attempts_per_address_are_limited_whoever_makes_them(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant(
        "study-a", EMAIL, password=PASSWORD, emailVerified=True, consented=True
    )
    # Four clients, one wrong password each: the address's budget is used up.
    for n in range(4):
        wrong = {"email": EMAIL, "password": "wrong password"}
        assert (await _post(api, "/v3/auth/signIn", wrong, f"192.0.2.{n}")).status_code == 404
    right = {"email": EMAIL, "password": PASSWORD}
    refused = await _post(api, "/v3/auth/signIn", right, "192.0.2.99")
    body = assert_bridge_error(refused, 429, "RateLimitExceededException")
    assert "link" in body["message"]  # the owner is told the way that still works
    # The owner can still sign in with an emailed link: no limit here touches it.
    assert (await api.signed_in("study-a", EMAIL))["sessionToken"]
    # Another address is not held back.
    other = {"email": "dave@example.org", "password": "wrong password"}
    assert (await _post(api, "/v3/auth/signIn", other, "192.0.2.99")).status_code == 404


async def test_sign_ups_use_the_client_s_password_budget(api: Api) -> None:
    await api.create_study("study-a")
    client = "198.51.100.20"
    answers = [
        (
            await _post(
                api, "/v3/auth/signUp", {"email": f"u{n}@example.org", "password": PASSWORD}, client
            )
        ).status_code
        for n in range(8)
    ]
    assert answers == [201] * 6 + [429] * 2
    # Nothing was created for the refused ones.
    assert await api.services.accounts.by_email("study-a", "u6@example.org") is None


class TestPasswordWorkIsBounded:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(
            rate_limit_failed_sign_ins_per_ip=None,
            rate_limit_passwords_per_ip=None,
            rate_limit_passwords_per_address=None,
            password_hash_concurrency=1,
        )

    async def test_excess_password_checks_are_answered_503_at_once(self, api: Api) -> None:
        await api.create_study("study-a")
        wrong = {"study": "study-a", "email": EMAIL, "password": "wrong password"}
        answers = await asyncio.gather(
            *(api.client.post("/v3/auth/signIn", json=wrong) for _ in range(20))
        )
        statuses = [answer.status_code for answer in answers]
        # One runs, four wait their turn (1 + 4 per slot); the rest are told to come back
        # (a few more get in if a check ends while the twenty are still arriving).
        assert set(statuses) == {404, 503}
        assert statuses.count(404) >= 5
        assert statuses.count(503) >= 10
        busy = next(answer for answer in answers if answer.status_code == 503)
        assert_bridge_error(busy, 503, "ServiceUnavailableException")
        assert busy.headers["Retry-After"] == "1"
        # Once they are done, checks are accepted again.
        assert (await api.client.post("/v3/auth/signIn", json=wrong)).status_code == 404

    async def test_a_link_sign_in_that_sets_a_password_is_never_turned_away(self, api: Api) -> None:
        # Its token is used before the hash: a 503 then would lose the participant's link.
        await api.create_study("study-a")
        await api.create_participant("study-a", EMAIL, consented=True)
        token = await api.emailed_token("study-a", EMAIL)
        wrong = {"study": "study-a", "email": "x@example.org", "password": "wrong password"}
        answers = await asyncio.gather(
            *(api.client.post("/v3/auth/signIn", json=wrong) for _ in range(20)),
            api.sign_in_with_token("study-a", EMAIL, token, password=PASSWORD),
        )
        assert 503 in {answer.status_code for answer in answers[:-1]}  # the pool was full
        assert answers[-1].status_code == 200
        right = {"study": "study-a", "email": EMAIL, "password": PASSWORD}
        assert (await api.client.post("/v3/auth/signIn", json=right)).status_code == 200
