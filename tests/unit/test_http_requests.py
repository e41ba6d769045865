"""The access log's three modes, and its line: method, path without query, status, time."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from service.api.observed_requests import ObservedRequests
from service.observability.metrics import Metrics


async def _status(request: Request) -> PlainTextResponse:
    return PlainTextResponse("", status_code=int(request.path_params["code"]))


async def _access_lines(mode: str, paths: list[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    app = Starlette(
        routes=[Route("/status/{code}", _status)],
        middleware=[Middleware(ObservedRequests, metrics=Metrics(), access_log=mode)],
    )
    caplog.set_level(logging.INFO, logger="magiclink.access")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for path in paths:
            await client.get(path)
    return [r.getMessage() for r in caplog.records if r.name == "magiclink.access"]


PATHS = ["/status/200?token=secret", "/status/302", "/status/404", "/status/503"]


async def test_errors_mode_logs_answers_from_400(caplog: pytest.LogCaptureFixture) -> None:
    lines = await _access_lines("errors", PATHS, caplog)
    assert [line.rsplit(" ", 1)[0] for line in lines] == [
        "GET /status/404 404",
        "GET /status/503 503",
    ]


async def test_all_mode_logs_every_answer_without_the_query(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines = await _access_lines("all", PATHS, caplog)
    assert [line.split(" ")[:3] for line in lines] == [
        ["GET", "/status/200", "200"],
        ["GET", "/status/302", "302"],
        ["GET", "/status/404", "404"],
        ["GET", "/status/503", "503"],
    ]
    assert all(line.endswith("ms") for line in lines)
    assert not any("secret" in line for line in lines)


async def test_off_mode_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    assert await _access_lines("off", PATHS, caplog) == []
