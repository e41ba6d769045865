"""MAGICLINK_METRICS_ADDR with real processes: metrics only on their own listener, for ``serve``
and for ``worker``; a taken port stops the command with one line; SIGTERM still stops both."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.api import ADMIN_KEY, SECRET_KEY
from tests.support.mail import SmtpServer
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer
from tests.support.service_process import ServiceProcess, magiclink, running

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
SENT = 'magiclink_emails_total{kind="sign-in",outcome="sent"}'


def _env(redis_url: str, smtp: SmtpServer, metrics_port: int) -> dict[str, str]:
    return {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_SMTP_URL": smtp.url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        "MAGICLINK_METRICS_ADDR": f"127.0.0.1:{metrics_port}",
    }


def _closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rpartition(" ")[2])
    return None


def _study_with_participant(url: str, study: str, address: str) -> None:
    body = {"identifier": study, "name": study, "emailSignInEnabled": True}
    assert httpx.post(f"{url}/v3/studies", json=body, headers=ADMIN).status_code == 201
    created = httpx.post(
        f"{url}/v3/studies/{study}/participants",
        json={"email": address, "consented": True},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text


def test_serve_answers_metrics_only_on_the_metrics_address(
    tmp_path: Path, redis_server: RedisServer, smtp_server: SmtpServer
) -> None:
    metrics_port = free_port()
    metrics = f"http://127.0.0.1:{metrics_port}"
    smtp_server.mailbox.clear()
    env = _env(redis_server.clean_database(12), smtp_server, metrics_port)
    with running(ServiceProcess(env, tmp_path)) as service:
        _study_with_participant(service.url, "metrics", "m@example.org")
        body = {"study": "metrics", "email": "m@example.org"}
        assert httpx.post(f"{service.url}/v3/auth/email", json=body).status_code == 202

        public = httpx.get(f"{service.url}/metrics")
        assert public.status_code == 404
        assert public.json() == {
            "statusCode": 404,
            "message": "No endpoint at /metrics.",
            "type": "EndpointNotFoundException",
        }
        scraped = httpx.get(f"{metrics}/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        assert _sample(scraped.text, "magiclink_signin_links_requested_total") == 1
        assert "magiclink_outbox_depth" in scraped.text
        assert httpx.get(f"{metrics}/health").json() == {"status": "ok"}
        assert httpx.post(f"{metrics}/v3/auth/email", json=body).status_code == 404
        assert httpx.get(f"{metrics}/ready").json() == {"status": "ready", "redis": "ok"}
        assert f"Metrics on {metrics}/metrics" in service.log  # the banner says where
        service.stop()  # SIGTERM: a graceful shutdown, the metrics listener included
        assert _closed(metrics_port)


def test_a_worker_serves_its_delivery_metrics(
    tmp_path: Path, redis_server: RedisServer, smtp_server: SmtpServer
) -> None:
    """A split deployment: ``serve --no-worker`` queues, ``worker`` sends and counts it."""
    redis_url = redis_server.clean_database(13)
    smtp_server.mailbox.clear()
    web_port = free_port()
    web = ServiceProcess(_env(redis_url, smtp_server, web_port), tmp_path, "--no-worker")
    worker_port = free_port()
    worker_metrics = f"http://127.0.0.1:{worker_port}"
    worker_log = tmp_path / "worker.log"
    worker: subprocess.Popen[bytes] | None = None
    try:
        web.start()
        _study_with_participant(web.url, "split", "w@example.org")
        body = {"study": "split", "email": "w@example.org"}
        assert httpx.post(f"{web.url}/v3/auth/email", json=body).status_code == 202
        with worker_log.open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "service", "worker"],
                env={**web.environment, **_env(redis_url, smtp_server, worker_port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while not smtp_server.mailbox.to("w@example.org"):
            assert worker.poll() is None, worker_log.read_text()
            assert time.monotonic() < deadline, worker_log.read_text()
            time.sleep(0.05)
        # The worker counts the email after the server has accepted it: poll briefly.
        deadline = time.monotonic() + 5
        while _sample(httpx.get(f"{worker_metrics}/metrics").text, SENT) != 1:
            assert time.monotonic() < deadline, httpx.get(f"{worker_metrics}/metrics").text
            time.sleep(0.05)
        assert httpx.get(f"{worker_metrics}/health").json() == {"status": "ok"}
        assert httpx.get(f"{worker_metrics}/ready").json() == {"status": "ready", "redis": "ok"}
        # The web tier sent nothing itself; the shared outbox gauges are read from Redis.
        served = httpx.get(f"http://127.0.0.1:{web_port}/metrics").text
        assert _sample(served, SENT) is None
        assert _sample(served, "magiclink_signin_links_requested_total") == 1

        worker.send_signal(signal.SIGTERM)  # its own handler, not the metrics server's
        assert worker.wait(timeout=15) == 0, worker_log.read_text()
        assert "stopped" in worker_log.read_text()
        assert _closed(worker_port)
        web.stop()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(timeout=15)
        web.ensure_stopped()


def test_a_taken_metrics_port_is_one_line_and_exit_status_2(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "MAGICLINK_REDIS_URL": redis_server.url,
            "MAGICLINK_METRICS_ADDR": f"127.0.0.1:{port}",
        }
        for command in (["serve", "--port", str(free_port())], ["worker"]):
            result = magiclink(env, tmp_path, *command)
            assert result.returncode == 2, (command, result.stdout, result.stderr)
            assert result.stderr == (
                f"magiclink: cannot listen for metrics on 127.0.0.1:{port}: "
                "address already in use\n"
            )
            assert "serving" not in result.stdout  # no banner saying all is well


def test_a_bad_metrics_address_is_a_configuration_error(tmp_path: Path) -> None:
    result = magiclink({"MAGICLINK_METRICS_ADDR": "localhost:9100"}, tmp_path, "serve")
    assert result.returncode == 2
    assert result.stderr.startswith("magiclink: configuration error: MAGICLINK_METRICS_ADDR")


def test_a_taken_api_port_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = magiclink({}, tmp_path, "serve", "--port", str(port))
    assert result.returncode == 2, (result.stdout, result.stderr)
    # The one line on stderr: no warning about the embedded store, no uvicorn traceback.
    assert result.stderr == (
        f"magiclink: cannot listen for the API on 127.0.0.1:{port}: address already in use; "
        "choose another port with --port (make run PORT=8001)\n"
    )
    assert "serving" not in result.stdout
