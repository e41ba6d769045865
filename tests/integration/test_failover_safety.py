"""What keeps a Redis failover from showing: 503s instead of 500s, no second job from a
retried accept, no second email from a lost settlement, and the durable accept mode."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import (
    ClusterDownError,
    MovedError,
    NoScriptError,
    RedisClusterException,
    ResponseError,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError

from service.api.application import create_app
from service.settings import Settings
from service.store import keys
from service.store.connection import RedisClient
from service.store.unavailable import RedisUnavailable, is_unavailable, translated
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.mail import Mailbox
from tests.support.redis_server import RedisServer


def _slip_inside_redis() -> None:
    """An AttributeError raised by redis-py's own code, as its cluster client raised one while
    a failover replaced its nodes (redis 8.2)."""
    ClusterNode.__repr__(object())  # type: ignore[arg-type]


def _raised(function: Any) -> Exception:
    try:
        function()
    except Exception as exc:
        return exc
    raise AssertionError("nothing raised")


def test_failover_errors_are_unavailability_and_bugs_are_not() -> None:
    unavailable: tuple[Exception, ...] = (
        ClusterDownError("The cluster is down"),  # redis-py strips "CLUSTERDOWN"
        TryAgainError("Multiple keys request during rehashing of slot"),
        MovedError("3999 127.0.0.1:6381"),
        SlotNotCoveredError("Slot 1 not covered"),
        RedisClusterException("All slots are not covered after query all startup_nodes."),
        RedisConnectionError("Connection refused"),
        ResponseError("LOADING Redis is loading the dataset in memory"),
    )
    bugs: tuple[Exception, ...] = (
        ResponseError("ERR wrong number of arguments for 'set' command"),
        NoScriptError("No matching script"),
        RedisClusterException("Keys in request don't hash to the same slot"),
        AttributeError("'NoneType' object has no attribute 'x'"),
    )
    for exc in unavailable:
        assert is_unavailable(exc), exc
    for exc in bugs:
        assert not is_unavailable(exc), exc


def test_only_a_slip_inside_redis_py_becomes_unavailability() -> None:
    inside = _raised(_slip_inside_redis)
    assert isinstance(inside, AttributeError)
    assert isinstance(translated(inside), RedisUnavailable)
    ours = _raised(lambda: object().missing)  # type: ignore[attr-defined]
    assert translated(ours) is ours  # a bug of ours stays a 500
    assert isinstance(translated(SlotNotCoveredError("x")), RedisUnavailable)
    crossslot = RedisClusterException("Keys in request don't hash to the same slot")
    assert translated(crossslot) is crossslot


@pytest.mark.parametrize("redis", ["cluster"], indirect=True)
async def test_cluster_client_slips_and_cluster_errors_answer_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slipping(self: RedisCluster, *args: Any, **kwargs: Any) -> Any:
        _slip_inside_redis()

    async def cluster_down(self: RedisCluster, *args: Any, **kwargs: Any) -> Any:
        raise ClusterDownError("The cluster is down")

    for failure in (slipping, cluster_down):
        monkeypatch.setattr(RedisCluster, "execute_command", failure)
        answer = await api.client.post(
            "/v3/auth/email", json={"study": "study-b", "email": "a@example.org"}
        )
        monkeypatch.undo()
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"]
        assert answer.json()["type"] == "ServiceUnavailableException"

    async def our_bug(self: RedisCluster, *args: Any, **kwargs: Any) -> Any:
        return object().missing  # type: ignore[attr-defined]

    monkeypatch.setattr(RedisCluster, "execute_command", our_bug)
    with pytest.raises(AttributeError):  # a 500: the test client re-raises it
        await api.client.post("/v3/auth/email", json={"study": "study-b", "email": "a@x.org"})


@pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)
async def test_a_retried_accept_queues_one_job(api: Api, redis: RedisClient) -> None:
    """redis-py sends a script again when the reply was lost; the second run finds the first
    one's mark and queues nothing."""
    await api.create_study("study-a", emailSignInRequestIntervalSeconds=0)
    mailer = api.services.mailer
    job = mailer.sign_in_job("study-a", "ann@example.org")
    stats = api.services.study_stats.key("study-a")
    # Counted by what the script counts when it queues (the in-process worker may already
    # have delivered and deleted an entry, so the stream's length would race with it).

    async def queued() -> int:
        return int(await redis.hget(stats, "linksRequested") or 0)

    first = await mailer.outbox.accept(job, "ann@example.org", 0, [], stats)
    again = await mailer.outbox.accept(job, "ann@example.org", 0, [], stats)
    assert first.outcome == again.outcome == "queued"
    assert await queued() == 1
    other = mailer.sign_in_job("study-a", "ann@example.org")  # another request: its own job
    await mailer.outbox.accept(other, "ann@example.org", 0, [], stats)
    assert await queued() == 2
    assert 0 < await redis.pttl(keys.accepted(job.message_id)) <= 60_000
    # The second run answers as the first did, also where the script saw no account (ann has
    # none; on one server no job was queued) and where it saw one.
    assert first.job_queued == again.job_queued == isinstance(redis, RedisCluster)
    await api.create_participant("study-a", "bob@example.org")
    bob = mailer.sign_in_job("study-a", "bob@example.org")
    answers = [await mailer.outbox.accept(bob, "bob@example.org", 0, [], stats) for _ in "12"]
    assert [answer.job_queued for answer in answers] == [True, True]


@pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)
async def test_a_job_sent_before_is_settled_without_a_second_email(
    api: Api, redis: RedisClient, mailbox: Mailbox
) -> None:
    """A settlement lost in a failover was applied again (the mark alone is left, the entry
    came back): the job is settled, no email goes out."""
    await api.create_study("study-a")
    await api.create_participant("study-a", "ann@example.org", consented=True)
    outbox = api.services.mailer.outbox
    job = api.services.mailer.sign_in_job("study-a", "ann@example.org")
    await outbox.ensure_group()
    await outbox.sent("0-1", job.message_id)  # the mark, for an entry that is gone
    await outbox.enqueue(job)  # the job as the promoted replica has it
    await _delivered_all(redis)
    await asyncio.sleep(0.3)
    assert mailbox.to("ann@example.org") == []
    assert 0 < await redis.ttl(keys.sent(job.message_id)) <= 24 * 3600
    assert 'outcome="sent-before"' in api.services.metrics.exposition().decode()


@pytest.mark.parametrize("redis", ["redis"], indirect=True)
async def test_a_settlement_that_failed_after_sending_is_retried_not_the_email(
    api: Api, redis: RedisClient, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "ann@example.org", consented=True)
    outbox = api.services.mailer.outbox
    real_sent = type(outbox).sent_many  # how a batch's sent emails are settled
    failures: list[int] = []

    async def lost_once(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not failures:
            failures.append(1)
            raise RedisConnectionError("the master went away")
        return await real_sent(self, *args, **kwargs)

    monkeypatch.setattr(type(outbox), "sent_many", lost_once)
    assert (await api.request_link("study-a", "ann@example.org")).status_code == 202
    await mailbox.wait_for("ann@example.org")
    await _delivered_all(redis)
    await asyncio.sleep(2.5)  # past the lease (2 s): an unsettled entry would be claimed again
    assert failures == [1]
    assert len(mailbox.to("ann@example.org")) == 1
    assert await redis.exists(keys.sent(mailbox.to("ann@example.org")[0].message["Message-ID"]))


async def _delivered_all(redis: RedisClient, within: float = 10) -> None:
    """Until the outbox holds no entry (settled ones are deleted)."""
    deadline = time.monotonic() + within
    while await redis.xlen(keys.OUTBOX):
        assert time.monotonic() < deadline, "the outbox did not empty"
        await asyncio.sleep(0.05)


# Durable accept: a real Redis with and without a replica.


@pytest.fixture
def replicated(tmp_path: Path) -> Iterator[tuple[RedisServer, RedisServer]]:
    master, replica = RedisServer(tmp_path / "master"), RedisServer(tmp_path / "replica")
    master.start()
    replica.start()
    try:
        yield master, replica
    finally:
        replica.stop()
        master.stop()


@pytest.fixture
async def durable(
    settings: Settings, replicated: tuple[RedisServer, RedisServer], mailbox: Mailbox
) -> AsyncIterator[tuple[Api, Redis]]:
    master, _ = replicated
    client = Redis.from_url(master.url, decode_responses=True)
    durable_settings = settings.replace(accept_replicas=1, accept_replicas_timeout_seconds=0.2)
    app = create_app(durable_settings, redis=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Api(http, mailbox, app.state.services), client
    await client.aclose()


async def test_durable_accept_refuses_without_a_replica_and_accepts_with_one(
    durable: tuple[Api, Redis], replicated: tuple[RedisServer, RedisServer], mailbox: Mailbox
) -> None:
    api, client = durable
    master, replica = replicated
    await api.create_study("study-a", emailSignInRequestIntervalSeconds=0)
    await api.create_participant("study-a", "ann@example.org", consented=True)

    ready = await api.client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["redis"] == "the outbox's master has 0 of 1 replicas"
    refused = await api.request_link("study-a", "ann@example.org")
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["type"] == "ServiceUnavailableException"
    # Queued on the master all the same: it may be emailed (the README says so).
    await mailbox.wait_for("ann@example.org")
    exposition = api.services.metrics.exposition().decode()
    assert "magiclink_signin_links_unreplicated_total 1.0" in exposition
    assert "magiclink_outbox_replicas_acknowledging 0.0" in exposition

    replica_client = Redis.from_url(replica.url, decode_responses=True)
    await replica_client.replicaof("127.0.0.1", master.port)
    # Ready once the master counts the replica as online (shortly after the replica does).
    deadline = time.monotonic() + 20
    while (await api.client.get("/ready")).status_code != 200:
        assert time.monotonic() < deadline, "the replica did not sync"
        await asyncio.sleep(0.05)
    await replica_client.aclose()
    accepted = await api.request_link("study-a", "ann@example.org")
    assert accepted.status_code == 202, accepted.text
    await mailbox.wait_for("ann@example.org", count=2)
    assert (
        "magiclink_outbox_replicas_acknowledging 1.0" in api.services.metrics.exposition().decode()
    )
    await _delivered_all(client)


def test_durable_accept_needs_a_real_redis() -> None:
    from service.settings import SettingsError
    from service.store.connection import connect

    with pytest.raises(SettingsError, match="MAGICLINK_ACCEPT_REPLICAS needs MAGICLINK_REDIS_URL"):
        connect(Settings(accept_replicas=1))
