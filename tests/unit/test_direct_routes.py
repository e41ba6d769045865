"""Direct routes take every request to the route Starlette's ordered walk would have taken, and
answer a handler's error with the app's handlers, as the walk does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Route

from service.api.application import create_app
from service.api.direct_routes import DirectRoutes, direct_table
from service.api.observed_requests import ObservedRequests
from service.api.operations import TableRoute
from service.observability.metrics import Metrics
from service.settings import Settings


def _walk(routes: list[BaseRoute], method: str, path: str) -> BaseRoute | None:
    """The route Starlette's router hands a request to: the first full match, in order."""
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    return next((route for route in routes if route.matches(scope)[0] is Match.FULL), None)


def test_the_service_takes_every_fixed_path_to_the_route_the_walk_would() -> None:
    app = create_app(Settings())
    table = direct_table(app.routes)
    # The busiest answers are among them (the point of the router).
    assert ("POST", "/v3/auth/email") in table
    assert ("POST", "/v3/auth/email/signIn") in table
    for (method, path), route in table.items():
        assert _walk(app.routes, method, path) is route, (method, path)


async def _ok(request: Request) -> Response:
    return PlainTextResponse(request.scope["route"].path)


async def _fails(request: Request) -> Response:
    raise HTTPException(418, "short and stout")


def test_a_path_an_earlier_route_would_take_and_paths_with_parameters_are_left_to_the_walk() -> (
    None
):
    routes: list[BaseRoute] = [
        Route("/items/{name}", _ok, methods=["GET"]),
        TableRoute("/items/new", _ok, methods=["GET", "POST"]),
        TableRoute("/things/{name}", _ok, methods=["GET"]),
    ]
    table = direct_table(routes)
    assert set(table) == {("POST", "/items/new")}  # GET /items/new is the first route's


async def _crashes(request: Request) -> Response:
    raise LookupError("a bug")


async def test_a_direct_route_answers_with_the_walk_s_route_and_the_app_s_error_handlers() -> None:
    async def teapot(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"caught": exc.detail}, exc.status_code)

    routes: list[BaseRoute] = [
        Route("/items/{name}", _ok, methods=["GET"]),
        TableRoute("/items/new", _ok, methods=["GET", "POST"]),
        TableRoute("/fails", _fails, methods=["POST"]),
        TableRoute("/crashes", _crashes, methods=["POST"]),
    ]
    handlers = {HTTPException: teapot}
    direct = DirectRoutes(routes, handlers)
    assert direct.find({"type": "http", "method": "POST", "path": "/fails"}) is not None
    observed = Middleware(ObservedRequests, metrics=Metrics(), direct=direct)
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=[observed])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/items/new")).text == "/items/new"
        assert (await client.get("/items/new")).text == "/items/{name}"
        failed = await client.post("/fails")
        assert (failed.status_code, failed.json()) == (418, {"caught": "short and stout"})
        # A method the path does not take is the walk's 405, through the app's handler.
        assert (await client.get("/fails")).status_code == 405
        # What no handler takes is a 500, as from the walk.
        assert (await client.post("/crashes")).status_code == 500


async def _answers(app: Starlette) -> list[tuple[int, str]]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        requests = [("POST", "/fails"), ("GET", "/fails"), ("POST", "/crashes"), ("POST", "/none")]
        return [
            (answer.status_code, answer.text)
            for answer in [await client.request(method, path) for method, path in requests]
        ]


@pytest.mark.parametrize("with_status_and_500_handlers", [False, True])
async def test_a_direct_route_chooses_the_error_handler_starlette_would(
    with_status_and_500_handlers: bool,
) -> None:
    """The same app with and without direct routes gives the same answers, also when a handler
    is registered by status code (it goes first for an HTTPException) or for ``Exception``
    (the 500's, which Starlette's server-error middleware runs)."""

    async def by_class(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"by class: {exc!r}", 400)

    async def by_status(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("by status", 418)

    async def server_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("server error", 500)

    handlers: dict[Any, Any] = {HTTPException: by_class}
    if with_status_and_500_handlers:
        handlers |= {418: by_status, Exception: server_error}
    routes: list[BaseRoute] = [
        TableRoute("/fails", _fails, methods=["POST"]),
        TableRoute("/crashes", _crashes, methods=["POST"]),
    ]
    walked = Starlette(routes=routes, exception_handlers=handlers)
    direct = Middleware(ObservedRequests, metrics=Metrics(), direct=DirectRoutes(routes, handlers))
    directly = Starlette(routes=routes, exception_handlers=handlers, middleware=[direct])
    answers = await _answers(directly)
    assert answers == await _answers(walked)
    assert answers[0][0] == (418 if with_status_and_500_handlers else 400)
