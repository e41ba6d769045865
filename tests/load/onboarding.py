"""Onboarding a list of participants, the way a researcher does it: ``magiclink onboard`` on a
CSV of fresh addresses while one ``magiclink worker`` delivers.

The worker is started first and waited for (its log says it is delivering), so
that it delivers while the CLI queues, as it would in production. Timed: the CLI's run (a
subprocess: its start-up included), and from the CLI's start until the outbox is empty again.
The mail sink's counters must have grown by one message without a token per participant, so
the rate is of emails delivered, not of jobs settled. CPU: utime + stime from
``/proc/<pid>/stat`` of the worker and of the sink, from the CLI's start to the end.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import time
from dataclasses import dataclass

import httpx

from service.store.connection import RedisClient
from tests.load.delivery import cpu_seconds, ms_each
from tests.load.outbox_probe import POLL_SECONDS, OutboxProbe
from tests.load.stack import BENCH, MAGICLINK, Stack

WORKER = "worker-onboarding"
CLI = "onboard"
START_LIMIT_SECONDS = 60
CLI_LIMIT_SECONDS = 1800
SINK_WAIT_SECONDS = 10


@dataclass(frozen=True)
class Onboarded:
    participants: int  # rows of the CSV, all new to the study
    cli_seconds: float  # magiclink onboard, start to exit
    queue_at_cli_end: int  # jobs in the outbox when the CLI exited
    total_seconds: float  # from the CLI's start until the outbox was empty again
    delivered: int  # new messages at the sink
    without_token: int  # of those, without a sign-in token or code
    worker_cpu_seconds: float
    sink_cpu_seconds: float

    @property
    def complete(self) -> bool:
        return self.delivered == self.participants == self.without_token

    @property
    def participants_per_second(self) -> float:
        return self.participants / self.cli_seconds

    @property
    def emails_per_second(self) -> float:
        return self.delivered / self.total_seconds

    @property
    def worker_cpu_ms_per_email(self) -> float:
        return ms_each(self.worker_cpu_seconds, self.delivered)

    @property
    def sink_cpu_ms_per_email(self) -> float:
        return ms_each(self.sink_cpu_seconds, self.delivered)

    def summary(self) -> str:
        short = (
            ""
            if self.complete
            else f"; only {self.delivered} reached the sink ({self.without_token} without a token)"
        )
        return (
            f"{self.participants} participants: the CLI {self.cli_seconds:.1f} s "
            f"({self.participants_per_second:.0f} participants/s), the last email delivered "
            f"after {self.total_seconds:.1f} s ({self.emails_per_second:.0f} emails/s){short}"
        )

    def lines(self) -> list[str]:
        return [
            "| participants | CLI s | participants/s (CLI) | queue at the CLI's end | "
            "until the last email s | "
            "emails/s | delivered to the sink | worker CPU ms per email | "
            "mailsink CPU ms per email |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {self.participants} | {self.cli_seconds:.1f} | "
            f"{self.participants_per_second:.0f} | {self.queue_at_cli_end} | "
            f"**{self.total_seconds:.1f}** | "
            f"**{self.emails_per_second:.0f}** | {self.delivered}"
            f"{'' if self.complete else ' (short)'} | {self.worker_cpu_ms_per_email:.2f} | "
            f"{self.sink_cpu_ms_per_email:.2f} |",
        ]


async def sink_counts(sink_url: str) -> tuple[int, int]:
    """The sink's messages so far, and of those the ones without a token."""
    async with httpx.AsyncClient(timeout=10) as client:
        stats = (await client.get(f"{sink_url}/stats")).raise_for_status().json()
    return int(stats["messages"]), int(stats["withoutToken"])


async def wait_for_worker(worker: subprocess.Popen[bytes]) -> None:
    """Until the worker has started delivering (its log says what it sends through)."""
    log = BENCH / f"{WORKER}.log"
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while "sending via" not in log.read_text():
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited at start ({log})")
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start within {START_LIMIT_SECONDS} s ({log})")
        await asyncio.sleep(POLL_SECONDS)


async def onboard(
    stack: Stack,
    redis: RedisClient,
    env: dict[str, str],
    sink_url: str,
    study: str,
    participants: int,
) -> Onboarded:
    """``participants`` fresh addresses onboarded into ``study``; ``env`` is a service's
    environment on the Redis of ``redis`` with ``MAGICLINK_SMTP_URL`` at the sink whose HTTP
    API is at ``sink_url``. The outbox must be empty; it is again when this returns."""
    probe = OutboxProbe(redis, f"bench/{WORKER}.log, bench/{CLI}.log")
    if not (await probe.depth()).empty:
        raise SystemExit("onboarding: the outbox is not empty to begin with")
    run = secrets.token_hex(4)
    csv = stack.scratch / f"onboarding-{run}.csv"
    csv.write_text(
        "email\n" + "".join(f"onboard-{run}-{n}@example.org\n" for n in range(participants))
    )
    messages, without_token = await sink_counts(sink_url)
    worker = stack.start(WORKER, [MAGICLINK, "worker"], env)
    await wait_for_worker(worker)
    sink_pid = stack.process("mailsink").pid
    cpu, sink_cpu = cpu_seconds(worker.pid), cpu_seconds(sink_pid)
    started = time.monotonic()
    cli = stack.start(CLI, [MAGICLINK, "onboard", "--study", study, str(csv)], env)
    while cli.poll() is None:
        if time.monotonic() - started > CLI_LIMIT_SECONDS:
            raise SystemExit(f"magiclink onboard ran over {CLI_LIMIT_SECONDS} s")
        await asyncio.sleep(POLL_SECONDS)
    cli_seconds = time.monotonic() - started
    queue_at_cli_end = (await probe.depth()).jobs
    if cli.returncode != 0:
        raise SystemExit(f"magiclink onboard exited with {cli.returncode} (bench/{CLI}.log)")
    await probe.drain()
    total = time.monotonic() - started
    cpu, sink_cpu = cpu_seconds(worker.pid) - cpu, cpu_seconds(sink_pid) - sink_cpu
    # A job leaves the stream once the sink has accepted it: the counts should be there now.
    deadline = time.monotonic() + SINK_WAIT_SECONDS
    while (now := await sink_counts(sink_url))[0] - messages < participants:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    stack.stop(CLI)
    stack.stop(WORKER)
    return Onboarded(
        participants,
        cli_seconds=cli_seconds,
        queue_at_cli_end=queue_at_cli_end,
        total_seconds=total,
        delivered=now[0] - messages,
        without_token=now[1] - without_token,
        worker_cpu_seconds=cpu,
        sink_cpu_seconds=sink_cpu,
    )
