"""`make loadtest`: Redis, the mail sink and the service on free ports, then Locust headless.

Uses MAGICLINK_REDIS_URL when set, else starts a throwaway redis-server. Reports go to bench/
(loadtest_*.csv, loadtest.html, and the logs of the processes). Everything started here is
stopped on the way out, also on Ctrl-C or SIGTERM. Exits non-zero when any request failed.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys

from tests.load.stack import BENCH, BIN, ROOT, Stack, clean_environment, stop_on_sigterm

STUDY = os.environ.get("MAGICLINK_STUDY", "loadtest")
USERS = os.environ.get("LOADTEST_USERS", "20")
SPAWN_RATE = os.environ.get("LOADTEST_SPAWN_RATE", "5")
RUN_TIME = os.environ.get("LOADTEST_RUN_TIME", "30s")


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
    stop_on_sigterm()
    with Stack("loadtest") as stack:
        redis_url = os.environ.get("MAGICLINK_REDIS_URL") or stack.redis()
        smtp_port, sink_url = stack.mailsink()
        env = stack.service_environment(
            redis_url, smtp_url=f"smtp://127.0.0.1:{smtp_port}", log_level="WARNING"
        )
        service_url = stack.service(env)
        stack.create_study(
            service_url,
            {
                "identifier": STUDY,
                "name": "Load test",
                "emailSignInEnabled": True,
                "emailSignInRequestIntervalSeconds": 0,
            },
        )
        locust_env = {
            **clean_environment(),
            "MAGICLINK_URL": service_url,
            "MAILSINK_URL": sink_url,
            "MAGICLINK_STUDY": STUDY,
            "MAGICLINK_ADMIN_KEY": stack.admin_key,
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


if __name__ == "__main__":
    sys.exit(main())
