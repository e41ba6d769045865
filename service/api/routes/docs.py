"""The API's documentation: ``GET /openapi.json``, and ``GET /docs``, a page that shows it.

``/`` and ``/redoc`` (where other services keep their docs) redirect to ``/docs``, so whoever
opens the bare address finds the page instead of a 404.

The page is Swagger UI 5 (which reads OpenAPI 3.1) from the ``swagger-ui-py`` package
(installed from PyPI, served from here: no CDN), started by our own ``templates/docs.js``,
under a Content-Security-Policy that runs scripts from this origin only. It reads the document
and sends no requests of its own ("Try it out" is off: calls belong in an app or curl, with
their keys kept out of a browser).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import swagger_ui
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from service import templates_dir
from service.api.context import services
from service.api.document import openapi_document
from service.api.operations import Answer, Operation


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document(services(request).settings.base_url))


_PAGE_HEADERS = {
    # Swagger UI sets style attributes as it draws, hence 'unsafe-inline' for styles only.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_ASSET_HEADERS = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
_SWAGGER_UI = Path(swagger_ui.__file__).parent / "static"
# What /docs/{asset} serves: its file and type.
_ASSETS = {
    "swagger-ui.css": (_SWAGGER_UI / "swagger-ui.css", "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": (
        _SWAGGER_UI / "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
    ),
    "docs.js": (templates_dir() / "docs.js", "text/javascript; charset=utf-8"),
}


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


async def docs_page(request: Request) -> Response:
    html = services(request).pages.render("docs.html")
    return HTMLResponse(html, headers=_PAGE_HEADERS)


async def to_docs_page(request: Request) -> Response:
    # Relative: the redirect stays on whatever host and scheme the reader came by.
    return RedirectResponse("/docs", status_code=302)


def _to_docs(path: str, operation_id: str) -> Operation:
    return Operation(
        "GET",
        path,
        operation_id,
        to_docs_page,
        "Documentation",
        "Redirects to the documentation page, /docs.",
        {
            302: Answer(
                "To /docs.",
                media_type="text/plain",
                headers={"Location": {"schema": {"type": "string", "const": "/docs"}}},
            )
        },
        uses_redis=False,
    )


def _asset(name: str) -> Operation:
    path, media_type = _ASSETS[name]

    async def asset(request: Request) -> Response:
        return Response(_read(path), media_type=media_type, headers=_ASSET_HEADERS)

    kind = "style sheet" if name.endswith(".css") else "script"
    return Operation(
        "GET",
        f"/docs/{name}",
        f"docs{''.join(part.title() for part in name.replace('.', '-').split('-'))}",
        asset,
        "Documentation",
        f"A {kind} of the documentation page.",
        {200: Answer(f"The {kind}.", schema={"type": "string"}, media_type=media_type)},
        uses_redis=False,
    )


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
    Operation(
        "GET",
        "/docs",
        "docsPage",
        docs_page,
        "Documentation",
        "A page that shows this document (Swagger UI).",
        {200: Answer("The page.", schema={"type": "string"}, media_type="text/html")},
        uses_redis=False,
    ),
    *(_asset(name) for name in _ASSETS),
    _to_docs("/", "root"),
    _to_docs("/redoc", "redoc"),
]
