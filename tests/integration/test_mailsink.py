"""``magiclink mailsink``: real emails in by SMTP, the latest sign-in per address out by HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiosmtplib
import httpx
import pytest

from service.api.application import create_app
from service.auth.tokens import CODE_ALPHABET, CODE_LENGTH
from service.cli._mailsink_server import RunningSink, parse_sign_in, running_sink
from service.email.message import build_message, default_sign_in_template, sign_in_values
from service.settings import Settings
from service.settings import SmtpServer as SmtpSettings
from service.store.connection import RedisClient
from service.studies.model import Study
from tests.support.api import ADMIN_KEY
from tests.support.ports import free_port


@pytest.fixture
async def sink() -> AsyncIterator[RunningSink]:
    async with running_sink("127.0.0.1", free_port(), free_port()) as running:
        yield running


@pytest.fixture
async def sink_http(sink: RunningSink) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sink.http_port}") as client:
        yield client


def _study() -> Study:
    return Study(identifier="study-a", name="Study A")


async def _send_sign_in(sink: RunningSink, to: str, token: str, code: str) -> None:
    values = sign_in_values(_study(), to, token, code, "https://signin.example.org")
    message = build_message(
        default_sign_in_template(),
        values,
        to=to,
        mail_from="Study Team <study@example.org>",
        message_id=f"<{token}@example.org>",
    )
    await aiosmtplib.send(
        message.data,
        sender=message.envelope_from,
        recipients=[message.envelope_to],
        hostname="127.0.0.1",
        port=sink.smtp_port,
    )


async def test_keeps_the_latest_token_and_code_of_each_address(
    sink: RunningSink, sink_http: httpx.AsyncClient
) -> None:
    await _send_sign_in(sink, "Ann@Example.org", "first-token_A1", "ABCD2345")
    await _send_sign_in(sink, "ann@example.org", "second-token_B2", "WXYZ6789")
    await _send_sign_in(sink, "bob@example.org", "bob-token", "HJKM2345")

    ann = (await sink_http.get("/messages/ANN@example.org")).json()
    assert ann["address"] == "ann@example.org"
    assert ann["token"] == "second-token_B2"
    assert ann["code"] == "WXYZ6789"
    assert ann["count"] == 2
    assert "token=second-token_B2" in ann["link"]
    assert ann["link"].startswith("https://signin.example.org/")
    assert ann["receivedAt"].endswith("Z")

    bob = (await sink_http.get("/messages/bob@example.org")).json()
    assert (bob["token"], bob["code"], bob["count"]) == ("bob-token", "HJKM2345", 1)

    stats = (await sink_http.get("/stats")).json()
    assert stats["messages"] == 3
    assert stats["deliveries"] == 3
    assert stats["withToken"] == 3
    assert stats["addresses"] == 2


async def test_unknown_address_is_404_and_reset_forgets_everything(
    sink: RunningSink, sink_http: httpx.AsyncClient
) -> None:
    assert (await sink_http.get("/messages/nobody@example.org")).status_code == 404
    await _send_sign_in(sink, "ann@example.org", "a-token", "ABCD2345")
    assert (await sink_http.get("/messages/ann@example.org")).status_code == 200

    assert (await sink_http.delete("/messages")).status_code == 200

    assert (await sink_http.get("/messages/ann@example.org")).status_code == 404
    stats = (await sink_http.get("/stats")).json()
    assert (stats["messages"], stats["addresses"]) == (0, 0)


async def test_an_email_without_a_sign_in_counts_but_keeps_the_last_token(
    sink: RunningSink, sink_http: httpx.AsyncClient
) -> None:
    await _send_sign_in(sink, "ann@example.org", "a-token", "ABCD2345")
    await aiosmtplib.send(
        b"Subject: hello\r\n\r\nNo link here.\r\n",
        sender="x@example.org",
        recipients=["ann@example.org"],
        hostname="127.0.0.1",
        port=sink.smtp_port,
    )
    ann = (await sink_http.get("/messages/ann@example.org")).json()
    assert (ann["token"], ann["code"], ann["count"]) == ("a-token", "ABCD2345", 2)
    assert (await sink_http.get("/stats")).json()["withoutToken"] == 1


async def test_memory_is_bounded_by_forgetting_the_oldest_address() -> None:
    async with running_sink("127.0.0.1", free_port(), free_port(), max_addresses=2) as sink:
        for name in ("a", "b", "c"):
            await _send_sign_in(sink, f"{name}@example.org", f"{name}-token", "ABCD2345")
        assert sink.sink.latest("a@example.org") is None
        assert sink.sink.latest("c@example.org") is not None
        assert sink.sink.stats()["evicted"] == 1


def test_parses_crlf_text_and_only_whole_code_lines() -> None:
    code = CODE_ALPHABET[:CODE_LENGTH]
    raw = (
        "Subject: x\r\nContent-Type: text/plain\r\n\r\n"
        "Open https://h.example/s/st?email=a%40b.c&token=Tok_en-1 now\r\n"
        f"or type\r\n  {code}\r\nNOTACODE1\r\n"
    ).encode()
    found = parse_sign_in(raw)
    assert found.token == "Tok_en-1"
    assert found.code == code
    assert found.link == "https://h.example/s/st?email=a%40b.c&token=Tok_en-1"
    assert parse_sign_in(b"Subject: x\r\n\r\nABCDEFGH1\r\n").code is None


async def test_the_service_delivers_to_the_sink_and_its_token_signs_in(
    sink: RunningSink, sink_http: httpx.AsyncClient, settings: Settings, redis: RedisClient
) -> None:
    settings = settings.replace(smtp=SmtpSettings("127.0.0.1", sink.smtp_port, "none"))
    app = create_app(settings, redis=redis)
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            study: dict[str, Any] = {
                "identifier": "study-a",
                "name": "Study A",
                "emailSignInEnabled": True,
                "emailSignInRequestIntervalSeconds": 0,
            }
            assert (await client.post("/v3/studies", json=study, headers=admin)).status_code == 201
            address = "Load.Test@Example.org"
            created = await client.post(
                "/v3/studies/study-a/participants",
                json={"email": address, "consented": True},
                headers=admin,
            )
            assert created.status_code == 201, created.text

            requested = await client.post(
                "/v3/auth/email", json={"study": "study-a", "email": address}
            )
            assert requested.status_code == 202
            latest: dict[str, Any] = {}
            for _ in range(200):
                response = await sink_http.get(f"/messages/{address}")
                if response.status_code == 200:
                    latest = response.json()
                    break
                await asyncio.sleep(0.05)
            assert latest, "no email reached the sink"
            assert latest["code"] is not None

            signed_in = await client.post(
                "/v3/auth/email/signIn",
                json={"study": "study-a", "email": address, "token": latest["token"]},
            )
            assert signed_in.status_code == 200, signed_in.text
            session = signed_in.json()["sessionToken"]
            me = await client.get("/v3/participants/self", headers={"Bridge-Session": session})
            assert me.status_code == 200
