"""Scale, reported and not a target: the end-to-end load (default ``serve`` with its worker,
fresh unknown addresses, throughput counted until the outbox is empty again)

- on two ``serve`` processes against one Redis versus one ``serve``: the same wrk connections in
  all, split over two wrk processes running at once, one per ``serve``; the second ``serve`` is
  up only for its runs (its worker would otherwise help the single one drain);
- on one ``serve`` against the three-master Redis Cluster versus one against a single Redis.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace

from tests.load.end_to_end import LinkLoad, drained
from tests.load.outbox_probe import OutboxProbe
from tests.load.runs import Comparison, Run, compare, describe, wrk_together


@dataclass(frozen=True)
class ScaleRound:
    one: Run  # one serve, every connection, drained
    two: tuple[Run, Run]  # each serve's wrk, half the connections each
    two_queue_at_end: int
    two_drain_seconds: float

    @property
    def two_throughput(self) -> float:
        requests = sum(run.requests for run in self.two)
        return requests / (max(run.seconds for run in self.two) + self.two_drain_seconds)

    @property
    def ratio(self) -> float:
        return self.two_throughput / self.one.throughput

    @property
    def failures(self) -> int:
        return self.one.failures + sum(run.failures for run in self.two)


@dataclass(frozen=True)
class TwoServes:
    rounds: list[ScaleRound]

    @property
    def ratio(self) -> float:
        return statistics.median(r.ratio for r in self.rounds)

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.rounds)

    def lines(self) -> list[str]:
        lines = [
            "| round | one serve req/s | its p99 ms | two serves req/s | serve 1 p99 ms | "
            "serve 2 p99 ms | queue at end (one / two) | drain s (one / two) | ratio |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for number, r in enumerate(self.rounds, start=1):
            lines.append(
                f"| {number} | {r.one.throughput:.0f} | {r.one.p99_ms:.2f} | "
                f"{r.two_throughput:.0f} | {r.two[0].p99_ms:.2f} | {r.two[1].p99_ms:.2f} | "
                f"{r.one.queue_at_end} / {r.two_queue_at_end} | "
                f"{r.one.drain_seconds:.2f} / {r.two_drain_seconds:.2f} | {r.ratio:.2f} |"
            )
        one = statistics.median(r.one.throughput for r in self.rounds)
        two = statistics.median(r.two_throughput for r in self.rounds)
        lines.append(
            f"| **median** | {one:.0f} | "
            f"{statistics.median(r.one.p99_ms for r in self.rounds):.2f} | {two:.0f} | "
            f"{statistics.median(r.two[0].p99_ms for r in self.rounds):.2f} | "
            f"{statistics.median(r.two[1].p99_ms for r in self.rounds):.2f} | | | "
            f"**{self.ratio:.2f}** |"
        )
        return lines


async def two_serves(
    load: LinkLoad,
    probe: OutboxProbe,
    first_url: str,
    start_second: Callable[[], str],
    stop_second: Callable[[], None],
    rounds: int,
) -> TwoServes:
    half = load.options.connections // 2
    done = []
    for number in range(1, rounds + 1):
        one = await drained(probe, load.run(first_url))
        print(f"  two serves round {number} one serve  {describe(one)}", flush=True)
        second_url = start_second()
        await drained(probe, load.run(second_url, 1))  # its first requests, not measured
        runs = wrk_together(
            [load.load(first_url, half), load.load(second_url, load.options.connections - half)]
        )
        depth = await probe.depth()
        drain = await probe.drain()
        stop_second()
        scale_round = ScaleRound(one, (runs[0], runs[1]), depth.jobs, drain)
        print(
            f"  two serves round {number} two serves {scale_round.two_throughput:8.0f} req/s  "
            f"p99 {runs[0].p99_ms:6.2f} / {runs[1].p99_ms:6.2f} ms  queue at end {depth.jobs}  "
            f"drained in {drain:.2f} s  ratio {scale_round.ratio:.2f}",
            flush=True,
        )
        done.append(scale_round)
    return TwoServes(done)


async def cluster_versus_single(
    load: LinkLoad,
    single: tuple[str, OutboxProbe],
    cluster: tuple[str, OutboxProbe],
    rounds: int,
) -> Comparison:
    """A Comparison whose "service" is the serve on the Cluster, its "floor" the one on one
    Redis: the ratios are Cluster over single."""
    (single_url, single_probe), (cluster_url, cluster_probe) = single, cluster
    await drained(cluster_probe, load.run(cluster_url, min(3, load.options.seconds)))

    async def on_cluster() -> Run:
        return await drained(cluster_probe, load.run(cluster_url))

    async def on_single() -> Run:
        return await drained(single_probe, load.run(single_url))

    return await compare(
        "Cluster versus single Redis",
        replace(load.options, rounds=rounds),
        on_cluster,
        on_single,
        labels=("cluster", "single"),
    )
