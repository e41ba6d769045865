"""The short code in the sign-in email, typed into the app on another device."""

from __future__ import annotations

import asyncio

import pytest

from service.auth.tokens import SIGN_IN, SIGN_IN_CODE, new_code, new_token
from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text_set
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.contract import assert_session_info

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

EMAIL = "dana@example.org"


def _wrong(code: str) -> str:
    """A well-formed code that is not ``code``."""
    return ("3" if code[0] != "3" else "4") + code[1:]


async def _pending(api: Api, count: int = 1) -> tuple[str, str]:
    """Ask for a link; the (token, code) of the email that arrives."""
    response = await api.request_link("study-a", EMAIL)
    assert response.status_code == 202
    caught = await api.mailbox.wait_for(EMAIL, count=count)
    return caught.token, caught.code


async def test_the_typed_code_signs_in_once_in_any_case_or_grouping(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    token, code = await _pending(api)
    assert len(code) == 8
    typed = f"{code[:4].lower()}-{code[4:]}"  # as a person types it
    response = await api.sign_in_with_token("study-a", EMAIL, typed)
    assert response.status_code == 200, response.text
    assert_session_info(response.json())
    # The link of the same email is used up with its code, and the code with the link.
    assert (await api.sign_in_with_token("study-a", EMAIL, token)).status_code == 404
    assert (await api.sign_in_with_token("study-a", EMAIL, code)).status_code == 404


async def test_a_code_expires_with_its_token(api: Api) -> None:
    await api.create_study("study-a", emailSignInTokenTtlSeconds=1)
    await api.create_participant("study-a", EMAIL, consented=True)
    _, code = await _pending(api)
    await asyncio.sleep(1.2)
    assert (await api.sign_in_with_token("study-a", EMAIL, code)).status_code == 404


async def test_five_wrong_codes_burn_the_codes_but_never_the_link(api: Api) -> None:
    # The attack: ask for an email for the victim, then send five wrong codes. Before, the
    # victim's link died with the codes and code sign-in stayed blocked for 7 days.
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    token, code = await _pending(api)
    for _ in range(5):
        assert (await api.sign_in_with_token("study-a", EMAIL, _wrong(code))).status_code == 404
    # The fifth wrong guess burnt every pending code of the address (four do not: see the
    # next test)...
    assert (await api.sign_in_with_token("study-a", EMAIL, code)).status_code == 404
    # ...while the link (192 random bits, not guessable through codes) still signs in.
    assert (await api.sign_in_with_token("study-a", EMAIL, token)).status_code == 200


async def test_the_next_email_brings_a_code_with_fresh_guesses(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    _, code = await _pending(api)
    for _ in range(5):
        assert (await api.sign_in_with_token("study-a", EMAIL, _wrong(code))).status_code == 404
    # The count protected the burnt codes and went with them: a new email's code works.
    _, new_code = await _pending(api, count=2)
    for _ in range(4):
        assert (await api.sign_in_with_token("study-a", EMAIL, _wrong(new_code))).status_code == 404
    assert (await api.sign_in_with_token("study-a", EMAIL, new_code)).status_code == 200


async def test_four_wrong_codes_then_the_right_one(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    _, code = await _pending(api)
    for _ in range(4):
        assert (await api.sign_in_with_token("study-a", EMAIL, _wrong(code))).status_code == 404
    assert (await api.sign_in_with_token("study-a", EMAIL, code)).status_code == 200


async def test_concurrent_guesses_are_all_counted(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    _, code = await _pending(api)
    guesses = await asyncio.gather(
        *(api.sign_in_with_token("study-a", EMAIL, _wrong(code)) for _ in range(12))
    )
    assert {g.status_code for g in guesses} == {404}
    assert (await api.sign_in_with_token("study-a", EMAIL, code)).status_code == 404


async def test_guessing_for_an_unknown_address_looks_the_same(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.sign_in_with_token("study-a", "nobody@example.org", "K7M2QX9P")
    assert response.status_code == 404
    assert response.json()["entityClass"] == "Account"


async def test_wrong_codes_for_addresses_with_nothing_pending_write_nothing(
    api: Api, redis: RedisClient
) -> None:
    # The attack: one client sends wrong codes for many addresses. Before, each left a counter
    # key behind for 7 days (20,000 requests: 20,000 keys). With no code pending there is
    # nothing to guess against, and nothing is written; the client's failures are counted in
    # one budget of its own.
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    stats = api.services.study_stats
    await stats.flush()  # its in-memory counts may reach Redis while this runs: count them
    before = await _key_count(redis)
    # The participant's own address first, while the client may still guess.
    answers = [(await api.sign_in_with_token("study-a", EMAIL, "K7M2QX9P")).status_code]
    answers += [
        (
            await api.sign_in_with_token("study-a", f"made-up-{n}@example.org", "K7M2QX9P")
        ).status_code
        for n in range(60)
    ]
    assert answers[0] == 404
    assert set(answers) == {404, 429}  # the client's failure budget (50 in 10 min) ran out
    await stats.flush()
    # That budget's counters, one key, and the study's funnel of the day (its wrong codes).
    assert await _key_count(redis) - before <= 2
    assert await redis.exists(stats.key("study-a")) == 1


async def test_the_count_of_wrong_codes_lives_no_longer_than_the_codes(
    api: Api, redis: RedisClient
) -> None:
    await api.create_study("study-a", emailSignInTokenTtlSeconds=60)
    await api.create_participant("study-a", EMAIL, consented=True)
    _, code = await _pending(api)
    assert (await api.sign_in_with_token("study-a", EMAIL, _wrong(code))).status_code == 404
    account = keys.account(keys.account_tag("study-a", EMAIL))
    assert await redis.hget(account, keys.WRONG_CODES_FIELD) == "1"
    # A new code while one is pending continues the count...
    await _issue(api)
    assert (await api.sign_in_with_token("study-a", EMAIL, _wrong(code))).status_code == 404
    assert await redis.hget(account, keys.WRONG_CODES_FIELD) == "2"
    # ...one after they all expired (moved into the past here) starts it again.
    for field in text_set(await redis.hkeys(account)):
        if field.startswith(keys.PENDING_CODE):
            await redis.hset(account, field, 1)
    await _issue(api)
    assert await redis.hget(account, keys.WRONG_CODES_FIELD) is None
    # And a sign-in drops it with the codes it uses up.
    _, code = await _pending(api, count=2)
    assert (await api.sign_in_with_token("study-a", EMAIL, _wrong(code))).status_code == 404
    assert (await api.sign_in_with_token("study-a", EMAIL, code)).status_code == 200
    assert await redis.hget(account, keys.WRONG_CODES_FIELD) is None


async def _issue(api: Api) -> None:
    """A link and code for EMAIL, as the worker issues them (no email)."""
    hasher = api.services.hasher
    issued = await api.services.accounts.issue_sign_in_token(
        "study-a",
        EMAIL,
        hasher.for_storage(SIGN_IN, new_token()),
        hasher.for_storage(SIGN_IN_CODE, new_code()),
        60,
        emails_per_day=0,
    )
    assert issued not in ("none", "capped")


async def _key_count(redis: RedisClient) -> int:
    return int(await redis.dbsize())  # on a Cluster: the sum over every primary
