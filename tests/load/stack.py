"""Throwaway processes for `make loadtest` and `make bench`: Redis, the mail sink, the service.

Each runs on a free port with its output in ``bench/<name>.log``; :class:`Stack` stops them
all on the way out (also on Ctrl-C or SIGTERM, which the runners turn into ``SystemExit``).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType, TracebackType

import httpx

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
MAGICLINK = str(BIN / "magiclink")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_environment() -> dict[str, str]:
    """This process's environment without MAGICLINK_* settings, so nothing leaks in."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MAGICLINK_")}


def stop_on_sigterm() -> None:
    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)


class Stack(AbstractContextManager["Stack"]):
    def __init__(self, name: str) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix=f"magiclink-{name}-")
        self.scratch = Path(self._scratch.name)  # Redis's directory, token files
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._stop_cluster: Callable[[], None] | None = None
        self.admin_key = secrets.token_urlsafe(24)
        self.secret_key = secrets.token_hex(32)
        BENCH.mkdir(exist_ok=True)

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (BENCH / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((name, process))
        return process

    def process(self, name: str) -> subprocess.Popen[bytes]:
        """The process started under ``name`` (the latest, if several were)."""
        for started, process in reversed(self.processes):
            if started == name:
                return process
        raise LookupError(f"no process {name!r} was started")

    def stop(self, name: str) -> None:
        """SIGTERM the process started under ``name`` and wait for it (SIGKILL after 15 s)."""
        process = self.process(name)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.remove((name, process))

    def wait_until_up(self, url: str, name: str, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited at start (see bench/{name}.log)")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{name} did not come up within 30 s (see bench/{name}.log)")

    def redis(self) -> str:
        """A redis-server of our own (no persistence: nothing here outlives the run); its URL."""
        port = free_port()
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.scratch)]
        process = self.start("redis", command, clean_environment())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("redis-server did not start (see bench/redis.log)")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return f"redis://127.0.0.1:{port}/0"
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("redis-server did not answer within 10 s (see bench/redis.log)")

    def cluster(self) -> str:
        """A three-master Redis Cluster (the suite's, no persistence), stopped on exit; its
        MAGICLINK_REDIS_URL."""
        from tests.support.redis_cluster import RedisCluster  # imports pytest: only when used

        self.stop_cluster()
        cluster = RedisCluster(self.scratch / "cluster")
        self._stop_cluster = cluster.stop
        cluster.start()
        return cluster.url

    def stop_cluster(self) -> None:
        if self._stop_cluster is not None:
            self._stop_cluster()
            self._stop_cluster = None

    def mailsink(self) -> tuple[int, str]:
        """The sink's SMTP port and the URL of its HTTP API."""
        smtp_port, http_port = free_port(), free_port()
        command = [MAGICLINK, "mailsink", "--port", str(smtp_port), "--http-port", str(http_port)]
        process = self.start("mailsink", command, clean_environment())
        url = f"http://127.0.0.1:{http_port}"
        self.wait_until_up(f"{url}/stats", "mailsink", process)
        return smtp_port, url

    def service_environment(self, redis_url: str, **settings: str) -> dict[str, str]:
        """Settings for a service of this stack: request limits off (one client address)."""
        return {
            **clean_environment(),
            "MAGICLINK_REDIS_URL": redis_url,
            "MAGICLINK_ADMIN_KEY": self.admin_key,
            "MAGICLINK_SECRET_KEY": self.secret_key,
            "MAGICLINK_RATE_LIMIT_PER_IP": "0",
            "MAGICLINK_RATE_LIMIT_PER_STUDY": "0",
            "MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP": "0",
            "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP": "0",
            "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS": "0",
            "MAGICLINK_SIGN_IN_EMAILS_PER_DAY": "0",
            **{f"MAGICLINK_{name.upper()}": value for name, value in settings.items()},
        }

    def service(self, env: dict[str, str], *options: str, name: str = "service") -> str:
        """``magiclink serve`` with these settings and options; its base URL."""
        port = free_port()
        command = [MAGICLINK, "serve", "--port", str(port), *options]
        process = self.start(name, command, env)
        url = f"http://127.0.0.1:{port}"
        self.wait_until_up(f"{url}/health", name, process)
        return url

    def create_study(self, url: str, study: dict[str, object]) -> None:
        created = httpx.post(
            f"{url}/v3/studies",
            json=study,
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=10,
        )
        if created.status_code not in (201, 409):
            raise SystemExit(f"creating the study: {created.status_code} {created.text}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.stop_cluster()
        self._scratch.cleanup()
