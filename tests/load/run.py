"""`make loadtest`: Redis, the mail sink and the service on free ports, then Locust headless.

Uses MAGICLINK_REDIS_URL when set, else starts a throwaway redis-server. Reports go to bench/
(loadtest_*.csv, loadtest.html, and the logs of the processes). Everything started here is
stopped on the way out, also on Ctrl-C or SIGTERM. Exits non-zero when any request failed.
"""

from __future__ import annotations

import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
STUDY = os.environ.get("MAGICLINK_STUDY", "loadtest")
USERS = os.environ.get("LOADTEST_USERS", "20")
SPAWN_RATE = os.environ.get("LOADTEST_SPAWN_RATE", "5")
RUN_TIME = os.environ.get("LOADTEST_RUN_TIME", "30s")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited at start (see bench/{what}.log)")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not come up within 30 s (see bench/{what}.log)")


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def summary() -> str:
    with (BENCH / "loadtest_stats.csv").open() as file:
        rows = list(csv.DictReader(file))
    lines = [f"{'name':<45} {'requests':>9} {'failures':>9} {'p50 ms':>7} {'p99 ms':>7}"]
    for row in rows:
        name = f"{row['Type']} {row['Name']}".strip()
        lines.append(
            f"{name[:45]:<45} {row['Request Count']:>9} {row['Failure Count']:>9} "
            f"{row['50%']:>7} {row['99%']:>7}"
        )
    return "\n".join(lines)


def main() -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    BENCH.mkdir(exist_ok=True)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAGICLINK_")}

    def start(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (BENCH / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append((name, process))
        return process

    try:
        with tempfile.TemporaryDirectory(prefix="magiclink-loadtest-") as scratch:
            redis_url = os.environ.get("MAGICLINK_REDIS_URL")
            if not redis_url:
                port = free_port()
                redis = start(
                    "redis",
                    [
                        "redis-server",
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        scratch,
                    ],
                    clean,
                )
                redis_url = f"redis://127.0.0.1:{port}/0"
                time.sleep(0.3)
                if redis.poll() is not None:
                    raise SystemExit("redis-server did not start (see bench/redis.log)")

            smtp_port, sink_port, service_port = free_port(), free_port(), free_port()
            sink_url = f"http://127.0.0.1:{sink_port}"
            service_url = f"http://127.0.0.1:{service_port}"
            admin_key = secrets.token_urlsafe(24)
            magiclink = str(BIN / "magiclink")
            sink = start(
                "mailsink",
                [magiclink, "mailsink", "--port", str(smtp_port), "--http-port", str(sink_port)],
                clean,
            )
            wait_until_up(f"{sink_url}/stats", "mailsink", sink)
            service_env = {
                **clean,
                "MAGICLINK_REDIS_URL": redis_url,
                "MAGICLINK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                "MAGICLINK_ADMIN_KEY": admin_key,
                "MAGICLINK_SECRET_KEY": secrets.token_hex(32),
                "MAGICLINK_RATE_LIMIT_PER_IP": "0",
                "MAGICLINK_RATE_LIMIT_PER_STUDY": "0",
                "MAGICLINK_LOG_LEVEL": "WARNING",
            }
            service = start(
                "service", [magiclink, "serve", "--port", str(service_port)], service_env
            )
            wait_until_up(f"{service_url}/health", "service", service)

            study = {
                "identifier": STUDY,
                "name": "Load test",
                "emailSignInEnabled": True,
                "emailSignInRequestIntervalSeconds": 0,
            }
            created = httpx.post(
                f"{service_url}/v3/studies",
                json=study,
                headers={"Authorization": f"Bearer {admin_key}"},
                timeout=10,
            )
            if created.status_code not in (201, 409):
                raise SystemExit(f"creating the study: {created.status_code} {created.text}")

            locust_env = {
                **clean,
                "MAGICLINK_URL": service_url,
                "MAILSINK_URL": sink_url,
                "MAGICLINK_STUDY": STUDY,
                "MAGICLINK_ADMIN_KEY": admin_key,
            }
            print(f"locust: {USERS} users for {RUN_TIME} against {service_url}", flush=True)
            result = subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(ROOT / "tests" / "load" / "locustfile.py"),
                    "--headless",
                    "-u",
                    USERS,
                    "-r",
                    SPAWN_RATE,
                    "--run-time",
                    RUN_TIME,
                    "--csv",
                    str(BENCH / "loadtest"),
                    "--html",
                    str(BENCH / "loadtest.html"),
                    "--only-summary",
                ],
                env=locust_env,
                check=False,
            )
            print(summary())
            print(f"reports: {BENCH}/loadtest_*.csv, {BENCH}/loadtest.html")
            return result.returncode
    finally:
        for _name, process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    sys.exit(main())
