"""The page behind a study's provisioning link, and the researcher API's provisioning summary."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from service.api.routes.admin_auth import require_admin
from service.api.routes.context import services
from service.api.routes.landing import alt_base_url_for
from service.api.routes.methods import route
from service.deeplinks.landing import LinkRequest
from service.deeplinks.pages import PAGE_HEADERS
from service.deeplinks.platform import detect
from service.deeplinks.qr import qr_svg
from service.provisioning.page import provisioning_page
from service.provisioning.study_link import study_provisioning_url

QR_TITLE = "QR code of the provisioning link"


async def provisioning_landing(request: Request) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    if study is None:
        html = svc.pages.render("provision.html", page=None)
        return HTMLResponse(html, status_code=404, headers=PAGE_HEADERS)
    login_hint = request.query_params.get("login_hint") or None
    opened = LinkRequest(
        base_url=svc.settings.base_url,
        path=request.url.path,
        query=request.url.query,
        email=login_hint or "",
    )
    page = provisioning_page(
        study,
        detect(request.headers.get("user-agent", "")),
        opened,
        alt_base_url_for(request),
        login_hint,
    )
    html = svc.pages.render("provision.html", **page.context())
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Vary": "User-Agent"})


async def get_provisioning(request: Request) -> Response:
    await require_admin(request)
    svc = services(request)
    study = await svc.study(request.path_params["study_id"])
    link = study_provisioning_url(svc.settings.base_url, study.identifier)
    exports = f"{svc.settings.base_url}/v3/studies/{quote(study.identifier, safe='')}/provisioning"
    return JSONResponse(
        {
            "link": link,
            "qrCodeSvg": qr_svg(link, title=QR_TITLE),
            "exports": {
                "appconfig": f"{exports}/appconfig.xml",
                "managedConfig": f"{exports}/managed-config.plist",
                "appRestrictions": f"{exports}/app_restrictions.xml",
            },
            "type": "StudyProvisioning",
        }
    )


routes = [
    Route("/p/{study_id}", provisioning_landing, methods=["GET", "HEAD"]),
    route("/v3/studies/{study_id}/provisioning", GET=get_provisioning),
]
