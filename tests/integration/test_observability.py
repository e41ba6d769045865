"""Metrics (on their own listener, never on the API port) and the request id in answers and
log lines."""

from __future__ import annotations

import io
import itertools
import json
import logging
import signal
import socket

import httpx
import pytest

from service.api.application import create_app
from service.api.errors import EndpointNotFound, answer
from service.api.metrics_listener import listen
from service.observability.logging import JsonFormatter
from service.settings import ListenAddress, Settings
from service.store.connection import RedisClient
from tests.support.api import Api
from tests.support.ports import free_port


def _samples(text: str, name: str) -> dict[str, float]:
    """Prometheus text lines of one metric: the labels part -> value."""
    found = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels, _, value = line.rpartition(" ")
            found[labels[len(name) :]] = float(value)
    return found


async def test_metrics_count_requests_emails_and_the_funnel(api: Api) -> None:
    await api.create_study("study-a", emailSignInRequestIntervalSeconds=60)
    await api.create_participant("study-a", "m@example.org", consented=True)
    token = await api.emailed_token("study-a", "m@example.org")
    assert (await api.request_link("study-a", "m@example.org")).status_code == 429
    await api.client.get(f"/s/study-a?email=m%40example.org&token={token}")
    assert (await api.sign_in_with_token("study-a", "m@example.org", token)).status_code == 200
    assert (await api.sign_in_with_token("study-a", "m@example.org", token)).status_code == 404
    await api.counted('magiclink_emails_total{kind="sign-in",outcome="sent"}')

    response = await api.scrape_metrics()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = _samples(text, "magiclink_http_requests_total")
    assert requests['{method="POST",route="/v3/auth/email",status="202"}'] == 1
    assert requests['{method="POST",route="/v3/auth/email",status="429"}'] == 1
    assert requests['{method="POST",route="/v3/auth/email/signIn",status="404"}'] == 1
    # Routes are templates, never raw paths with ids or tokens in them.
    assert "token=" not in text
    assert 'route="/s/{study_id}"' in text
    assert _samples(text, "magiclink_signin_links_requested_total") == {"": 1}
    assert _samples(text, "magiclink_rate_limit_refusals_total") == {'{policy="address"}': 1}
    emails = _samples(text, "magiclink_emails_total")
    assert emails['{kind="sign-in",outcome="sent"}'] == 1
    assert _samples(text, "magiclink_landing_page_views_total") == {'{platform="desktop"}': 1}
    assert _samples(text, "magiclink_sign_ins_total") == {'{method="link"}': 1}
    assert _samples(text, "magiclink_failed_sign_ins_total") == {'{method="link"}': 1}
    assert _samples(text, "magiclink_outbox_depth")['{state="dead"}'] == 0
    assert _samples(text, "magiclink_outbox_lag_seconds") == {"": 0}
    latency = _samples(text, "magiclink_http_request_duration_seconds_count")
    assert latency['{method="POST",route="/v3/auth/email"}'] == 2


async def test_the_api_port_tells_no_one_which_addresses_have_accounts(api: Api) -> None:
    """The attack: ask for a link for an address, then read the email counters. A known address
    moves "sent" by one, an unknown one "dropped". On the API port /metrics is an unknown path,
    whatever the configuration, so there is nothing to read."""
    await api.create_study("study-a")
    await api.create_participant("study-a", "known@example.org", consented=True)
    unknown_path = (await api.client.get("/no-such-path")).json()
    for address in ("known@example.org", "nobody@example.org"):
        assert (await api.request_link("study-a", address)).status_code == 202
        for method in ("GET", "HEAD"):
            probe = await api.client.request(method, "/metrics")
            assert probe.status_code == 404
            assert "magiclink_" not in probe.text
        refused = (await api.client.get("/metrics")).json()
        assert refused == answer(EndpointNotFound("No endpoint at /metrics.")).body
        assert refused.keys() == unknown_path.keys()
        assert refused["type"] == unknown_path["type"]
    await api.mailbox.wait_for("known@example.org")
    # The counters are there, where only the operator's scraper reaches.
    assert await api.counted('magiclink_emails_total{kind="sign-in",outcome="sent"}') == 1
    emails = _samples((await api.scrape_metrics()).text, "magiclink_emails_total")
    assert emails['{kind="sign-in",outcome="sent"}'] == 1  # still one: the unknown address got none


@pytest.mark.parametrize("redis", ["embedded"], indirect=True)
async def test_the_listener_serves_metrics_health_and_readiness_while_the_app_runs(
    settings: Settings, redis: RedisClient
) -> None:
    address = ListenAddress("127.0.0.1", free_port())
    app = create_app(settings, redis=redis, metrics_socket=listen(address))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    async with app.router.lifespan_context(app), httpx.AsyncClient(base_url=address.url) as http:
        # The process's own server (or the worker) keeps SIGTERM: it decides when all stops.
        assert {sig: signal.getsignal(sig) for sig in handlers} == handlers
        metrics = await http.get("/metrics")
        assert metrics.status_code == 200
        assert "magiclink_outbox_depth" in metrics.text
        assert (await http.get("/health")).json() == {"status": "ok"}
        assert (await http.get("/ready")).json() == {"status": "ready", "redis": "ok"}
        assert (await http.post("/v3/auth/email", json={})).status_code == 404
    with socket.socket() as probe:  # stopped with the app: the port is closed
        assert probe.connect_ex((address.host, address.port)) != 0


async def test_every_answer_carries_a_request_id(api: Api) -> None:
    fresh = await api.client.get("/health")
    assert len(fresh.headers["x-request-id"]) == 16
    # Random, not a count: consecutive ids share no part that would tell the process's traffic.
    following = [(await api.client.get("/health")).headers["x-request-id"] for _ in range(20)]
    for before, after in itertools.pairwise([fresh.headers["x-request-id"], *following]):
        assert before[:8] != after[:8]
        assert before[-8:] != after[-8:]
    echoed = await api.client.get("/health", headers={"X-Request-ID": "trace-42.a_b"})
    assert echoed.headers["x-request-id"] == "trace-42.a_b"
    unsafe = await api.client.get("/health", headers={"X-Request-ID": "a b<script>"})
    assert unsafe.headers["x-request-id"] != "a b<script>"


async def test_log_lines_carry_the_request_id_and_no_secrets(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "logs@example.org", consented=True)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonFormatter())  # formats when the line is written, as in production
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        token = await api.emailed_token("study-a", "logs@example.org")
        for request_id in ("req-1", "req-2"):  # the second use of the token is refused
            await api.client.post(
                "/v3/auth/email/signIn",
                json={"study": "study-a", "email": "logs@example.org", "token": token},
                headers={"X-Request-ID": request_id},
            )
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    every = [json.loads(line) for line in written.getvalue().splitlines()]
    # The service's own lines (the test's SMTP server logs under "mail.log").
    lines = [line for line in every if line["logger"].startswith(("service.", "magiclink"))]
    signed_in = [line for line in lines if line.get("request_id") == "req-1"]
    assert any("email sign-in" in line["message"] for line in signed_in)
    refused = [line for line in lines if line.get("request_id") == "req-2"]
    # By default only answers of 400 and above get an access-log line.
    assert not any(line["logger"] == "magiclink.access" for line in signed_in)
    access = [line["message"] for line in refused if line["logger"] == "magiclink.access"]
    assert len(access) == 1
    assert access[0].startswith("POST /v3/auth/email/signIn 404 ")
    everything = "\n".join(json.dumps(line) for line in lines)
    assert token not in everything
    assert "logs@example.org" not in everything
