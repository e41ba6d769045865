"""Faults with the real things: the service SIGKILLed, Redis SIGKILLed, SMTP away.

Each test owns its processes: a ``magiclink serve`` process, an SMTP server on a fixed port
that it starts late, and (for the Redis test) a redis-server with AOF that it kills.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from service.store import keys
from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.mail import SmtpServer
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer
from tests.support.service_process import ServiceProcess

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _env(redis_url: str, smtp_port: int) -> dict[str, str]:
    return {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        "MAGICLINK_RETRY_BASE_SECONDS": "0.2",
        "MAGICLINK_RETRY_MAX_SECONDS": "1",
        "MAGICLINK_LEASE_SECONDS": "1",
        "MAGICLINK_SMTP_TIMEOUT_SECONDS": "5",
    }


def _wait(what: str, check: Callable[[], bool], within: float = 15.0) -> float:
    """Poll ``check`` until it holds; returns how long it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, f"not within {within} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def _setup_study(url: str, addresses: list[str]) -> None:
    study = {
        "identifier": "faults",
        "name": "Faults",
        "emailSignInEnabled": True,
        "emailSignInRequestIntervalSeconds": 0,
    }
    assert httpx.post(f"{url}/v3/studies", json=study, headers=ADMIN).status_code == 201
    for address in addresses:
        created = httpx.post(
            f"{url}/v3/studies/faults/participants",
            json={"email": address, "consented": True},
            headers=ADMIN,
        )
        assert created.status_code == 201, created.text


def _ask(url: str, address: str) -> httpx.Response:
    return httpx.post(f"{url}/v3/auth/email", json={"study": "faults", "email": address})


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())  # not started: each test decides when mail is up
    yield server
    if server.running:
        server.stop()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.ensure_stopped()


def test_emails_queued_when_the_service_is_killed_are_delivered_after_restart(
    tmp_path: Path,
    redis_server: RedisServer,
    smtp: SmtpServer,
    services: list[ServiceProcess],
) -> None:
    redis_url = redis_server.clean_database(4)
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    addresses = [f"k{i}@example.org" for i in range(5)]
    first = ServiceProcess(_env(redis_url, smtp.port), tmp_path)
    services.append(first)
    first.start()
    _setup_study(first.url, addresses)
    for address in addresses:
        assert _ask(first.url, address).status_code == 202
    # SMTP is down: every email is accepted, in the queue or waiting for a retry.
    _wait("all five failed once", lambda: store.zcard(keys.OUTBOX_DELAYED) == len(addresses))

    first.kill()  # SIGKILL: no shutdown, nothing flushed, jobs possibly mid-send
    killed_at = time.monotonic()
    smtp.start()
    assert smtp.mailbox.emails == []
    second = ServiceProcess(_env(redis_url, smtp.port), tmp_path)
    services.append(second)
    second.start()
    _wait("every email delivered", lambda: len(smtp.mailbox.emails) >= len(addresses))
    took = time.monotonic() - killed_at
    time.sleep(1.5)  # long enough for a duplicate to show up
    received = Counter(r for e in smtp.mailbox.emails for r in e.recipients)
    assert received == Counter(addresses), received
    assert len({e.message["Message-ID"] for e in smtp.mailbox.emails}) == len(addresses)
    for caught in smtp.mailbox.emails:
        signed_in = httpx.post(
            f"{second.url}/v3/auth/email/signIn",
            json={"study": "faults", "email": caught.recipients[0], "token": caught.token},
        )
        assert signed_in.status_code == 200
    print(f"delivered {len(addresses)} emails {took:.1f} s after the kill (restart included)")
    second.stop()


def test_outbox_command_shows_and_mends_dead_letters(
    tmp_path: Path, redis_server: RedisServer, smtp: SmtpServer, services: list[ServiceProcess]
) -> None:
    redis_url = redis_server.clean_database(5)
    env = _env(redis_url, smtp.port)
    smtp.start()
    smtp.mailbox.refuse["nobody@example.org"] = "550 5.1.1 No such user"
    service = ServiceProcess(env, tmp_path)
    services.append(service)
    service.start()
    _setup_study(service.url, ["nobody@example.org"])
    assert _ask(service.url, "nobody@example.org").status_code == 202

    def outbox(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "service", "outbox", *args],
            env={**env, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    _wait("a dead letter", lambda: "dead             1" in outbox("status").stdout)
    status = outbox("status")
    assert status.returncode == 0, status.stderr
    assert "550 5.1.1 No such user" in status.stdout
    assert "n***@example.org" in status.stdout
    assert "nobody@example.org" not in status.stdout  # addresses stay masked
    dead_id = next(line.split()[0] for line in status.stdout.splitlines() if "No such user" in line)
    assert outbox("retry").returncode == 2  # which ones? ids or --all, never a guess
    assert outbox("retry", "0-1").returncode == 1
    del smtp.mailbox.refuse["nobody@example.org"]
    retried = outbox("retry", dead_id)
    assert retried.returncode == 0, retried.stderr
    _wait("delivered after the retry", lambda: bool(smtp.mailbox.to("nobody@example.org")))
    assert "dead             0" in outbox("status").stdout

    smtp.mailbox.refuse["nobody@example.org"] = "550 5.1.1 No such user"
    assert _ask(service.url, "nobody@example.org").status_code == 202
    _wait("dead again", lambda: "dead             1" in outbox("status").stdout)
    purged = outbox("purge", "--all")
    assert purged.returncode == 0
    assert "1 dead letter(s) deleted" in purged.stdout
    assert "dead             0" in outbox("status").stdout
    service.stop()


def test_a_hung_redis_gives_503_within_seconds_not_a_hang(
    tmp_path: Path, smtp: SmtpServer, services: list[ServiceProcess]
) -> None:
    own_redis = RedisServer(tmp_path / "hung")
    own_redis.start()
    assert own_redis.process is not None
    try:
        service = ServiceProcess(_env(own_redis.url, smtp.port), tmp_path)
        services.append(service)
        service.start()
        _setup_study(service.url, ["h@example.org"])
        own_redis.process.send_signal(signal.SIGSTOP)  # alive, accepting, never answering
        try:
            began = time.monotonic()
            refused = _ask(service.url, "h@example.org")
            took = time.monotonic() - began
            assert refused.status_code == 503, refused.text
            assert took < 4, f"the API took {took:.1f} s to give up on a hung Redis"
            ready = httpx.get(f"{service.url}/ready", timeout=10)
            assert ready.status_code == 503
        finally:
            own_redis.process.send_signal(signal.SIGCONT)
        _wait(
            "/ready says 200 again",
            lambda: httpx.get(f"{service.url}/ready", timeout=10).status_code == 200,
        )
        assert _ask(service.url, "h@example.org").status_code == 202
        print(f"hung Redis: API answered 503 after {took:.2f} s")
        service.stop()
    finally:
        own_redis.stop()


def test_redis_killed_fails_fast_and_recovers_without_a_restart(
    tmp_path: Path, smtp: SmtpServer, services: list[ServiceProcess]
) -> None:
    own_redis = RedisServer(tmp_path / "redis", appendonly=True)
    own_redis.start()
    try:
        metrics_port = free_port()
        env = {
            **_env(own_redis.url, smtp.port),
            "MAGICLINK_METRICS_ADDR": f"127.0.0.1:{metrics_port}",
        }
        service = ServiceProcess(env, tmp_path)
        services.append(service)
        service.start()

        def redis_up() -> str:
            scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
            return next(
                line.split()[1]
                for line in scraped.splitlines()
                if line.startswith("magiclink_redis_up ")
            )

        assert redis_up() == "1.0"
        _setup_study(service.url, ["r@example.org"])
        assert _ask(service.url, "r@example.org").status_code == 202  # queued; SMTP is down
        time.sleep(1.5)  # appendfsync everysec: let the last second reach the disk

        own_redis.kill()
        started = time.monotonic()
        failed_ready = _wait(
            "/ready says 503",
            lambda: httpx.get(f"{service.url}/ready", timeout=10).status_code == 503,
            within=5,
        )
        began = time.monotonic()
        refused = _ask(service.url, "r@example.org")
        api_took = time.monotonic() - began
        assert refused.status_code == 503
        assert refused.json()["type"] == "ServiceUnavailableException"
        assert api_took < 4, f"the API took {api_took:.1f} s to give up"
        assert httpx.get(f"{service.url}/health").status_code == 200  # the process is fine
        assert redis_up() == "0.0"  # what the RedisUnavailable alert watches
        down_for = time.monotonic() - started

        own_redis.start()  # same port, same directory: the AOF is replayed
        recovered = _wait(
            "/ready says 200 again",
            lambda: httpx.get(f"{service.url}/ready", timeout=10).status_code == 200,
        )
        assert redis_up() == "1.0"
        study = httpx.get(f"{service.url}/v3/studies/faults", headers=ADMIN)
        assert study.status_code == 200, study.text
        smtp.start()
        _wait("the email queued before the crash arrives", lambda: bool(smtp.mailbox.emails))
        caught = smtp.mailbox.emails[0]
        signed_in = httpx.post(
            f"{service.url}/v3/auth/email/signIn",
            json={"study": "faults", "email": "r@example.org", "token": caught.token},
        )
        assert signed_in.status_code == 200  # the participant survived too
        print(
            f"ready turned 503 in {failed_ready:.2f} s; API 503 in {api_took:.2f} s; "
            f"down {down_for:.1f} s; ready again {recovered:.2f} s after Redis came back"
        )
        service.stop()
    finally:
        own_redis.stop()
