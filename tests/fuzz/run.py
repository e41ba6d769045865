"""`make fuzz`: the schemathesis CLI, every check and every phase, against a live service.

Starts a redis-server and an SMTP sink of its own on free ports and ``magiclink serve`` on
them (request rate limits off: every request comes from one address); seeds a study with email
sign-in on and a participant through the admin API and signs the participant in by an emailed
link; then runs ``schemathesis run`` on the served ``/openapi.json`` with ``--checks all``, the
examples, coverage, fuzzing and stateful phases, a fixed seed, and the configuration in
``tests/fuzz/schemathesis.toml`` (admin key and live session as auth, dictionaries, and the
hooks in ``tests/fuzz/hooks.py`` that keep the seeded world alive between cases).

Writes to ``bench/fuzz/`` (``FUZZ_REPORT_DIR``): ``junit.xml`` and ``report.json`` (the CLI's
reports), ``schemathesis.log`` (its output: each failure with a curl line that reproduces it),
``openapi.json`` (the document as served) and ``serve.log``. Prints a summary; exits non-zero
when schemathesis found any failure or error (3 when the service could not be seeded).

``python -m tests.fuzz.run --serve`` starts and seeds the same stack and keeps it up until
Ctrl-C, for trying a failure's curl line (it prints the URL; the admin key is fixed).

Knobs: ``FUZZ_EXAMPLES`` (examples per operation, 100), ``FUZZ_SEED`` (20240611),
``FUZZ_REPORT_DIR``, ``FUZZ_ARGS`` (more ``schemathesis run`` options, e.g.
``--include-operation-id createStudy``).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.fuzz.world import EMAIL, STUDY, SeedingError, World
from tests.load.stack import clean_environment, stop_on_sigterm
from tests.support.mail import Mailbox, SmtpServer
from tests.support.redis_server import RedisServer
from tests.support.service_process import ServiceProcess, running

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
REPORT_DIR = Path(os.environ.get("FUZZ_REPORT_DIR", ROOT / "bench" / "fuzz"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
SEED = int(os.environ.get("FUZZ_SEED", "20240611"))
EXTRA_ARGS = shlex.split(os.environ.get("FUZZ_ARGS", ""))
PHASES = "examples,coverage,fuzzing,stateful"

# Fixed, so that a failure's curl line works against a stack started the same way.
ADMIN_KEY = "fuzz-admin-key-0123456789"
SECRET_KEY = "fuzz-secret-key-0123456789abcdef"


class SpoolingMailbox(Mailbox):
    """Catches every email, and writes each one to the seeded participant into ``spool``
    (``000001.eml``, ...), where the hooks in the schemathesis process read the tokens."""

    def __init__(self, spool: Path) -> None:
        super().__init__()
        self.spool = spool
        self.spooled = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if EMAIL in envelope.rcpt_tos:
            self.spooled += 1
            path = self.spool / f"{self.spooled:06d}.eml"
            path.with_suffix(".part").write_bytes(envelope.content)
            path.with_suffix(".part").rename(path)  # the reader never sees half an email
        return reply


def service_environment(redis_url: str, smtp_url: str) -> dict[str, str]:
    return {
        "MAGICLINK_REDIS_URL": redis_url,
        "MAGICLINK_SMTP_URL": smtp_url,
        "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
        "MAGICLINK_SECRET_KEY": SECRET_KEY,
        # All requests come from one address: without budgets they reach the flows.
        "MAGICLINK_RATE_LIMIT_PER_IP": "off",
        "MAGICLINK_RATE_LIMIT_PER_STUDY": "off",
        "MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP": "off",
        "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP": "off",
        "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS": "off",
        "MAGICLINK_SIGN_IN_EMAILS_PER_DAY": "0",  # the participant gets every email asked for
        "MAGICLINK_ACCESS_LOG": "all",  # serve.log: every request with its status
    }


def schemathesis_command(url: str) -> list[str]:
    return [
        SCHEMATHESIS,
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        # The console's pages are for people: without a session every one of them answers a
        # redirect to its sign-in page, whatever the request; tests/browser drives them.
        "--exclude-tag",
        "Console",
        "--report",
        "junit,json",
        "--report-junit-path",
        str(REPORT_DIR / "junit.xml"),
        "--report-json-path",
        str(REPORT_DIR / "report.json"),
        *EXTRA_ARGS,
    ]


def run_schemathesis(command: list[str], env: dict[str, str]) -> int:
    """Run the CLI from the repository's top (where it finds the hooks module), its output
    both on the terminal and in ``schemathesis.log``."""
    with (REPORT_DIR / "schemathesis.log").open("w") as log:
        log.write(shlex.join(command) + "\n\n")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            assert process.stdout is not None
            for line in process.stdout:
                sys.stdout.write(line)
                log.write(line)
            return process.wait()
        finally:  # also on Ctrl-C or SIGTERM
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def summary(report: dict[str, Any], seconds: float) -> str:
    operations = report.get("operations") or {}
    phases = report["phases"] or {}
    cases = report["test_cases"]
    lines = [
        f"fuzz: {seconds / 60:.1f} min, seed {report['seed']}, {EXAMPLES} examples per operation",
        f"operations: {operations.get('tested', 0)} tested of {operations.get('selected', 0)}"
        f" selected ({operations.get('errored', 0)} errored, {operations.get('skipped', 0)}"
        " skipped)",
        "phases: " + ", ".join(f"{name} {phase['status']}" for name, phase in phases.items()),
        f"test cases: {cases['generated']} generated, {cases['with_failures']} with failures,"
        f" {cases['unique_failures']} unique failures, {cases['errored']} errored",
    ]
    failures = report["failures"]
    if failures:
        lines.append("failures by check:")
    for group in failures:
        lines.append(f"  {group['count']:>4}  {group['title']} [{group['code']}]")
        for operation in group["operations"]:
            lines.append(f"          {operation}")
    for error in report["errors"]:
        lines.append(f"  error: {error['count']} x {error['title']}")
    lines.append(f"reports: {REPORT_DIR} (schemathesis.log has a curl line per failure)")
    return "\n".join(lines)


def fuzz(work: Path, redis_url: str, smtp_url: str) -> int:
    """Serve, seed, run schemathesis; the CLI's exit code."""
    service = ServiceProcess(service_environment(redis_url, smtp_url), work)
    try:
        with running(service), httpx.Client(base_url=service.url) as client:
            world = World(client, ADMIN_KEY, work / "spool")
            world.restore()  # the study, the participant, a session by an emailed link
            # The document as tested, to read the failures against.
            (REPORT_DIR / "openapi.json").write_bytes(client.get("/openapi.json").content)
            print(f"fuzz: service at {service.url}, study and participant seeded", flush=True)
            env = {**clean_environment(), **world.environment()}
            return run_schemathesis(schemathesis_command(service.url), env)
    finally:
        if service.log_path.exists():
            shutil.copyfile(service.log_path, REPORT_DIR / "serve.log")


def serve(work: Path, redis_url: str, smtp_url: str) -> int:
    """The same service, seeded, until Ctrl-C: for trying the curl line of a failure."""
    service = ServiceProcess(service_environment(redis_url, smtp_url), work)
    with running(service), httpx.Client(base_url=service.url) as client:
        world = World(client, ADMIN_KEY, work / "spool")
        world.restore()
        print(f"fuzz: service at {service.url}, study {STUDY} and participant seeded")
        print(f"fuzz: admin key {ADMIN_KEY}, participant {world.participant_id}")
        print(f"fuzz: session {world.session}; log {service.log_path}; Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def main(arguments: list[str]) -> int:
    stop_on_sigterm()
    if arguments not in ([], ["--serve"]):
        print("usage: python -m tests.fuzz.run [--serve]", file=sys.stderr)
        return 2
    serve_only = arguments == ["--serve"]
    if not serve_only:
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        for stale in ("junit.xml", "report.json", "schemathesis.log", "serve.log", "openapi.json"):
            (REPORT_DIR / stale).unlink(missing_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="magiclink-fuzz-") as scratch:
        work = Path(scratch)
        (work / "spool").mkdir()
        redis_server = RedisServer(work / "redis")
        smtp_server = SmtpServer()
        smtp_server.mailbox = SpoolingMailbox(work / "spool")
        redis_server.start()
        try:
            smtp_server.start()
            try:
                run = serve if serve_only else fuzz
                exit_code = run(work, redis_server.url, smtp_server.url)
            except SeedingError as error:
                print(f"fuzz: could not seed the service ({error}); see its log", file=sys.stderr)
                return 3
            finally:
                smtp_server.stop()
        finally:
            redis_server.stop()
    report_path = REPORT_DIR / "report.json"
    if serve_only:
        return exit_code
    if not report_path.exists():
        print(f"fuzz: no report from schemathesis (exit code {exit_code})", file=sys.stderr)
        return exit_code or 1
    report = json.loads(report_path.read_text())
    print("\n" + summary(report, time.monotonic() - started))
    found = report["failures"] or report["errors"]
    return exit_code or (1 if found else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
