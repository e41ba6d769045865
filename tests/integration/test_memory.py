"""Redis memory per account, pending sign-in and session (MEMORY USAGE), kept small.

MEMORY USAGE is deterministic for a given server build and layout, so these are exact bounds on
the real server, not timings.
"""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from service.accounts.email_address import normalized
from service.auth.tokens import SESSION, SIGN_IN, SIGN_IN_CODE, new_code, new_token
from service.store import keys
from service.store.decoding import text_set
from service.store.sessions import session_key
from tests.support.api import Api

# Generous bounds: they catch a JSON blob with repeated field names, not a byte here or there.
MAX_ACCOUNT_BYTES = 512
MAX_SESSION_BYTES = 256
# Issue 16's target, measured as make bench does: what every key with the participant's tag
# holds more once a link and its code are pending. Two sorted sets of their own took 400.
MAX_PENDING_SIGN_IN_BYTES = 200


async def _tagged_bytes(redis: Redis, tag: str) -> int:
    """The sum of MEMORY USAGE over every key carrying the participant's hash tag."""
    pattern = "*" + "".join(f"\\{c}" if c in "\\*?[]" else c for c in tag) + "*"
    names = [name async for name in redis.scan_iter(match=pattern)]
    return sum([int(await redis.memory_usage(name, samples=0) or 0) for name in names])


async def _issue(api: Api, study: str, email: str) -> None:
    hasher = api.services.hasher
    issued = await api.services.accounts.issue_sign_in_token(
        study,
        normalized(email),
        hasher.for_storage(SIGN_IN, new_token()),
        hasher.for_storage(SIGN_IN_CODE, new_code()),
        900,
        emails_per_day=5,
    )
    assert issued not in ("none", "capped")


@pytest.mark.parametrize("redis", ["redis"], indirect=True)  # MEMORY USAGE needs a real server
async def test_a_pending_sign_in_adds_at_most_200_bytes(api: Api, redis: Redis) -> None:
    await api.create_study("study-a")
    emails = [f"memory.{n}@example.org" for n in range(3)]
    for email in emails:
        await api.create_participant("study-a", email, consented=True)
    tags = [keys.account_tag("study-a", normalized(email)) for email in emails]
    # The first email of the day also starts the day's count (mday, mn): in the figure too.
    before = await _tagged_bytes(redis, tags[0])
    await _issue(api, "study-a", emails[0])
    added = await _tagged_bytes(redis, tags[0]) - before
    print(f"a pending sign-in (link and code) adds {added} bytes")
    assert 0 < added <= MAX_PENDING_SIGN_IN_BYTES
    # The second and third pending sign-ins of an address cost no more each.
    for count in (2, 3):
        before = await _tagged_bytes(redis, tags[0])
        await _issue(api, "study-a", emails[0])
        assert await _tagged_bytes(redis, tags[0]) - before <= MAX_PENDING_SIGN_IN_BYTES, count


@pytest.mark.parametrize("redis", ["redis"], indirect=True)
async def test_memory_per_account_and_session(api: Api, redis: Redis) -> None:
    email = "memory.test@example.org"
    await api.create_study("study-a")
    await api.create_participant("study-a", email, consented=True)
    tag = keys.account_tag("study-a", normalized(email))
    account = await redis.memory_usage(keys.account(tag))
    session = await api.signed_in("study-a", email)
    token = session["sessionToken"]
    key = session_key(token, api.services.hasher.for_storage(SESSION, token))
    per_session = await redis.memory_usage(key)
    reauth = await redis.memory_usage(keys.reauth_tokens(tag))
    signed_in_account = await redis.memory_usage(keys.account(tag))
    print(
        f"bytes: account {account} ({signed_in_account} signed in, the used link gone), "
        f"session {per_session}, reauth set {reauth}"
    )
    assert account is not None
    assert account <= MAX_ACCOUNT_BYTES
    assert signed_in_account is not None
    assert signed_in_account <= MAX_ACCOUNT_BYTES
    assert per_session is not None
    assert per_session <= MAX_SESSION_BYTES
    # The used link and its code are gone from the account: nothing pending is left behind.
    fields = text_set(await redis.hkeys(keys.account(tag)))
    assert not [f for f in fields if f.startswith((keys.PENDING_LINK, keys.PENDING_CODE))]
