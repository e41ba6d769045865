"""``GET /openapi.json``: the OpenAPI document of every endpoint."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services
from service.api.document import openapi_document
from service.api.operations import Answer, Operation


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document(services(request).settings.base_url))


operations = [
    Operation(
        "GET",
        "/openapi.json",
        "openapi",
        openapi_json,
        "Documentation",
        "This OpenAPI document.",
        {
            200: Answer(
                "The OpenAPI 3.1 document.",
                schema={"type": "object", "required": ["openapi", "info", "paths"]},
            )
        },
        uses_redis=False,
    ),
]
