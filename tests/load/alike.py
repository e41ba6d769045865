"""Link requests for addresses with and without an account, one at a time: their latencies."""

from __future__ import annotations

import secrets
import statistics
import time
from dataclasses import dataclass

import httpx

from tests.load.participants import STUDY, Tokens


@dataclass(frozen=True)
class KnownVersusUnknown:
    """Latencies (ms) of link requests for addresses with and without an account."""

    known: list[float]
    unknown: list[float]

    def lines(self) -> list[str]:
        def row(name: str, samples: list[float]) -> str:
            ordered = sorted(samples)
            p90 = ordered[int(len(ordered) * 0.9)]
            return f"| {name} | {len(samples)} | {statistics.median(samples):.3f} | {p90:.3f} |"

        difference = statistics.median(self.known) - statistics.median(self.unknown)
        return [
            "| addresses | requests | median ms | p90 ms |",
            "|---|---:|---:|---:|",
            row("with an account", self.known),
            row("without one", self.unknown),
            "",
            f"Difference of the medians: {difference:+.3f} ms. Not a target: the suite checks "
            "what makes them alike (the same Redis commands, byte-identical answers; "
            "tests/integration/test_abuse.py), this shows the timing that follows.",
        ]


async def known_versus_unknown(
    tokens: Tokens, service_url: str, count: int = 500
) -> KnownVersusUnknown:
    """One client, one request at a time, known and unknown addresses alternately."""
    known_addresses = await tokens.participants(count)
    run = secrets.token_hex(4)
    samples: dict[bool, list[float]] = {True: [], False: []}
    async with httpx.AsyncClient(base_url=service_url, timeout=30) as client:
        for n, known_address in enumerate(known_addresses):
            for known, address in ((True, known_address), (False, f"nobody-{run}-{n}@x.org")):
                started = time.perf_counter()
                answer = await client.post(
                    "/v3/auth/email", json={"study": STUDY, "email": address}
                )
                samples[known].append((time.perf_counter() - started) * 1000)
                if answer.status_code != 202:
                    raise SystemExit(f"known versus unknown: {answer.status_code} {answer.text}")
    return KnownVersusUnknown(samples[True], samples[False])
