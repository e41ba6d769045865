"""Per-request access to the app's services and the small answers every route shares."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from service.routes.bodies import read_json
from service.services import Services


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def json_body(request: Request) -> Any:
    return await read_json(request, services(request).settings.max_body_bytes)


def status_message(message: str, status_code: int = 200) -> JSONResponse:
    return JSONResponse({"message": message, "type": "StatusMessage"}, status_code=status_code)
