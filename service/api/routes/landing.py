"""The page that answers a sign-in link opened in a browser. It never uses up the token."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from service.api.accept_language import tags
from service.api.context import services
from service.api.operations import Answer, Operation, Parameter
from service.api.routes.parameters import STUDY_ID
from service.deeplinks.landing import LinkRequest, landing_page
from service.deeplinks.pages import PAGE_HEADERS
from service.deeplinks.platform import detect
from service.errors import NotFound
from service.i18n.catalogs import page_language
from service.store.study_stats import landing_field
from service.studies.model import Study

_HTML = {"type": "string"}
# The answers of a page for people: the study's, or a friendly "not valid" one.
PAGE = {
    200: Answer("The page for the study.", schema=_HTML, media_type="text/html"),
    404: Answer(
        "No such study: a page saying the link is not valid.",
        schema=_HTML,
        media_type="text/html",
    ),
}


# A page's language follows the browser's, so a cache must key it by both headers.
PAGE_VARY = {"Vary": "User-Agent, Accept-Language"}


def language_of(request: Request) -> str:
    """The language a participant's page is shown in: the first shipped language the
    browser asks for (Accept-Language; es-MX is served in es), else English.

    Not the language of the email that carried the link: the page is read in the browser of
    the phone that opens it, whose language is what its reader chose; and the link, which apps
    parse, keeps Bridge's exact form."""
    return page_language(tags(request.headers.get("accept-language")))


async def study_or_not_found_page(request: Request, template: str) -> Study | Response:
    """The study the path names (a cached copy), or the page's friendly 404 without one."""
    svc = services(request)
    try:
        return await svc.studies.get(request.path_params["study_id"], cached=True)
    except NotFound:
        html = svc.pages.render_in(language_of(request), template, page=None)
        return HTMLResponse(html, status_code=404, headers={**PAGE_HEADERS, **PAGE_VARY})


async def sign_in_landing(request: Request) -> Response:
    # Mail scanners fetch (and render) every link before the person taps it: this handler
    # only reads, and never looks at the token, so it reveals nothing about it either.
    svc = services(request)
    study = await study_or_not_found_page(request, "landing.html")
    if isinstance(study, Response):
        return study
    opened = LinkRequest(
        base_url=svc.settings.base_url,
        path=request.url.path,
        query=request.url.query,
        email=request.query_params.get("email", ""),
    )
    platform = detect(request.headers.get("user-agent", ""))
    page = landing_page(study, platform, opened, alt_base_url_for(request))
    svc.metrics.landing_views.labels(platform.category).inc()
    # In memory, written every few seconds: the page costs no round trip more (study_stats.py).
    svc.study_stats.count(study.identifier, landing_field(platform.category))
    html = svc.pages.render_in(language_of(request), "landing.html", **page.context())
    return HTMLResponse(html, headers={**PAGE_HEADERS, **PAGE_VARY})


def alt_base_url_for(request: Request) -> str | None:
    """The base URL for the "Open the app" button: never the page's own host, where a tap does
    not fire universal links. When the page was opened on the second host itself (a participant
    tapped the button without the app, or the link was rewritten), that is the main base URL."""
    settings = services(request).settings
    alt = settings.link_alt_base_url
    if alt and urlsplit(alt).hostname == request.url.hostname:
        return settings.base_url
    return alt


_SUMMARY = "The page a sign-in link opens in a browser; it never uses up the token."
_DESCRIPTION = (
    "Mail scanners fetch every link before the person taps it, so this page only reads and "
    "never looks at the token. Tailored to the device (User-Agent): an 'Open the app' button "
    "on another host or the custom scheme, store links, an Android intent link, a QR code of "
    "the link on computers, and advice for in-app browsers."
)
_PARAMETERS = (
    STUDY_ID,
    Parameter("email", "query", "The participant's address (the app reads it from the link)."),
    Parameter("token", "query", "The sign-in token; the page never reads it, the app does."),
)

operations = [
    Operation(
        "GET",
        "/s/{study_id}",
        "signInLanding",
        sign_in_landing,
        "Sign-in links",
        _SUMMARY,
        PAGE,
        description=_DESCRIPTION,
        parameters=_PARAMETERS,
    ),
    # The link format of Bridge's older emails opens the same page.
    Operation(
        "GET",
        "/mobile/{study_id}/startSession.html",
        "legacySignInLanding",
        sign_in_landing,
        "Sign-in links",
        _SUMMARY,
        PAGE,
        description=f"{_DESCRIPTION} The link format of Bridge's older emails.",
        parameters=_PARAMETERS,
    ),
]
