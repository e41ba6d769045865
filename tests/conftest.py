"""Fixtures: a real Redis and a real SMTP server per test session, and the app under test.

Integration tests run once against the real Redis and once against the embedded store
(fakeredis), through the same HTTP API an app uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import fakeredis
import pytest
from pydantic import SecretStr

from service.settings import Settings
from service.settings import SmtpServer as SmtpSettings
from service.store.connection import RedisClient, connect
from tests.support.api import ADMIN_KEY, SECRET_KEY, Api, serving
from tests.support.mail import Mailbox, SmtpServer
from tests.support.redis_cluster import RedisCluster
from tests.support.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    cluster = RedisCluster(tmp_path_factory.mktemp("cluster"))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


@pytest.fixture(params=["redis", "embedded"])
async def redis(request: pytest.FixtureRequest) -> AsyncIterator[RedisClient]:
    """A clean store: the real server (flushed), or a fresh embedded one.

    Modules with the sign-in and delivery flows add "cluster" (a real three-master Redis
    Cluster) with ``pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)``.
    """
    client: RedisClient
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        client = connect(Settings(redis_url=server.url))  # the service's own client
        await client.flushall()
    elif request.param == "cluster":
        cluster: RedisCluster = request.getfixturevalue("redis_cluster")
        client = connect(Settings(redis_url=cluster.url))
        await client.flushall()
    else:
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def settings(smtp_server: SmtpServer, tmp_path: Path) -> Settings:
    return Settings(
        redis_url="redis://unused-the-tests-pass-a-client",
        smtp=SmtpSettings("127.0.0.1", smtp_server.port, "none"),
        mail_dir=tmp_path / "outbox",
        mail_from="Study Team <study@example.org>",
        base_url="https://signin.example.org",
        admin_key=SecretStr(ADMIN_KEY),
        secret_keys=(SecretStr(SECRET_KEY),),
        retry_base_seconds=0.2,
        retry_max_seconds=1.0,
        lease_seconds=2.0,
        poll_seconds=0.1,
    )


@pytest.fixture
async def api(settings: Settings, redis: RedisClient, mailbox: Mailbox) -> AsyncIterator[Api]:
    async with serving(settings, redis, mailbox) as api:
        yield api
