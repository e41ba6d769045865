"""Per-request access to the app's services and the small answers every route shares."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from service.api.bodies import read_json
from service.app import Services
from service.json_text import ENCODER


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def json_body(request: Request, max_bytes: int | None = None) -> Any:
    """The request's JSON body, refused (413) past ``max_bytes`` (the setting by default)."""
    return await read_json(request, max_bytes or services(request).settings.max_body_bytes)


@functools.lru_cache(maxsize=64)  # a handful of fixed messages, one of them sent per sign-in
def _status_body(message: str) -> bytes:
    return ENCODER.encode({"message": message, "type": "StatusMessage"}).encode()


def status_message(message: str, status_code: int = 200) -> Response:
    return Response(_status_body(message), status_code, media_type="application/json")
