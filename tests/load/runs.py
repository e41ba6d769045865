"""wrk runs and their comparison: one run's figures, the rounds of a side, paired ratios.

A side that queues work (the default ``serve``, whose worker delivers what it accepted) counts
its throughput until the queue is empty again: requests ÷ (wrk's run time + drain time).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

WRK_SCRIPTS = Path(__file__).parent / "wrk"


@dataclass(frozen=True)
class Run:
    """One wrk run: what its ``done()`` printed, and how long its queue took to empty after."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers plus socket errors
    drain_seconds: float = 0.0  # after wrk ended, until the outbox was empty again
    queue_at_end: int | None = None  # outbox jobs left when wrk ended; None: nothing queued

    @property
    def throughput(self) -> float:
        return self.requests / (self.seconds + self.drain_seconds)

    def drained(self, queue_at_end: int, drain_seconds: float) -> Run:
        return replace(self, queue_at_end=queue_at_end, drain_seconds=drain_seconds)

    @classmethod
    def parse(cls, output: str) -> Run:
        lines = [line for line in output.splitlines() if line.startswith("{")]
        if not lines:
            raise SystemExit(f"wrk printed no summary:\n{output}")
        data = json.loads(lines[-1])
        return cls(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            failures=data["status_errors"] + data["socket_errors"],
        )


@dataclass(frozen=True)
class Side:
    """Every round of one side (service or floor) of one comparison."""

    runs: list[Run]

    @property
    def throughput(self) -> float:
        return statistics.median(run.throughput for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def failures(self) -> int:
        return sum(run.failures for run in self.runs)

    @property
    def queue_at_end(self) -> float | None:
        depths = [run.queue_at_end for run in self.runs if run.queue_at_end is not None]
        return statistics.median(depths) if depths else None

    @property
    def drain_seconds(self) -> float:
        return statistics.median(run.drain_seconds for run in self.runs)


@dataclass(frozen=True)
class Comparison:
    endpoint: str
    service: Side
    floor: Side
    labels: tuple[str, str] = ("service", "floor")  # what the two sides are called

    # Each round's service run is compared with the floor run just before it, and the median
    # of those ratios taken: a slow spell of the machine then spoils one ratio, not the result.
    @property
    def throughput_ratio(self) -> float:
        return statistics.median(
            s.throughput / f.throughput
            for s, f in zip(self.service.runs, self.floor.runs, strict=True)
        )

    @property
    def p99_ratio(self) -> float:
        return statistics.median(
            s.p99_ms / f.p99_ms for s, f in zip(self.service.runs, self.floor.runs, strict=True)
        )

    @property
    def p50_ratio(self) -> float:
        return statistics.median(
            s.p50_ms / f.p50_ms for s, f in zip(self.service.runs, self.floor.runs, strict=True)
        )

    @property
    def failures(self) -> int:
        return self.service.failures + self.floor.failures


@dataclass(frozen=True)
class Options:
    seconds: int
    connections: int
    rounds: int


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing Debian's package", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("make bench needs wrk: sudo apt-get install wrk")
    return found


@dataclass(frozen=True)
class Load:
    """One wrk process: where, with which script and arguments, over how many connections."""

    url: str
    script: str
    args: tuple[str, ...]
    connections: int
    seconds: int

    def command(self) -> list[str]:
        command = [ensure_wrk(), "-t1", f"-c{self.connections}"]
        command += [f"-d{self.seconds}s", "--timeout", "5s"]
        return [*command, "-s", str(WRK_SCRIPTS / self.script), self.url, "--", *self.args]


def wrk_together(loads: list[Load]) -> list[Run]:
    """Run the wrk processes at the same time; each one's figures."""
    started = [
        subprocess.Popen(load.command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for load in loads
    ]
    runs = []
    for process in started:
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"wrk failed ({process.returncode}):\n{stdout}{stderr}")
        runs.append(Run.parse(stdout))
    return runs


def wrk(options: Options, url: str, script: str, *args: str, seconds: int | None = None) -> Run:
    load = Load(url, script, args, options.connections, seconds or options.seconds)
    (run,) = wrk_together([load])
    return run


def describe(run: Run) -> str:
    line = (
        f"{run.throughput:8.0f} req/s  p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:6.2f} ms  "
        f"failures {run.failures}"
    )
    if run.queue_at_end is not None:
        line += f"  queue at end {run.queue_at_end}  drained in {run.drain_seconds:.2f} s"
    return line


async def compare(
    name: str,
    options: Options,
    service_run: Callable[[], Awaitable[Run]],
    floor_run: Callable[[], Awaitable[Run]],
    labels: tuple[str, str] = ("service", "floor"),
) -> Comparison:
    """``options.rounds`` rounds, each the floor run then the service run."""
    service_runs: list[Run] = []
    floor_runs: list[Run] = []
    for round_number in range(1, options.rounds + 1):
        for side, runner, runs in (
            (labels[1], floor_run, floor_runs),
            (labels[0], service_run, service_runs),
        ):
            run = await runner()
            runs.append(run)
            print(f"  {name} round {round_number} {side:<7} {describe(run)}", flush=True)
    return Comparison(name, Side(service_runs), Side(floor_runs), labels)
