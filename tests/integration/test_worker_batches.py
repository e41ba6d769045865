"""The worker handles a batch in a few round trips: an address without an account costs one
lookup in a pipeline and a share of one settlement, no token, no hashing, no script of its own.

On one Redis server such an address never reaches the worker (the accepting script sees there
is no account: test_email_sign_in.py); on a Cluster, or when the account was deleted after the
request, its job does, and is queued here as a Cluster's accept queues it.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from service.app import build_worker
from service.settings import Settings
from service.store import keys
from service.store.connection import RedisClient
from service.store.scripts import Scripts
from tests.support.api import Api, serving
from tests.support.mail import Mailbox
from tests.support.redis_server import RedisServer

UNKNOWN = 60


@pytest.fixture
async def api(settings: Settings, redis: RedisClient, mailbox: Mailbox) -> AsyncIterator[Api]:
    # No worker of its own: the test runs one batch itself, under MONITOR.
    settings = settings.replace(study_email_pace=None)
    async with serving(settings, redis, mailbox, run_worker=False) as api:
        yield api


@pytest.mark.parametrize("redis", ["redis"], indirect=True)  # MONITOR: a real server
async def test_unknown_addresses_cost_a_lookup_each_and_no_script_of_their_own(
    api: Api, redis: RedisClient, redis_server: RedisServer, mailbox: Mailbox
) -> None:
    await api.create_study("study-a")
    known = ["ann@example.org", "bob@example.org"]
    for address in known:
        await api.create_participant("study-a", address, consented=True)
    worker = build_worker(api.services)
    mailer = api.services.mailer
    # A first batch loads the scripts into the server (a first call of each is sent twice).
    await mailer.outbox.enqueue(mailer.sign_in_job("study-a", "warm-up@example.org"))
    await api.request_link("study-a", known[0])
    assert await worker.run_once() == 2
    mailbox.clear()
    for n in range(UNKNOWN):
        await mailer.outbox.enqueue(mailer.sign_in_job("study-a", f"nobody-{n}@example.org"))
    for address in known:
        assert (await api.request_link("study-a", address)).status_code == 202

    commands = await _monitored(redis_server, worker.run_once())

    scripts = Scripts(redis)
    by_script = Counter(sha for name, sha in commands if name == "EVALSHA")
    assert by_script[scripts.issue_sign_in_token.sha] == len(known)  # the known ones only
    assert by_script[scripts.settle_job.sha] == len(known)  # each email: its mark and count
    assert by_script[scripts.finish_jobs.sha] == 1  # every unknown address at once
    housekeeping = by_script[scripts.promote_due.sha]  # due retries: once a poll interval
    assert housekeeping <= 1
    assert sum(by_script.values()) == 2 * len(known) + 1 + housekeeping
    assert [name for name, _ in commands].count("EXISTS") == UNKNOWN + len(known)
    assert await redis.xlen(keys.OUTBOX) == 0  # all settled
    assert sorted(r for email in mailbox.emails for r in email.recipients) == known
    await worker.transport.close()


async def _monitored(server: RedisServer, work: Awaitable[int]) -> list[tuple[str, str]]:
    """The commands ``work`` made: each one's name and first argument."""
    monitor_client = Redis.from_url(server.url)
    marker = secrets.token_hex(8)
    seen: list[tuple[str, str]] = []
    try:
        async with monitor_client.monitor() as monitor:
            assert await work == UNKNOWN + 2
            await monitor_client.echo(marker)
            while True:
                command = (await monitor.next_command())["command"]
                if marker in command:
                    break
                name, _, rest = command.partition(" ")
                seen.append((name.upper(), rest.split(" ", 1)[0].strip('"')))
    finally:
        await monitor_client.aclose()
    return seen


@pytest.mark.parametrize("redis", ["redis"], indirect=True)
async def test_an_error_in_one_job_still_settles_the_emails_the_batch_sent(
    api: Api, redis: RedisClient, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.create_study("study-a")
    addresses = ["ann@example.org", "bob@example.org", "cat@example.org"]
    for address in addresses:
        await api.create_participant("study-a", address, consented=True)
        assert (await api.request_link("study-a", address)).status_code == 202
    mailbox.refuse["bob@example.org"] = "451 4.3.0 Try again later"
    outbox = api.services.mailer.outbox

    async def redis_gone(*args: object, **kwargs: object) -> bool:
        raise RedisConnectionError("the master went away")

    monkeypatch.setattr(outbox, "retry_later", redis_gone)  # bob's retry cannot be written
    worker = build_worker(api.services)
    with pytest.raises(RedisConnectionError):
        await worker.run_once()
    await worker.transport.close()

    assert sorted(r for email in mailbox.emails for r in email.recipients) == [
        "ann@example.org",
        "cat@example.org",
    ]
    for email in mailbox.emails:  # settled: marked as sent, gone from the stream
        assert await redis.exists(keys.sent(email.message["Message-ID"]))
    assert await redis.xlen(keys.OUTBOX) == 1  # bob's job, still pending: read again later
