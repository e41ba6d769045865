"""The email sign-in path end to end: request a link, receive it by SMTP, trade the token."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from service.store import keys
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.contract import assert_invalid, assert_session_info

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

EMAIL = "Alice@Example.org"
ACCOUNT_NOT_FOUND = {
    "statusCode": 404,
    "entityClass": "Account",
    "message": "Account not found.",
    "type": "EntityNotFoundException",
}


async def test_link_email_signs_the_participant_in(api: Api) -> None:
    await api.create_study("study-a")
    participant = await api.create_participant("study-a", EMAIL, consented=True)

    response = await api.request_link("study-a", EMAIL)
    assert response.status_code == 202
    assert response.json() == {
        "message": (
            "If registered with the study, we'll send an email to that address so you can sign in."
        ),
        "type": "StatusMessage",
    }

    caught = await api.mailbox.wait_for(EMAIL)
    assert caught.message["Subject"] == "Your sign-in link for Study study-a"
    assert "https://signin.example.org/s/study-a?email=Alice%40Example.org&token=" in caught.text
    assert caught.html is not None  # the default template is HTML with a text alternative

    signed_in = await api.sign_in_with_token("study-a", EMAIL, caught.token)
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert_session_info(body)
    assert body["id"] == participant["id"]
    assert body["email"] == EMAIL
    assert body["emailVerified"] is True
    assert body["studyIds"] == ["study-a"]


async def test_the_study_may_be_named_app_id(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    response = await api.client.post("/v3/auth/email", json={"appId": "study-a", "email": EMAIL})
    assert response.status_code == 202
    token = (await api.mailbox.wait_for(EMAIL)).token
    signed_in = await api.client.post(
        "/v3/auth/email/signIn", json={"appId": "study-a", "email": EMAIL, "token": token}
    )
    assert signed_in.status_code == 200


@pytest.mark.parametrize("path", ["/v3/auth/email", "/v3/auth/signUp"])
async def test_a_study_of_another_type_beside_app_id_is_400_naming_it(api: Api, path: str) -> None:
    # appId wins when both are given, but a study that is not a string is still a mistake
    # (the fuzzer found it answered 201).
    await api.create_study("study-a")
    body = {"appId": "study-a", "study": {}, "email": EMAIL, "password": "a long password"}
    assert_invalid(await api.client.post(path, json=body), "study")


async def test_lookup_ignores_case_and_spaces_but_mails_the_address_as_written(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    response = await api.request_link("study-a", "  alice@EXAMPLE.ORG ")
    assert response.status_code == 202
    caught = await api.mailbox.wait_for(EMAIL)
    assert caught.recipients == [EMAIL]
    signed_in = await api.sign_in_with_token("study-a", "ALICE@example.org", caught.token)
    assert signed_in.status_code == 200


async def test_unknown_and_disabled_addresses_get_the_same_answer(api: Api, redis: Redis) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "off@example.org", status="disabled")
    known = await api.create_participant("study-a", EMAIL)
    assert known["status"] == "enabled"

    answers = [
        await api.request_link("study-a", address)
        for address in ("nobody@example.org", "off@example.org", EMAIL)
    ]
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    await api.mailbox.wait_for(EMAIL)
    await api.mailbox.wait_for("off@example.org")
    await api.outbox_drained()
    # Nobody without an account gets an email; a disabled participant does, as in Bridge.
    assert sorted(e.recipients[0] for e in api.mailbox.emails) == [EMAIL, "off@example.org"]


async def test_an_address_without_an_account_is_queued_only_where_the_script_cannot_see(
    api: Api, request: pytest.FixtureRequest
) -> None:
    """On one server the accepting script sees there is no account and queues nothing: the worker
    never hears of it. On a Cluster the account is in another slot: the job is queued and the
    worker drops it. Either way the answer is the same, no email goes out, and it is counted
    as dropped, once."""
    await api.create_study("study-a")
    redis = api.services.redis
    dropped = 'magiclink_emails_total{kind="sign-in",outcome="dropped"}'
    mailer = api.services.mailer
    mailer.wakeup.clear()
    assert (await api.request_link("study-a", "nobody@example.org")).status_code == 202
    cluster = request.node.callspec.params["redis"] == "cluster"
    # The worker is woken only when a job was queued.
    assert mailer.wakeup.is_set() is cluster
    if not cluster:
        assert await redis.xlen(keys.OUTBOX) == 0
    assert await api.counted(dropped) == 1
    await api.outbox_drained()
    assert await redis.xlen(keys.OUTBOX_NO_ACCOUNT) == 0  # keeps nothing
    assert await api.counted(dropped) == 1
    assert api.mailbox.emails == []


async def test_a_disabled_participant_s_link_says_why(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "off@example.org", status="disabled")
    token = await api.emailed_token("study-a", "off@example.org")
    # A wrong token says nothing about the account.
    wrong = await api.sign_in_with_token("study-a", "off@example.org", "x" * 40)
    assert wrong.status_code == 404
    tapped = await api.sign_in_with_token("study-a", "off@example.org", token)
    assert tapped.status_code == 423
    assert tapped.json() == {
        "statusCode": 423,
        "message": "Account disabled, please contact user support.",
        "type": "AccountDisabledException",
    }


async def test_a_token_as_people_type_it_signs_in(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL)
    token = await api.emailed_token("study-a", EMAIL)
    assert token.isalnum()  # nothing a person could mistake for the spaces and dashes taken out
    # Bridge strips [-\s] from a submitted token: pasted across lines, or grouped by dashes.
    typed = f" {token[:10]}-{token[10:20]}\n{token[20:30]} {token[30:]}\t"
    response = await api.sign_in_with_token("study-a", EMAIL, typed)
    assert response.status_code == 412


async def test_a_second_request_within_the_interval_is_429_for_any_address(api: Api) -> None:
    await api.create_study("study-a", emailSignInRequestIntervalSeconds=60)
    await api.create_participant("study-a", EMAIL)
    for address in (EMAIL, "nobody@example.org"):
        first = await api.request_link("study-a", address)
        assert first.status_code == 202
        second = await api.request_link("study-a", address.upper())
        assert second.status_code == 429
        assert 55 <= int(second.headers["Retry-After"]) <= 60
        body = second.json()
        assert body["statusCode"] == 429
        assert body["type"] == "RateLimitExceededException"
        assert body["message"]
    assert len(api.mailbox.to(EMAIL)) <= 1  # one email, not two


async def test_unknown_study_and_disabled_email_sign_in(api: Api) -> None:
    await api.create_study("closed", emailSignInEnabled=False)
    await api.create_participant("closed", EMAIL)
    for path, extra in (("/v3/auth/email", {}), ("/v3/auth/email/signIn", {"token": "x" * 32})):
        missing = await api.client.post(path, json={"study": "nope", "email": EMAIL, **extra})
        assert missing.status_code == 404
        assert missing.json() == {
            "statusCode": 404,
            "entityClass": "Study",
            "message": "Study not found.",
            "type": "EntityNotFoundException",
        }
        closed = await api.client.post(path, json={"study": "closed", "email": EMAIL, **extra})
        assert closed.status_code == 404
        assert closed.json()["type"] == "EndpointNotFoundException"


async def test_wrong_token_and_unknown_account_look_identical(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    real = await api.emailed_token("study-a", EMAIL)
    wrong = await api.sign_in_with_token(
        "study-a", EMAIL, real[:-1] + ("A" if real[-1] != "A" else "B")
    )
    unknown = await api.sign_in_with_token("study-a", "nobody@example.org", real)
    for response in (wrong, unknown):
        assert response.status_code == 404
        assert response.json() == ACCOUNT_NOT_FOUND
    # and the real token still works after the failed attempts
    assert (await api.sign_in_with_token("study-a", EMAIL, real)).status_code == 200


async def test_a_token_is_single_use_and_spends_all_outstanding_ones(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    first = await api.emailed_token("study-a", EMAIL)
    second = await api.emailed_token("study-a", EMAIL)
    assert first != second
    # an earlier unexpired token stays valid when a newer one is issued
    assert (await api.sign_in_with_token("study-a", EMAIL, first)).status_code == 200
    for token in (first, second):
        again = await api.sign_in_with_token("study-a", EMAIL, token)
        assert again.status_code == 404
        assert again.json() == ACCOUNT_NOT_FOUND


async def test_at_most_three_tokens_are_outstanding(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    tokens = [await api.emailed_token("study-a", EMAIL) for _ in range(4)]
    assert (await api.sign_in_with_token("study-a", EMAIL, tokens[0])).status_code == 404
    assert (await api.sign_in_with_token("study-a", EMAIL, tokens[1])).status_code == 200


async def test_concurrent_uses_of_one_token_give_exactly_one_session(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    token = await api.emailed_token("study-a", EMAIL)
    responses = await asyncio.gather(
        *(api.sign_in_with_token("study-a", EMAIL, token) for _ in range(12))
    )
    assert sorted(r.status_code for r in responses) == [200] + [404] * 11


async def test_an_expired_token_is_refused(api: Api) -> None:
    await api.create_study("study-a", emailSignInTokenTtlSeconds=1)
    await api.create_participant("study-a", EMAIL, consented=True)
    token = await api.emailed_token("study-a", EMAIL)
    await asyncio.sleep(1.2)
    expired = await api.sign_in_with_token("study-a", EMAIL, token)
    assert expired.status_code == 404
    assert expired.json() == ACCOUNT_NOT_FOUND


async def test_not_consented_is_412_with_a_live_session(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL)
    token = await api.emailed_token("study-a", EMAIL)
    response = await api.sign_in_with_token("study-a", EMAIL, token)
    assert response.status_code == 412
    body = response.json()
    assert_session_info(body)
    assert body["consented"] is False
    me = await api.client.get(
        "/v3/participants/self", headers={"Bridge-Session": body["sessionToken"]}
    )
    assert me.status_code == 200
    assert me.json()["email"] == EMAIL


async def test_a_disabled_participant_is_423(api: Api) -> None:
    await api.create_study("study-a")
    participant = await api.create_participant("study-a", EMAIL, consented=True)
    token = await api.emailed_token("study-a", EMAIL)
    disabled = await api.client.put(
        f"/v3/studies/study-a/participants/{participant['id']}",
        json={"status": "disabled"},
        headers=api.admin,
    )
    assert disabled.status_code == 200
    response = await api.sign_in_with_token("study-a", EMAIL, token)
    assert response.status_code == 423
    assert response.json()["type"] == "AccountDisabledException"


async def test_a_password_sent_with_the_token_becomes_the_password(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True)
    token = await api.emailed_token("study-a", EMAIL)
    response = await api.sign_in_with_token("study-a", EMAIL, token, password="correct horse")
    assert response.status_code == 200
    password_sign_in = await api.client.post(
        "/v3/auth/signIn", json={"study": "study-a", "email": EMAIL, "password": "correct horse"}
    )
    assert password_sign_in.status_code == 200
    assert_session_info(password_sign_in.json())


async def test_reauthentication_can_be_turned_off(api: Api) -> None:
    await api.create_study("study-a", reauthenticationEnabled=False)
    await api.create_participant("study-a", EMAIL, consented=True)
    token = await api.emailed_token("study-a", EMAIL)
    response = await api.sign_in_with_token("study-a", EMAIL, token)
    assert response.status_code == 200
    assert_session_info(response.json(), reauth=False)


async def _everything_in(redis: Redis) -> str:
    """Every key and value in Redis as one string, to search for leaked secrets."""
    parts: list[str] = []
    async for key in redis.scan_iter(count=1000):
        parts.append(key)
        kind = await redis.type(key)
        value: Any
        if kind == "string":
            value = await redis.get(key)
        elif kind == "hash":
            value = await redis.hgetall(key)
        elif kind == "zset":
            value = await redis.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = await redis.smembers(key)
        elif kind == "stream":
            value = await redis.xrange(key)
        else:
            pytest.fail(f"unexpected key type {kind!r} for {key!r}")
        parts.append(repr(value))
    return "\n".join(parts)


async def test_no_secret_is_stored_in_plain_text(api: Api, redis: Redis) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", EMAIL, consented=True, password="first password")
    pending = await api.emailed_token("study-a", EMAIL)  # delivered but unused
    await api.outbox_drained()
    stored = await _everything_in(redis)
    assert pending not in stored
    assert "first password" not in stored
    key_names = " ".join([key async for key in redis.scan_iter(count=1000)]).lower()
    assert "example.org" not in key_names  # key names (seen in MONITOR, slow logs) hide addresses

    session = await api.signed_in("study-a", EMAIL)
    await api.outbox_drained()
    stored = await _everything_in(redis)
    for secret in (session["sessionToken"], session["reauthToken"]):
        assert secret not in stored
