"""Delivery through a real SMTP server that goes away, refuses, or defers."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis

from service.api.application import create_app
from service.app import Services, build_worker
from service.settings import Settings
from service.settings import SmtpServer as SmtpSettings
from service.store.connection import RedisClient
from service.store.outbox import Outbox
from service.store.scripts import Scripts
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.mail import Mailbox, SmtpServer
from tests.support.ports import free_port

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)


@pytest.fixture
def flaky_smtp() -> Iterator[SmtpServer]:
    """An SMTP server of the test's own, not started: the test decides when it is up."""
    server = SmtpServer(free_port())
    yield server
    if server.running:
        server.stop()


@pytest.fixture
def settings(settings: Settings, flaky_smtp: SmtpServer) -> Settings:
    return settings.replace(smtp=SmtpSettings("127.0.0.1", flaky_smtp.port, "none"), max_attempts=4)


@pytest.fixture
def mailbox(flaky_smtp: SmtpServer) -> Mailbox:
    return flaky_smtp.mailbox


def _outbox(redis: Redis) -> Outbox:
    return Outbox(redis, Scripts(redis))


async def _until(condition_name: str, check: object, within: float = 10.0) -> None:
    assert callable(check)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within} s: {condition_name}")


async def test_every_email_accepted_while_smtp_is_down_arrives_once(
    api: Api, redis: Redis, flaky_smtp: SmtpServer
) -> None:
    await api.create_study("study-a")
    addresses = [f"p{i}@example.org" for i in range(6)]
    for address in addresses:
        await api.create_participant("study-a", address, consented=True)
        assert (await api.request_link("study-a", address)).status_code == 202

    async def retrying() -> bool:
        status = await _outbox(redis).status()
        return status.delayed == len(addresses)

    await _until("every email waits for a retry", retrying)
    await asyncio.sleep(0.5)  # a few more failed tries while the server is down
    assert api.mailbox.emails == []

    flaky_smtp.start()

    async def delivered() -> bool:
        return len(api.mailbox.emails) == len(addresses)

    await _until("every email arrived", delivered)
    await asyncio.sleep(1.0)  # time for any duplicate to show up
    received = Counter(r for e in api.mailbox.emails for r in e.recipients)
    assert received == Counter(addresses)
    message_ids = [e.message["Message-ID"] for e in api.mailbox.emails]
    assert len(set(message_ids)) == len(addresses)
    status = await _outbox(redis).status()
    assert (status.queued, status.delayed, status.dead) == (0, 0, 0)
    for caught in api.mailbox.emails:
        address = caught.recipients[0]
        signed_in = await api.sign_in_with_token("study-a", address, caught.token)
        assert signed_in.status_code == 200


async def test_a_permanent_refusal_is_a_dead_letter_that_can_be_retried(
    api: Api, redis: Redis, flaky_smtp: SmtpServer
) -> None:
    flaky_smtp.start()
    await api.create_study("study-a")
    await api.create_participant("study-a", "gone@example.org", consented=True)
    await api.create_participant("study-a", "here@example.org", consented=True)
    api.mailbox.refuse["gone@example.org"] = "550 5.1.1 No such user"
    await api.request_link("study-a", "gone@example.org")
    await api.request_link("study-a", "here@example.org")
    await api.mailbox.wait_for("here@example.org")

    async def dead() -> bool:
        return (await _outbox(redis).status()).dead == 1

    await _until("the refused email is a dead letter", dead)
    [letter] = await _outbox(redis).dead_letters()
    assert "550" in letter.reason
    assert "No such user" in letter.reason
    assert letter.job is not None
    assert letter.job.email == "gone@example.org"
    assert (await _outbox(redis).status()).delayed == 0  # permanent: not retried

    del api.mailbox.refuse["gone@example.org"]  # the mailbox was created after all
    assert await _outbox(redis).requeue_dead([letter.entry_id]) == 1
    caught = await api.mailbox.wait_for("gone@example.org")
    assert (await api.sign_in_with_token("study-a", "gone@example.org", caught.token)).is_success
    assert (await _outbox(redis).status()).dead == 0


async def test_a_temporary_refusal_is_retried_then_given_up(
    api: Api, redis: Redis, flaky_smtp: SmtpServer
) -> None:
    flaky_smtp.start()
    await api.create_study("study-a")
    await api.create_participant("study-a", "busy@example.org", consented=True)
    await api.create_participant("study-a", "later@example.org", consented=True)
    api.mailbox.refuse["busy@example.org"] = "451 4.3.2 Try again later"
    api.mailbox.refuse["later@example.org"] = "451 4.3.2 Try again later"
    await api.request_link("study-a", "busy@example.org")
    await api.request_link("study-a", "later@example.org")

    async def deferred() -> bool:
        return (await _outbox(redis).status()).delayed == 2

    await _until("both wait for a retry", deferred)
    del api.mailbox.refuse["later@example.org"]  # the greylisting passes for this one
    await api.mailbox.wait_for("later@example.org")

    async def given_up() -> bool:
        return (await _outbox(redis).status()).dead == 1

    await _until("the other one is given up after max_attempts", given_up)
    [letter] = await _outbox(redis).dead_letters()
    assert letter.reason == "gave up after 4 attempts: refused: 451 4.3.2 Try again later"
    assert len(api.mailbox.to("later@example.org")) == 1


async def test_a_job_taken_by_a_worker_that_died_is_delivered_after_the_lease(
    settings: Settings, redis: RedisClient, flaky_smtp: SmtpServer
) -> None:
    flaky_smtp.start()
    settings = settings.replace(lease_seconds=0.5)
    app = create_app(settings, redis=redis, run_worker=False)
    svc: Services = app.state.services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = Api(client, flaky_smtp.mailbox)
        await api.create_study("study-a")
        await api.create_participant("study-a", "lease@example.org", consented=True)
        assert (await api.request_link("study-a", "lease@example.org")).status_code == 202
        # A worker reads the job and dies before settling it.
        await svc.mailer.outbox.ensure_group()
        [taken] = await svc.mailer.outbox.read_new("worker-that-died", 10)
        assert taken.job is not None

        survivor = build_worker(svc)
        assert await survivor.run_once() == 0  # still leased to the dead worker
        await asyncio.sleep(0.6)
        assert await survivor.run_once() == 1  # the lease ran out: taken over and sent
        caught = await flaky_smtp.mailbox.wait_for("lease@example.org")
        assert caught.message["Message-ID"] == taken.job.message_id
        assert (await svc.mailer.outbox.status()).pending == 0
        signed_in = await api.sign_in_with_token("study-a", "lease@example.org", caught.token)
        assert signed_in.status_code == 200
        await survivor.transport.close()


async def test_smtp_connections_are_reused(
    api: Api, flaky_smtp: SmtpServer, settings: Settings
) -> None:
    flaky_smtp.start()
    await api.create_study("study-a")
    addresses = [f"r{i}@example.org" for i in range(12)]
    for address in addresses:
        await api.create_participant("study-a", address, consented=True)
    for address in addresses:
        assert (await api.request_link("study-a", address)).status_code == 202
    for address in addresses:
        await api.mailbox.wait_for(address)
    # Twelve emails, at most one conversation per pooled connection.
    assert 1 <= api.mailbox.sessions <= settings.smtp_pool_size


async def test_a_refusal_on_a_reused_connection_is_a_dead_letter_like_any_other(
    api: Api, redis: Redis, flaky_smtp: SmtpServer, settings: Settings
) -> None:
    """After a connection's first email, the pool sends MAIL, RCPT and DATA itself: a refused
    recipient there is a dead letter with the server's reason, and the others arrive."""
    flaky_smtp.start()
    await api.create_study("study-a")
    addresses = [f"s{i}@example.org" for i in range(12)]
    for address in addresses:
        await api.create_participant("study-a", address, consented=True)
    api.mailbox.refuse["s6@example.org"] = "550 5.1.1 No such user"
    for address in addresses:
        assert (await api.request_link("study-a", address)).status_code == 202
    for address in addresses:
        if address != "s6@example.org":
            await api.mailbox.wait_for(address)

    async def dead() -> bool:
        return (await _outbox(redis).status()).dead == 1

    await _until("the refused email is a dead letter", dead)
    [letter] = await _outbox(redis).dead_letters()
    assert "550 5.1.1 No such user" in letter.reason
    assert api.mailbox.to("s6@example.org") == []
    # Connections were reused; the one that had the refusal was closed and replaced.
    assert 1 <= api.mailbox.sessions <= settings.smtp_pool_size + 1
