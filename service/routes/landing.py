"""The page that answers a sign-in link opened in a browser. It never uses up the token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from service.deeplinks.pages import PAGE_HEADERS
from service.routes.context import services


async def sign_in_landing(request: Request) -> Response:
    # Mail scanners fetch every link before the person taps it: this handler only reads.
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    html = svc.pages.render(
        "landing.html",
        study_name=study.name if study else "",
        support_email=study.support_email if study else "",
    )
    return HTMLResponse(html, status_code=200 if study else 404, headers=PAGE_HEADERS)


routes = [
    Route("/s/{study_id}", sign_in_landing, methods=["GET", "HEAD"]),
]
