"""Researcher API: create, read, replace and delete studies."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.routes.admin_auth import require_admin
from service.api.routes.context import json_body, services, status_message
from service.api.routes.methods import route
from service.clock import utc_now_iso
from service.deeplinks.association import aasa_size_problem
from service.errors import Conflict, Invalid
from service.services import Services
from service.studies.model import Study, parse_study

log = logging.getLogger(__name__)


async def _check_association_size(svc: Services, study: Study) -> None:
    """400 when the study's apps would push apple-app-site-association past Apple's limit."""
    if not study.apple_app_links:
        return  # without iOS apps the study cannot make the file larger
    problem = aasa_size_problem(await svc.studies.all(), study)
    if problem:
        raise Invalid("Study", {"appleAppLinks": [problem]})


async def create_study(request: Request) -> Response:
    await require_admin(request)
    study = parse_study(await json_body(request))
    await _check_association_size(services(request), study)
    now = utc_now_iso()
    study = study.stamped(created_on=now, modified_on=now)
    if not await services(request).studies.create(study):
        raise Conflict(
            f"A study with identifier {study.identifier!r} already exists; choose another "
            "identifier or update it with PUT."
        )
    log.info("study %s created", study.identifier)
    return JSONResponse(study.to_json(), status_code=201)


async def list_studies(request: Request) -> Response:
    await require_admin(request)
    svc = services(request)
    items = []
    for identifier in await svc.studies.identifiers():
        study = await svc.studies.get(identifier)
        if study is not None:
            items.append(study.to_json())
    return JSONResponse({"items": items, "total": len(items), "type": "ResourceList"})


async def get_study(request: Request) -> Response:
    await require_admin(request)
    study = await services(request).study(request.path_params["study_id"])
    return JSONResponse(study.to_json())


async def update_study(request: Request) -> Response:
    await require_admin(request)
    svc = services(request)
    current = await svc.study(request.path_params["study_id"])
    study = parse_study(await json_body(request), identifier=current.identifier)
    await _check_association_size(svc, study)
    study = study.stamped(created_on=current.created_on, modified_on=utc_now_iso())
    if not await svc.studies.replace(study):
        await svc.study(study.identifier)  # deleted meanwhile: answers 404
    svc.forget_study(study.identifier)
    log.info("study %s updated", study.identifier)
    return JSONResponse(study.to_json())


async def delete_study(request: Request) -> Response:
    await require_admin(request)
    svc = services(request)
    study = await svc.study(request.path_params["study_id"])
    removed = await svc.accounts.delete_study(study.identifier)
    await svc.studies.delete(study.identifier)
    svc.forget_study(study.identifier)
    log.info("study %s deleted with %d participants", study.identifier, removed)
    return status_message("Study deleted.")


routes = [
    route("/v3/studies", POST=create_study, GET=list_studies),
    route(
        "/v3/studies/{study_id}",
        GET=get_study,
        PUT=update_study,
        POST=update_study,  # Bridge SDKs update with POST
        DELETE=delete_study,
    ),
]
