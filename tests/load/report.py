"""bench/results.md: what was run, the figures, the targets checked, every round."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

from tests.load.alike import KnownVersusUnknown
from tests.load.delivery import Delivery
from tests.load.memory import PendingSignIn
from tests.load.onboarding import Onboarded
from tests.load.runs import Comparison, Options, ensure_wrk
from tests.load.scale import TwoServes

EVERY_ROUND = "## Every round"


@dataclass(frozen=True)
class Results:
    options: Options
    comparisons: list[Comparison]  # end to end first
    checks: list[tuple[str, bool]]
    delivered: list[Delivery]
    delivery_emails: int
    onboarded: Onboarded
    pending: PendingSignIn
    memory: dict[str, int]
    two_serves: TwoServes
    cluster: Comparison
    alike: KnownVersusUnknown


def machine() -> list[str]:
    def version(command: list[str]) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError:
            return "not found"
        return (done.stdout or done.stderr).strip().splitlines()[0].split(" Copyright")[0]

    return [
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        version(["redis-server", "--version"]),
        version([ensure_wrk(), "-v"]),
    ]


def _queue(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _drain(run_or_side_queue: float | None, drain: float) -> str:
    return "" if run_or_side_queue is None else f"{drain:.2f}"


def table(comparisons: list[Comparison]) -> list[str]:
    lines = [
        "| endpoint | side | req/s | p50 ms | p99 ms | queue at end | drain s | failures |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for comparison in comparisons:
        sides = (comparison.service, comparison.floor)
        for side_name, side in zip(comparison.labels, sides, strict=True):
            lines.append(
                f"| {comparison.endpoint} | {side_name} | {side.throughput:.0f} | "
                f"{side.p50_ms:.2f} | {side.p99_ms:.2f} | {_queue(side.queue_at_end)} | "
                f"{_drain(side.queue_at_end, side.drain_seconds)} | {side.failures} |"
            )
        lines.append(
            f"| {comparison.endpoint} | **ratio** | **{comparison.throughput_ratio:.2f}** | "
            f"{comparison.p50_ratio:.2f} | **{comparison.p99_ratio:.2f}** | | | |"
        )
    return lines


def rounds_table(comparisons: list[Comparison]) -> list[str]:
    lines = [
        "| endpoint | round | side | req/s | p50 ms | p99 ms | queue at end | drain s |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for comparison in comparisons:
        for number, (floor, service) in enumerate(
            zip(comparison.floor.runs, comparison.service.runs, strict=True), start=1
        ):
            for side_name, run in zip(comparison.labels[::-1], (floor, service), strict=True):
                lines.append(
                    f"| {comparison.endpoint} | {number} | {side_name} | {run.throughput:.0f} | "
                    f"{run.p50_ms:.2f} | {run.p99_ms:.2f} | {_queue(run.queue_at_end)} | "
                    f"{_drain(run.queue_at_end, run.drain_seconds)} |"
                )
    return lines


def delivery_lines(delivered: list[Delivery], emails: int) -> list[str]:
    rows = [
        f"| {d.who} | {d.queued} | {d.emails} | {d.seconds:.1f} | **{d.per_second:.0f}** | "
        f"{d.cpu_ms_per_email:.2f} | {d.sink_cpu_ms_per_email:.2f} | "
        f"{'yes' if d.finished else 'no (time cap)'} |"
        for d in delivered
    ]
    return [
        f"{emails} sign-in emails for known participants (default template, QR code included), "
        "queued through the API (`serve --no-worker`, 48 requests at a time) before the "
        "delivering process starts; the window opens when it has taken its first job (its "
        "start-up left out) and closes when the outbox is empty (or at the time cap). CPU: "
        "utime + stime from `/proc/<pid>/stat` over the window.",
        "",
        "| delivered by | jobs at the window's start | delivered | s | emails/s | "
        "CPU ms per email | mailsink CPU ms per email | emptied |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *rows,
    ]


def onboarding_lines(onboarded: Onboarded) -> list[str]:
    return [
        f"Not a target. `magiclink onboard --study bench FILE` (a CSV of "
        f"{onboarded.participants:,} fresh addresses, one `email` column; a subprocess, its "
        "start-up included) creates the participants and queues one onboarding email each, "
        "while one `magiclink worker`, started and up before it, delivers into the mail sink. "
        "Queue at the CLI's end: jobs in the outbox when it exited. Until the last email: from "
        "the CLI's start until the outbox is empty again; emails/s "
        "over that time, of the messages the sink received (all without a token, one per "
        "participant, unless marked short). CPU: utime + stime from `/proc/<pid>/stat` over the "
        "same time.",
        "",
        *onboarded.lines(),
    ]


def render(results: Results) -> str:
    options = results.options
    end_to_end = results.comparisons[0]
    service_runs = end_to_end.service.runs
    lines = [
        "# make bench: results",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: "
        + "; ".join(machine())
        + ". The service, the floor, Redis, the mail sink and wrk share this machine.",
        "",
        f"wrk, 1 thread, {options.connections} connections, {options.seconds} s per run; "
        f"{options.rounds} rounds, floor and service alternately. Sides: medians of the rounds; "
        "ratios: the median of each round's service run over the floor run just before it.",
        "",
        "- **end to end**: the default `magiclink serve` (its delivery worker in the process, "
        "SMTP to `magiclink mailsink`), fresh unknown addresses (on one Redis the accepting "
        "script queues no job for them); req/s = requests ÷ (wrk's run "
        "time + drain time), the drain time being how long after wrk ended the outbox took to "
        "be empty again (stream, pending entries, retry set); queue at end: jobs in the outbox "
        "when wrk ended.",
        "- **request path**: `magiclink serve --no-worker` (not a target).",
        "- every service: defaults (JSON logs at INFO) but for the request rate limits (off: the "
        "whole load comes from one address) and the daily cap of sign-in emails (off).",
        "- the floor (`tests/load/floor.py`): bare Starlette on the same uvicorn and Redis; "
        "request link: parse JSON, `SET NX EX`; sign-in: parse JSON, `GETDEL`, `SET`.",
        "",
        *table(results.comparisons),
        "",
        "## Targets",
        "",
        *(f"- [{'x' if ok else ' '}] {text}" for text, ok in results.checks),
        "",
        "## End to end: the queue each round",
        "",
        "Jobs in the outbox when wrk ended: "
        + ", ".join(str(run.queue_at_end) for run in service_runs)
        + "; seconds until it was empty: "
        + ", ".join(f"{run.drain_seconds:.2f}" for run in service_runs)
        + f"; wrk ran {options.seconds} s.",
        "",
        "## Delivery",
        "",
        *delivery_lines(results.delivered, results.delivery_emails),
        "",
        f"## Onboarding {results.onboarded.participants:,} participants",  # 10,000 by default
        "",
        *onboarding_lines(results.onboarded),
        "",
        "## Redis memory",
        "",
        "A pending sign-in (one link and its code), issued by the default `serve`'s worker for "
        "a participant with an account: `MEMORY USAGE` (every element counted) of every key "
        "carrying the participant's hash tag (found by `SCAN MATCH`), before and after "
        "(the daily cap of sign-in emails is off here, as for every service of the bench).",
        "",
        *results.pending.lines(),
        "",
        "Per item (`MEMORY USAGE`):",
        "",
        "| key | bytes |",
        "|---|---:|",
        *(f"| {name} | {size} |" for name, size in results.memory.items()),
        "",
        "## Scale (reported, not targets)",
        "",
        "The end-to-end load (default `serve` with its worker; req/s counted until the outbox "
        "is empty again). Two `serve` processes against one Redis versus one: the same "
        f"{options.connections} connections, split over two wrk processes running at once, one "
        "per `serve`; the second `serve` runs only during its rounds.",
        "",
        *results.two_serves.lines(),
        "",
        "One `serve` against the three-master Redis Cluster (tests/support/redis_cluster.py) "
        "versus one against a single Redis, alternately; ratio: Cluster over single.",
        "",
        *table([results.cluster]),
        "",
        "## Known and unknown addresses (`POST /v3/auth/email`, one request at a time)",
        "",
        *results.alike.lines(),
        "",
        EVERY_ROUND,
        "",
        *rounds_table([*results.comparisons, results.cluster]),
        "",
    ]
    return "\n".join(lines)


def summary(text: str) -> str:
    """The report without its table of every round."""
    return text.split(EVERY_ROUND, 1)[0].rstrip()
