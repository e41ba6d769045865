"""Where a pending sign-in is kept: fields of the account hash, and the layout before them.

The behaviour (single use, caps, expiry, wrong codes) is tested through the API in
test_email_sign_in.py and test_typed_code.py; these pin what the storage promises beside it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from service.auth.tokens import MAX_WRONG_CODES, SIGN_IN, SIGN_IN_CODE, new_code, new_token
from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text_dict
from service.store.limits import MAX_SIGN_IN_TOKENS
from tests.support.api import BACKENDS_WITH_CLUSTER, Api

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

STUDY = "study-a"
EMAIL = "erin@example.org"
TAG = keys.account_tag(STUDY, EMAIL)


@pytest.fixture
async def participant(api: Api) -> dict[str, Any]:
    """The study and its consented participant ``EMAIL``, as the API created them."""
    await api.create_study(STUDY)
    created: dict[str, Any] = await api.create_participant(STUDY, EMAIL, consented=True)
    return created


def _pending_fields(account: dict[str, str], prefix: str) -> dict[str, int]:
    return {f: int(v) for f, v in account.items() if f.startswith(prefix)}


async def _account(redis: RedisClient) -> dict[str, str]:
    return text_dict(await redis.hgetall(keys.account(TAG)))


async def _issue(api: Api, token: str, code: str, ttl_seconds: int = 600) -> None:
    hasher = api.services.hasher
    issued = await api.services.accounts.issue_sign_in_token(
        STUDY,
        EMAIL,
        hasher.for_storage(SIGN_IN, token),
        hasher.for_storage(SIGN_IN_CODE, code),
        ttl_seconds,
        emails_per_day=0,
    )
    assert issued not in ("none", "capped")


async def _legacy(api: Api, redis: RedisClient, token: str, code: str) -> None:
    """A link and code as the layout before this one kept them: sorted sets of whole hashes."""
    hasher = api.services.hasher
    expiry = int(time.time() * 1000) + 600_000
    await redis.zadd(keys.sign_in_tokens(TAG), {hasher.for_storage(SIGN_IN, token): expiry})
    await redis.zadd(keys.sign_in_codes(TAG), {hasher.for_storage(SIGN_IN_CODE, code): expiry})


@pytest.mark.usefixtures("participant")
async def test_a_link_and_its_code_are_two_fields_of_the_account(
    api: Api, redis: RedisClient
) -> None:
    token, code = new_token(), new_code()
    await _issue(api, token, code)
    account = await _account(redis)
    hasher = api.services.hasher
    link_field = keys.PENDING_LINK + hasher.for_storage(SIGN_IN, token)[: keys.PENDING_HASH_CHARS]
    code_field = keys.PENDING_CODE + hasher.for_storage(SIGN_IN_CODE, code)[:32]
    links = _pending_fields(account, keys.PENDING_LINK)
    codes = _pending_fields(account, keys.PENDING_CODE)
    assert list(links) == [link_field]
    assert list(codes) == [code_field]
    assert links[link_field] == codes[code_field] > time.time() * 1000  # they expire together
    # No key of its own, and neither the token nor the code in the clear.
    assert await redis.exists(keys.sign_in_tokens(TAG), keys.sign_in_codes(TAG)) == 0
    assert token not in repr(account)
    assert code not in repr(account)


@pytest.mark.usefixtures("participant")
async def test_issuing_drops_expired_fields_and_keeps_the_newest_few(
    api: Api, redis: RedisClient
) -> None:
    expired = int(time.time() * 1000) - 1
    stale = {keys.PENDING_LINK + "0" * 32: expired, keys.PENDING_CODE + "0" * 32: expired}
    for field, value in stale.items():
        await redis.hset(keys.account(TAG), field, value)
    pairs = [(new_token(), new_code()) for _ in range(MAX_SIGN_IN_TOKENS + 2)]
    for token, code in pairs:
        await _issue(api, token, code)
    account = await _account(redis)
    assert not set(stale) & set(account)
    assert len(_pending_fields(account, keys.PENDING_LINK)) == MAX_SIGN_IN_TOKENS
    assert len(_pending_fields(account, keys.PENDING_CODE)) == MAX_SIGN_IN_TOKENS
    assert (await api.sign_in_with_token(STUDY, EMAIL, pairs[1][0])).status_code == 404
    assert (await api.sign_in_with_token(STUDY, EMAIL, pairs[-1][1])).status_code == 200
    # Using one uses up every pending link and code.
    account = await _account(redis)
    assert not _pending_fields(account, keys.PENDING_LINK)
    assert not _pending_fields(account, keys.PENDING_CODE)


async def test_nothing_the_api_answers_shows_a_pending_hash(
    api: Api, redis: RedisClient, participant: dict[str, Any]
) -> None:
    token = new_token()
    await _issue(api, token, new_code())
    first = await api.sign_in_with_token(STUDY, EMAIL, token)
    assert first.status_code == 200
    await _issue(api, new_token(), new_code())  # pending while the account is read below
    fields = [f for f in await _account(redis) if f.startswith(keys.PENDING_LINK)]
    assert len(fields) == 1
    pending_hash = fields[0][len(keys.PENDING_LINK) :]
    # A reauthentication answers from the account the sign-in script read, as every sign-in.
    reauthenticated = await api.client.post(
        "/v3/auth/reauth",
        json={"study": STUDY, "email": EMAIL, "reauthToken": first.json()["reauthToken"]},
    )
    record = await api.client.get(
        f"/v3/studies/{STUDY}/participants/{participant['id']}", headers=api.admin
    )
    self_view = await api.client.get(
        "/v3/participants/self",
        headers={"Bridge-Session": reauthenticated.json()["sessionToken"]},
    )
    for answer in (reauthenticated, record, self_view):
        assert answer.status_code == 200, answer.text
        assert pending_hash not in answer.text
        assert '"' + keys.PENDING_LINK not in answer.text  # no such member


@pytest.mark.usefixtures("participant")
async def test_a_withdrawn_link_and_code_are_gone_and_not_counted(
    api: Api, redis: RedisClient
) -> None:
    kept, withdrawn = (new_token(), new_code()), (new_token(), new_code())
    hasher = api.services.hasher
    accounts = api.services.accounts
    for token, code in (kept, withdrawn):
        issued = await accounts.issue_sign_in_token(
            STUDY,
            EMAIL,
            hasher.for_storage(SIGN_IN, token),
            hasher.for_storage(SIGN_IN_CODE, code),
            600,
            emails_per_day=5,
        )
        assert issued not in ("none", "capped")
    await accounts.withdraw_sign_in_token(
        STUDY,
        EMAIL,
        hasher.for_storage(SIGN_IN, withdrawn[0]),
        hasher.for_storage(SIGN_IN_CODE, withdrawn[1]),
    )
    account = await _account(redis)
    assert len(_pending_fields(account, keys.PENDING_LINK)) == 1
    assert len(_pending_fields(account, keys.PENDING_CODE)) == 1
    assert account["mn"] == "1"  # the day's emails: only the one that goes out
    assert (await api.sign_in_with_token(STUDY, EMAIL, withdrawn[0])).status_code == 404
    assert (await api.sign_in_with_token(STUDY, EMAIL, kept[0])).status_code == 200


async def test_an_address_without_an_account_gets_no_key(api: Api, redis: RedisClient) -> None:
    await api.create_study(STUDY)
    hasher = api.services.hasher
    issued = await api.services.accounts.issue_sign_in_token(
        STUDY,
        EMAIL,
        hasher.for_storage(SIGN_IN, new_token()),
        hasher.for_storage(SIGN_IN_CODE, new_code()),
        600,
        emails_per_day=5,
    )
    assert issued == "none"
    assert await redis.exists(*keys.account_keys(TAG)) == 0


# The layout before this one: a link or code issued before the upgrade keeps working until it
# expires (one token TTL), and the first link issued after it takes them into the account.


@pytest.mark.usefixtures("participant")
async def test_a_link_issued_before_the_upgrade_still_signs_in(
    api: Api, redis: RedisClient
) -> None:
    token, code = new_token(), new_code()
    await _legacy(api, redis, token, code)
    assert (await api.sign_in_with_token(STUDY, EMAIL, token)).status_code == 200
    assert await redis.exists(keys.sign_in_tokens(TAG), keys.sign_in_codes(TAG)) == 0
    assert (await api.sign_in_with_token(STUDY, EMAIL, code)).status_code == 404


@pytest.mark.usefixtures("participant")
async def test_a_code_issued_before_the_upgrade_signs_in_and_is_counted_against(
    api: Api, redis: RedisClient
) -> None:
    token, code = new_token(), new_code()
    await _legacy(api, redis, token, code)
    wrong = ("3" if code[0] != "3" else "4") + code[1:]
    for _ in range(MAX_WRONG_CODES - 1):
        assert (await api.sign_in_with_token(STUDY, EMAIL, wrong)).status_code == 404
    assert (await _account(redis))[keys.WRONG_CODES_FIELD] == str(MAX_WRONG_CODES - 1)
    assert (await api.sign_in_with_token(STUDY, EMAIL, code)).status_code == 200
    assert await redis.exists(keys.sign_in_tokens(TAG)) == 0
    assert keys.WRONG_CODES_FIELD not in await _account(redis)
    assert (await api.sign_in_with_token(STUDY, EMAIL, token)).status_code == 404

    # Wrong guesses burn the codes of the earlier layout too, never its links.
    token, code = new_token(), new_code()
    await _legacy(api, redis, token, code)
    for _ in range(MAX_WRONG_CODES):
        assert (await api.sign_in_with_token(STUDY, EMAIL, wrong)).status_code == 404
    assert (await api.sign_in_with_token(STUDY, EMAIL, code)).status_code == 404
    assert (await api.sign_in_with_token(STUDY, EMAIL, token)).status_code == 200


@pytest.mark.usefixtures("participant")
async def test_issuing_takes_the_earlier_layout_into_the_account(
    api: Api, redis: RedisClient
) -> None:
    old = (new_token(), new_code())
    await _legacy(api, redis, *old)
    await _issue(api, new_token(), new_code())
    assert await redis.exists(keys.sign_in_tokens(TAG), keys.sign_in_codes(TAG)) == 0
    account = await _account(redis)
    assert len(_pending_fields(account, keys.PENDING_LINK)) == 2
    assert len(_pending_fields(account, keys.PENDING_CODE)) == 2
    # It counts against the cap, as the oldest.
    for _ in range(MAX_SIGN_IN_TOKENS - 1):
        await _issue(api, new_token(), new_code())
    assert (await api.sign_in_with_token(STUDY, EMAIL, old[0])).status_code == 404
