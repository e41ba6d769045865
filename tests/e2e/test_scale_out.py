"""Several ``magiclink serve`` processes on one Redis; and a Redis found through Sentinel."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.mail import SmtpServer
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer
from tests.support.service_process import ServiceProcess

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _env(redis_url: str, smtp: SmtpServer, **extra: str) -> dict[str, str]:
    return {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_SMTP_URL": smtp.url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        **extra,
    }


@pytest.fixture
def processes(
    tmp_path: Path, redis_server: RedisServer, smtp_server: SmtpServer
) -> Iterator[list[ServiceProcess]]:
    redis_url = redis_server.clean_database(6)
    smtp_server.mailbox.clear()
    env = _env(redis_url, smtp_server, MAGICLINK_RATE_LIMIT_PER_IP="6/60")
    started = [ServiceProcess(env, tmp_path) for _ in range(3)]
    for process in started:
        process.start()
    yield started
    for process in started:
        process.ensure_stopped()


def test_limits_single_use_and_delivery_hold_across_processes(
    processes: list[ServiceProcess], smtp_server: SmtpServer
) -> None:
    a, b, c = (process.url for process in processes)
    study = {"identifier": "scale", "name": "Scale", "emailSignInEnabled": True}
    assert httpx.post(f"{a}/v3/studies", json=study, headers=ADMIN).status_code == 201
    for i in range(4):
        created = httpx.post(
            f"{b}/v3/studies/scale/participants",
            json={"email": f"m{i}@example.org", "consented": True},
            headers=ADMIN,
        )
        assert created.status_code == 201

    def ask(url: str, address: str) -> int:
        body = {"study": "scale", "email": address}
        return httpx.post(f"{url}/v3/auth/email", json=body).status_code

    # The per-address window (60 s by default) is shared: asking another process is no way out.
    assert [ask(a, "m0@example.org"), ask(b, "m0@example.org"), ask(c, "m0@example.org")] == [
        202,
        429,
        429,
    ]
    # So is the per-client budget (6 per minute here): spread over three processes it holds.
    assert [ask(url, f"m{i}@example.org") for i, url in ((1, b), (2, c), (3, a))] == [202] * 3
    assert [ask(url, f"x{i}@example.org") for i, url in enumerate((b, c))] == [202, 202]
    assert ask(a, "x9@example.org") == 429

    # Three workers share the queue: each email arrives once.
    deadline = time.monotonic() + 10
    while len(smtp_server.mailbox.emails) < 4:
        assert time.monotonic() < deadline, "emails did not arrive"
        time.sleep(0.05)
    time.sleep(1.0)
    received = Counter(r for e in smtp_server.mailbox.emails for r in e.recipients)
    assert received == Counter(f"m{i}@example.org" for i in range(4))

    # One token, tried on every process at once: exactly one session.
    token = smtp_server.mailbox.to("m0@example.org")[0].token
    body = {"study": "scale", "email": "m0@example.org", "token": token}
    with ThreadPoolExecutor(max_workers=9) as pool:
        statuses = list(
            pool.map(
                lambda url: httpx.post(f"{url}/v3/auth/email/signIn", json=body).status_code,
                [a, b, c] * 3,
            )
        )
    assert sorted(statuses) == [200] + [404] * 8
    for process in processes:
        process.stop()


def test_a_redis_found_through_sentinel(tmp_path: Path, smtp_server: SmtpServer) -> None:
    server = shutil.which("redis-server")
    assert server is not None
    master = RedisServer(tmp_path / "master")
    master.start()
    sentinel_port = free_port()
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor magiclink 127.0.0.1 {master.port} 1\n"
    )
    sentinel = subprocess.Popen(
        [server, str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    service = ServiceProcess(
        _env(f"redis+sentinel://127.0.0.1:{sentinel_port}/magiclink", smtp_server), tmp_path
    )
    try:
        deadline = time.monotonic() + 10
        probe = redis.Redis(port=sentinel_port)
        while True:
            try:
                if probe.sentinel_get_master_addr_by_name("magiclink"):
                    break
            except redis.ConnectionError:
                pass
            assert time.monotonic() < deadline, "sentinel did not start"
            time.sleep(0.1)
        probe.close()
        service.start()
        assert httpx.get(f"{service.url}/ready").status_code == 200
        study = {"identifier": "sentinel", "name": "S", "emailSignInEnabled": True}
        assert httpx.post(f"{service.url}/v3/studies", json=study, headers=ADMIN).is_success
        stored = redis.Redis(port=master.port, decode_responses=True)
        assert stored.exists("ml:study:sentinel")  # it landed on the master Sentinel named
        stored.close()
        service.stop()
    finally:
        service.ensure_stopped()
        sentinel.terminate()
        sentinel.wait(timeout=10)
        master.stop()


def test_a_separate_worker_delivers_for_servers_without_one(
    tmp_path: Path, redis_server: RedisServer, smtp_server: SmtpServer
) -> None:
    redis_url = redis_server.clean_database(7)
    smtp_server.mailbox.clear()
    env = _env(redis_url, smtp_server)
    web = ServiceProcess(env, tmp_path, "--no-worker")
    worker_log = tmp_path / "worker.log"
    try:
        web.start()
        study = {"identifier": "split", "name": "Split", "emailSignInEnabled": True}
        assert httpx.post(f"{web.url}/v3/studies", json=study, headers=ADMIN).is_success
        created = httpx.post(
            f"{web.url}/v3/studies/split/participants",
            json={"email": "w@example.org", "consented": True},
            headers=ADMIN,
        )
        assert created.status_code == 201
        body = {"study": "split", "email": "w@example.org"}
        assert httpx.post(f"{web.url}/v3/auth/email", json=body).status_code == 202
        time.sleep(1.0)
        assert smtp_server.mailbox.emails == []  # nobody delivers yet
        with worker_log.open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "service", "worker"],
                env={**web.environment, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 10
            while not smtp_server.mailbox.to("w@example.org"):
                assert time.monotonic() < deadline, worker_log.read_text()
                time.sleep(0.05)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=15) == 0, worker_log.read_text()
        assert "stopped" in worker_log.read_text()  # a graceful stop on SIGTERM
        web.stop()
    finally:
        web.ensure_stopped()
