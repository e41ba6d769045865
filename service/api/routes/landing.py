"""The page that answers a sign-in link opened in a browser. It never uses up the token."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from service.api.routes.context import services
from service.deeplinks.landing import LinkRequest, landing_page
from service.deeplinks.pages import PAGE_HEADERS
from service.deeplinks.platform import detect


async def sign_in_landing(request: Request) -> Response:
    # Mail scanners fetch (and render) every link before the person taps it: this handler
    # only reads, and never looks at the token, so it reveals nothing about it either.
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    if study is None:
        html = svc.pages.render("landing.html", page=None)
        return HTMLResponse(html, status_code=404, headers=PAGE_HEADERS)
    opened = LinkRequest(
        base_url=svc.settings.base_url,
        path=request.url.path,
        query=request.url.query,
        email=request.query_params.get("email", ""),
    )
    platform = detect(request.headers.get("user-agent", ""))
    page = landing_page(study, platform, opened, alt_base_url_for(request))
    svc.metrics.landing_views.labels("in-app" if platform.in_app else platform.os).inc()
    html = svc.pages.render("landing.html", **page.context())
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Vary": "User-Agent"})


def alt_base_url_for(request: Request) -> str | None:
    """The base URL for the "Open the app" button: never the page's own host, where a tap does
    not fire universal links. When the page was opened on the second host itself (a participant
    tapped the button without the app, or the link was rewritten), that is the main base URL."""
    settings = services(request).settings
    alt = settings.link_alt_base_url
    if alt and urlsplit(alt).hostname == request.url.hostname:
        return settings.base_url
    return alt


routes = [
    Route("/s/{study_id}", sign_in_landing, methods=["GET", "HEAD"]),
    # The link format of Bridge's older emails.
    Route("/mobile/{study_id}/startSession.html", sign_in_landing, methods=["GET", "HEAD"]),
]
