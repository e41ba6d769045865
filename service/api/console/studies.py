"""The console's list of studies, and creating one (identifier and name).

Creating runs the API's own handler (``routes/studies.create_study``) on the body the API
would get, so the console checks exactly what the API checks and answers its errors.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from service.api.console import pages
from service.api.console.errors import by_field
from service.api.console.forms import field, form_of, signed_in
from service.api.console.session import ConsoleSession
from service.api.context import services
from service.api.routes import studies as study_routes
from service.api.schemas.studies import StudyInput
from service.api.validation import validated
from service.errors import Conflict, Invalid

log = logging.getLogger(__name__)

_FIELDS = ("identifier", "name")


async def _listing(
    request: Request,
    current: ConsoleSession,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    other_errors: list[str] | None = None,
) -> Response:
    found = sorted(await services(request).studies.all(), key=lambda study: study.identifier)
    return pages.page(
        request,
        "studies.html",
        current,
        status_code,
        studies=found,
        values=values or {},
        errors=errors or {},
        other_errors=other_errors or [],
        created=request.query_params.get("created", ""),
    )


@signed_in
async def studies_page(request: Request, current: ConsoleSession) -> Response:
    return await _listing(request, current)


@signed_in
async def create_study(request: Request, current: ConsoleSession) -> Response:
    form = form_of(request)
    values = {name: field(form, name) for name in _FIELDS}
    try:
        body = validated(StudyInput, dict(values), "Study")
        await study_routes.create_study(request, body)
    except Invalid as invalid:
        placed, left = by_field(invalid.errors, _FIELDS)
        return await _listing(request, current, 400, values, placed, left)
    except Conflict as taken:
        return await _listing(request, current, 409, values, {"identifier": [taken.message]})
    identifier = values["identifier"].strip()
    log.info("console: key %r created study %s", current.name, identifier)
    return pages.see_other(f"/console/studies/{identifier}?created=1")
