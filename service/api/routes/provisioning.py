"""The page behind a study's provisioning link, and the researcher API's provisioning summary."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from service.api.context import services
from service.api.operations import Access, Answer, Operation, Parameter
from service.api.routes.landing import (
    PAGE,
    PAGE_VARY,
    alt_base_url_for,
    language_of,
    study_or_not_found_page,
)
from service.api.routes.parameters import NO_STUDY, STUDY_ID
from service.api.schemas.provisioning import ProvisioningExports, StudyProvisioning
from service.deeplinks.landing import LinkRequest
from service.deeplinks.pages import PAGE_HEADERS
from service.deeplinks.platform import detect
from service.deeplinks.qr import qr_svg
from service.provisioning.page import provisioning_page
from service.provisioning.study_link import study_provisioning_url

QR_TITLE = "QR code of the provisioning link"


async def provisioning_landing(request: Request) -> Response:
    svc = services(request)
    study = await study_or_not_found_page(request, "provision.html")
    if isinstance(study, Response):
        return study
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
    html = svc.pages.render_in(language_of(request), "provision.html", **page.context())
    return HTMLResponse(html, headers={**PAGE_HEADERS, **PAGE_VARY})


async def get_provisioning(request: Request) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    link = study_provisioning_url(svc.settings.base_url, study.identifier)
    exports = f"{svc.settings.base_url}/v3/studies/{quote(study.identifier, safe='')}/provisioning"
    answer = StudyProvisioning(
        link=link,
        qr_code_svg=qr_svg(link, title=QR_TITLE) or "",  # "" only for an absurd base URL
        exports=ProvisioningExports(
            appconfig=f"{exports}/appconfig.xml",
            managed_config=f"{exports}/managed-config.plist",
            app_restrictions=f"{exports}/app_restrictions.xml",
        ),
    )
    return JSONResponse(answer.model_dump(by_alias=True))


operations = [
    Operation(
        "GET",
        "/p/{study_id}",
        "provisioningLanding",
        provisioning_landing,
        "Provisioning",
        "The page a study's provisioning link opens in a browser; it carries no secret.",
        PAGE,
        description="Step 1: install the app (the study's store links). Step 2: open it with "
        "the link (an 'Open the app' button on another host or the custom scheme, an Android "
        "intent link, a QR code of the link on computers). `login_hint` is shown only masked.",
        parameters=(
            STUDY_ID,
            Parameter(
                "login_hint",
                "query",
                "The participant's address, prefilled in the app (shown masked on the page).",
            ),
        ),
    ),
    Operation(
        "GET",
        "/v3/studies/{study_id}/provisioning",
        "getStudyProvisioning",
        get_provisioning,
        "Studies",
        "The study's provisioning link, its QR code and the URLs of its MDM exports.",
        {200: Answer("The study's provisioning.", StudyProvisioning)},
        access=Access.ADMIN,
        parameters=(STUDY_ID,),
        failures={404: NO_STUDY},
    ),
]
