"""The console's one script, served from the service (``templates/console/console.js``)."""

from __future__ import annotations

from functools import cache

from starlette.requests import Request
from starlette.responses import Response

from service import templates_dir
from service.api.operations import Answer, Operation

_MEDIA_TYPE = "text/javascript; charset=utf-8"
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


@cache
def _script() -> bytes:
    return (templates_dir() / "console" / "console.js").read_bytes()


async def console_js(request: Request) -> Response:
    return Response(_script(), media_type=_MEDIA_TYPE, headers=_HEADERS)


operations = [
    Operation(
        "GET",
        "/console/console.js",
        "consoleScript",
        console_js,
        "Console",
        "The console's script (the template editor's live preview).",
        {200: Answer("The script.", schema={"type": "string"}, media_type=_MEDIA_TYPE)},
        uses_redis=False,
    )
]
