"""HTTP request counts and latency, kept as plain numbers and turned into Prometheus families
only when ``/metrics`` is scraped.

prometheus_client's labelled Counter and Histogram take a lock and walk the buckets in Python
on every observation: about 4% of a link request's instructions (callgrind), at thousands of
requests a second per process. Here an observation is one dict lookup, one
bisection and two additions, all on the event loop's thread.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

# Latency buckets around what an API on Redis answers in: sub-millisecond to seconds.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class RequestStats(Collector):
    def __init__(self) -> None:
        # (method, route, status) -> [latency sum, count per bucket..., count above the last]
        self._entries: dict[tuple[str, str, int], list[float]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = [0.0] * (len(BUCKETS) + 2)
        entry[0] += seconds
        entry[1 + bisect_left(BUCKETS, seconds)] += 1

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "magiclink_http_requests",
            "HTTP requests by route and status.",
            labels=["method", "route", "status"],
        )
        # The latency histogram is by route only: status would multiply its series.
        by_route: dict[tuple[str, str], list[float]] = {}
        for (method, route, status), entry in list(self._entries.items()):
            requests.add_metric([method, route, str(status)], sum(entry[1:]))
            total = by_route.setdefault((method, route), [0.0] * len(entry))
            for index, value in enumerate(entry):
                total[index] += value
        latency = HistogramMetricFamily(
            "magiclink_http_request_duration_seconds",
            "Time to answer, by route.",
            labels=["method", "route"],
        )
        for (method, route), total in by_route.items():
            buckets, running = [], 0.0
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), total[1:], strict=True):
                running += count
                buckets.append((bound, running))
            latency.add_metric([method, route], buckets, sum_value=total[0])
        yield requests
        yield latency
