"""Request counts and latency histograms, as Prometheus reads them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from service.observability.request_stats import RequestStats


def _samples(stats: RequestStats) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(stats)
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _key(name: str, **labels: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


def test_counts_by_status_and_latency_by_route() -> None:
    stats = RequestStats()
    stats.observe("POST", "/v3/auth/email", 202, 0.0005)  # on a bound: counted in it
    stats.observe("POST", "/v3/auth/email", 202, 0.003)
    stats.observe("POST", "/v3/auth/email", 429, 0.0001)
    stats.observe("GET", "/health", 200, 9.0)  # past the last bound
    samples = _samples(stats)
    requests = "magiclink_http_requests_total"
    route = {"method": "POST", "route": "/v3/auth/email"}
    assert samples[_key(requests, status="202", **route)] == 2
    assert samples[_key(requests, status="429", **route)] == 1
    latency = "magiclink_http_request_duration_seconds"
    assert samples[_key(f"{latency}_bucket", le="0.0005", **route)] == 2
    assert samples[_key(f"{latency}_bucket", le="0.001", **route)] == 2
    assert samples[_key(f"{latency}_bucket", le="0.005", **route)] == 3
    assert samples[_key(f"{latency}_bucket", le="+Inf", **route)] == 3
    assert samples[_key(f"{latency}_count", **route)] == 3
    assert abs(samples[_key(f"{latency}_sum", **route)] - 0.0036) < 1e-9
    health = {"method": "GET", "route": "/health"}
    assert samples[_key(f"{latency}_bucket", le="5.0", **health)] == 0
    assert samples[_key(f"{latency}_bucket", le="+Inf", **health)] == 1


def test_nothing_observed_exposes_empty_families() -> None:
    assert _samples(RequestStats()) == {}
