"""Per-request access to the app's services and the small answers every route shares."""

from __future__ import annotations

import functools
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from service.api.bodies import read_json
from service.app import Services
from service.json_text import ENCODER


class App(Starlette):
    """A Starlette app of the service; ``services`` is what its handlers use."""

    services: Services


def services(request: Request) -> Services:
    # A plain attribute of the app (see application.py): app.state's lookup is a Python call,
    # and the busiest endpoints ask three times a request.
    svc: Services = request.scope["app"].services
    return svc


async def json_body(request: Request, max_bytes: int | None = None) -> Any:
    """The request's JSON body, refused (413) past ``max_bytes`` (the setting by default)."""
    return await read_json(request, max_bytes or services(request).settings.max_body_bytes)


@functools.lru_cache(maxsize=64)  # a handful of fixed messages, one of them sent per sign-in
def _status_body(message: str) -> bytes:
    return ENCODER.encode({"message": message, "type": "StatusMessage"}).encode()


def status_message(message: str, status_code: int = 200) -> Response:
    return Response(_status_body(message), status_code, media_type="application/json")
