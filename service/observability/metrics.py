"""Prometheus metrics: requests, the email pipeline, limits, and the sign-in funnel.

Each app has its own registry (tests build many apps in one process). Each process exposes its
own numbers at ``GET /metrics`` on its metrics listener (:mod:`service.api.metrics_listener`), never
on the API port; Prometheus adds them up across processes. Queue depth and lag are read from
Redis when scraped, so every process reports the shared queue.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from service.observability.request_stats import RequestStats


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http = RequestStats()
        r.register(self.http)
        self.links_requested = Counter(
            "magiclink_signin_links_requested",
            "Sign-in emails asked for and accepted.",
            registry=r,
        )
        self.refused = Counter(
            "magiclink_rate_limit_refusals",
            "Requests refused by a limit (429, or 503 when password checks are busy).",
            ["policy"],
            registry=r,
        )
        self.emails = Counter(
            "magiclink_emails",
            "Emails by kind and what happened: sent, retried, dead, dropped (no account), "
            "capped (the address had its emails of the day), paced (waiting for the study's pace), "
            "sent-before (sent already; its settlement had been lost in a failover).",
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
            "Refused sign-ins by method (link, code, password, reauth): no such account, or a "
            "wrong, expired or used secret.",
            ["method"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "magiclink_outbox_depth", "Emails in the outbox by state.", ["state"], registry=r
        )
        self.links_expired_unused = Gauge(
            "magiclink_signin_links_expired_unused",
            "Sign-in links (with their codes) never used: expired, replaced, revoked, or left "
            "when another link signed in. A running total shared by every process.",
            registry=r,
        )
        self.redis_up = Gauge(
            "magiclink_redis_up",
            "1 when Redis answered this scrape's questions (the outbox figures are current), "
            "0 when it did not (they are the last ones read).",
            registry=r,
        )
        self.outbox_lag = Gauge(
            "magiclink_outbox_lag_seconds",
            "Age of the oldest undelivered email (0 when the outbox is empty).",
            registry=r,
        )

        self.outbox_replicas_acknowledging = Gauge(
            "magiclink_outbox_replicas_acknowledging",
            "Durable accept (MAGICLINK_ACCEPT_REPLICAS): replicas of the outbox's master that "
            "confirmed the last link request this process accepted.",
            registry=r,
        )
        self.outbox_replicas = Gauge(
            "magiclink_outbox_replicas",
            "Replicas the outbox's master has, read when scraped (-1 when Redis did not answer).",
            registry=r,
        )
        self.accepts_unreplicated = Counter(
            "magiclink_signin_links_unreplicated",
            "Link requests answered 503 because fewer replicas than MAGICLINK_ACCEPT_REPLICAS "
            "confirmed them in time (the job was queued on the master all the same).",
            registry=r,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
