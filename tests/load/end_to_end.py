"""End to end: the default ``magiclink serve`` (its delivery worker in the same process) against
the floor, link requests for fresh unknown addresses, each side counted until it has finished
the work it accepted.

The service's throughput is requests ÷ (wrk's run time + the time after wrk ended until the
outbox was empty again); the floor queues nothing, so its drain time is 0.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from tests.load.outbox_probe import OutboxProbe
from tests.load.participants import STUDY
from tests.load.runs import Comparison, Load, Options, Run, compare, wrk_together

ENDPOINT = "POST /v3/auth/email, end to end"


@dataclass(frozen=True)
class LinkLoad:
    """wrk's request_link.lua: a fresh address every request, never one seen before."""

    options: Options
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))

    def load(self, url: str, connections: int | None = None, seconds: int | None = None) -> Load:
        return Load(
            url,
            "request_link.lua",
            (STUDY, f"{self.run_id}-{secrets.token_hex(3)}"),
            connections or self.options.connections,
            seconds or self.options.seconds,
        )

    def run(self, url: str, seconds: int | None = None) -> Run:
        (run,) = wrk_together([self.load(url, seconds=seconds)])
        return run


async def drained(probe: OutboxProbe, run: Run) -> Run:
    """``run`` (just ended) with the queue it left and how long that took to empty."""
    depth = await probe.depth()
    return run.drained(depth.jobs, await probe.drain())


async def end_to_end(
    load: LinkLoad, probe: OutboxProbe, service_url: str, floor_url: str
) -> Comparison:
    print(f"{ENDPOINT}: warming up", flush=True)
    warm_up = min(3, load.options.seconds)
    load.run(floor_url, warm_up)
    await drained(probe, load.run(service_url, warm_up))

    async def service() -> Run:
        return await drained(probe, load.run(service_url))

    async def floor() -> Run:
        return load.run(floor_url)

    return await compare(ENDPOINT, load.options, service, floor)
