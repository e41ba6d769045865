"""Redis memory per pending sign-in and per session (MEMORY USAGE), kept small."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from service.accounts.email_address import normalized
from service.store import keys
from tests.support.api import Api

# Generous bounds: they catch a JSON blob with repeated field names, not a byte here or there.
MAX_ACCOUNT_BYTES = 512
MAX_PENDING_SIGN_IN_BYTES = 600  # the link's set and the code's set
MAX_SESSION_BYTES = 256


@pytest.mark.parametrize("redis", ["redis"], indirect=True)  # MEMORY USAGE needs a real server
async def test_memory_per_participant_pending_sign_in_and_session(api: Api, redis: Redis) -> None:
    email = "memory.test@example.org"
    await api.create_study("study-a")
    await api.create_participant("study-a", email, consented=True)
    tag = keys.account_tag("study-a", normalized(email))
    await api.emailed_token("study-a", email)  # one pending sign-in: a token and its code

    account = await redis.memory_usage(keys.account(tag))
    link = await redis.memory_usage(keys.sign_in_tokens(tag))
    code = await redis.memory_usage(keys.sign_in_codes(tag))
    assert link is not None
    assert code is not None
    pending = link + code
    session = await api.signed_in("study-a", email)
    session_keys = [key async for key in redis.scan_iter(match=keys.session("*"))]
    assert len(session_keys) == 1
    per_session = await redis.memory_usage(session_keys[0])
    reauth = await redis.memory_usage(keys.reauth_tokens(tag))
    print(
        f"bytes: account {account}, pending sign-in (token+code) {pending}, "
        f"session {per_session}, reauth set {reauth}"
    )
    assert session["sessionToken"]
    assert account is not None
    assert account <= MAX_ACCOUNT_BYTES
    assert pending is not None
    assert pending <= MAX_PENDING_SIGN_IN_BYTES
    assert per_session is not None
    assert per_session <= MAX_SESSION_BYTES
