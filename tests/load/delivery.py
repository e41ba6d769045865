"""Delivery: a process emptying a queue of sign-in emails into the mail sink; emails/s and CPU
per email of that process and of the sink.

The jobs are queued through the API (``serve --no-worker``) before the process starts. The
window measured opens when the process has taken its first job (its start-up is left out) and
closes when the outbox is empty, or at the time cap (then the rate is of what it delivered).
CPU is utime + stime from ``/proc/<pid>/stat`` over that window.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.load.outbox_probe import POLL_SECONDS, OutboxProbe

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # past "pid (comm) "; fields from the 3rd
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND  # utime, stime: 14th, 15th


def ms_each(seconds: float, count: int) -> float:
    """Milliseconds of ``seconds`` per one of ``count`` (CPU time per email)."""
    return seconds * 1000 / max(1, count)


@dataclass(frozen=True)
class Delivery:
    who: str  # what delivered, e.g. "one `magiclink worker`"
    queued: int
    emails: int  # delivered within the window
    seconds: float
    cpu_seconds: float  # of the delivering process over the window
    sink_cpu_seconds: float
    finished: bool  # the queue was empty before the cap

    @property
    def per_second(self) -> float:
        return self.emails / self.seconds

    @property
    def cpu_ms_per_email(self) -> float:
        return ms_each(self.cpu_seconds, self.emails)

    @property
    def sink_cpu_ms_per_email(self) -> float:
        return ms_each(self.sink_cpu_seconds, self.emails)

    def summary(self) -> str:
        ending = "" if self.finished else f"; stopped at the cap with {self.queued - self.emails}"
        return (
            f"{self.per_second:.0f} emails/s, {self.cpu_ms_per_email:.2f} CPU ms per email "
            f"(the sink: {self.sink_cpu_ms_per_email:.2f}); {self.emails} emails in "
            f"{self.seconds:.1f} s{ending}"
        )


async def deliver(
    who: str,
    probe: OutboxProbe,
    start: Callable[[], int],
    sink_pid: int,
    cap_seconds: float,
) -> Delivery:
    """``start()`` starts the delivering process (the queue is full) and returns its pid."""
    queued = (await probe.depth()).queued
    pid = start()
    deadline = time.monotonic() + 60
    while (depth := await probe.depth()).pending == 0 and depth.queued == queued:
        if time.monotonic() > deadline:
            raise SystemExit(f"{who} took no job within 60 s ({probe.log})")
        await asyncio.sleep(0.005)
    opened, cpu, sink_cpu = time.monotonic(), cpu_seconds(pid), cpu_seconds(sink_pid)
    at_open = depth.jobs  # a job leaves the stream only when settled: all of these are to do
    finished = True
    while not depth.empty:
        if time.monotonic() - opened > cap_seconds:
            finished = False
            break
        await asyncio.sleep(POLL_SECONDS)
        depth = await probe.depth()
    closed = time.monotonic()
    cpu, sink_cpu = cpu_seconds(pid) - cpu, cpu_seconds(sink_pid) - sink_cpu
    return Delivery(
        who,
        queued=at_open,
        emails=at_open - depth.jobs,
        seconds=closed - opened,
        cpu_seconds=cpu,
        sink_cpu_seconds=sink_cpu,
        finished=finished,
    )
