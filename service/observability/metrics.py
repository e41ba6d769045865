"""Prometheus metrics: requests, the email pipeline, limits, and the sign-in funnel.

Each app has its own registry (tests build many apps in one process). Each process exposes its
own numbers at ``GET /metrics``; Prometheus adds them up across processes. Queue depth and lag
are read from Redis when scraped, so every process reports the shared queue.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Latency buckets around what an API on Redis answers in: sub-millisecond to seconds.
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "magiclink_http_requests",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "magiclink_http_request_duration_seconds",
            "Time to answer, by route.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.links_requested = Counter(
            "magiclink_signin_links_requested",
            "Sign-in emails asked for and accepted.",
            registry=r,
        )
        self.refused = Counter(
            "magiclink_rate_limit_refusals",
            "Requests refused by a limit (429).",
            ["policy"],
            registry=r,
        )
        self.emails = Counter(
            "magiclink_emails",
            "Emails by kind and what happened: sent, retried, dead, dropped.",
            ["kind", "outcome"],
            registry=r,
        )
        self.landing_views = Counter(
            "magiclink_landing_page_views",
            "Sign-in link pages opened in a browser.",
            ["platform"],
            registry=r,
        )
        self.sign_ins = Counter(
            "magiclink_sign_ins",
            "Successful sign-ins by method (link, code, password, reauth).",
            ["method"],
            registry=r,
        )
        self.failed_sign_ins = Counter(
            "magiclink_failed_sign_ins",
            "Refused sign-ins by method (wrong, expired, used).",
            ["method"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "magiclink_outbox_depth", "Emails in the outbox by state.", ["state"], registry=r
        )
        self.outbox_lag = Gauge(
            "magiclink_outbox_lag_seconds",
            "Age of the oldest undelivered email (0 when the outbox is empty).",
            registry=r,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The route's path template (``/v3/studies/{study_id}``), never the raw path: raw paths
    carry ids and would make a time series per participant."""
    route = scope.get("route")
    return route.path if isinstance(route, Route) else "unmatched"


class RequestMetrics:
    """ASGI middleware counting and timing every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            route = route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
