"""``GET /openapi.json``: the OpenAPI document of every endpoint."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.api.openapi import openapi_document
from service.api.routes.context import services


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document(services(request).settings.base_url))


routes = [
    Route("/openapi.json", openapi_json, methods=["GET"]),
]
