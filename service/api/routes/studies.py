"""Researcher API: create, read, replace and delete studies."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services, status_message
from service.api.links import TO_STUDY
from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.schemas import studies as bodies
from service.api.schemas.common import StatusMessage
from service.api.schemas.studies import EXAMPLE_STUDY, EXAMPLE_STUDY_ID, IDENTIFIER_PATTERN
from service.clock import utc_now_iso
from service.deeplinks.association import aasa_size_problem
from service.errors import Conflict, Invalid
from service.studies.model import Study
from service.studies.repository import Studies

log = logging.getLogger(__name__)


def _answer(study: Study, status_code: int = 200) -> Response:
    body = bodies.Study.of(study).model_dump(mode="json", by_alias=True)
    return JSONResponse(body, status_code=status_code)


async def _check_association_size(studies: Studies, study: Study) -> None:
    """400 when the study's apps would push apple-app-site-association past Apple's limit."""
    if not study.apple_app_links:
        return  # without iOS apps the study cannot make the file larger
    problem = aasa_size_problem(await studies.all(), study)
    if problem:
        raise Invalid("Study", {"appleAppLinks": [problem]})


async def create_study(request: Request, body: bodies.StudyInput) -> Response:
    svc = services(request)
    study = body.value()
    await _check_association_size(svc.studies, study)
    now = utc_now_iso()
    study = study.stamped(created_on=now, modified_on=now)
    if not await svc.studies.create(study):
        raise Conflict(
            f"A study with identifier {study.identifier!r} already exists; choose another "
            "identifier or update it with PUT."
        )
    log.info("study %s created", study.identifier)
    return _answer(study, 201)


async def list_studies(request: Request) -> Response:
    found = await services(request).studies.all()
    body = bodies.StudyList.of(found).model_dump(mode="json", by_alias=True)
    return JSONResponse(body)


async def get_study(request: Request) -> Response:
    return _answer(await services(request).studies.get(request.path_params["study_id"]))


async def update_study(request: Request, body: bodies.StudyUpdate) -> Response:
    svc = services(request)
    current = await svc.studies.get(request.path_params["study_id"])
    study = body.value(current.identifier)
    await _check_association_size(svc.studies, study)
    study = study.stamped(created_on=current.created_on, modified_on=utc_now_iso())
    await svc.studies.replace(study)
    log.info("study %s updated", study.identifier)
    return _answer(study)


async def delete_study(request: Request) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    removed = await svc.accounts.delete_study(study.identifier)
    await svc.studies.delete(study.identifier)
    log.info("study %s deleted with %d participants", study.identifier, removed)
    return status_message("Study deleted.")


_TAG = "Studies"
_STUDY_ID = Parameter(
    "study_id",
    "path",
    "The study's identifier.",
    {"type": "string", "pattern": IDENTIFIER_PATTERN},
    example=EXAMPLE_STUDY_ID,
)
_NOT_FOUND = Failure("No study with this identifier.", ("EntityNotFoundException",), ("Study",))
_STORED = Answer("The stored study.", bodies.Study, links=TO_STUDY)


def _update(method: str, operation_id: str, description: str = "") -> Operation:
    return Operation(
        method,
        "/v3/studies/{study_id}",
        operation_id,
        update_study,
        _TAG,
        "Replace the study (fields left out take their defaults).",
        {200: _STORED},
        description=description,
        access=Access.ADMIN,
        body=bodies.StudyUpdate,
        entity="Study",
        body_description="The whole study.",
        failures={404: _NOT_FOUND},
        parameters=(_STUDY_ID,),
    )


operations = [
    Operation(
        "POST",
        "/v3/studies",
        "createStudy",
        create_study,
        _TAG,
        "Create a study.",
        {201: _STORED},
        access=Access.ADMIN,
        body=bodies.StudyInput,
        entity="Study",
        body_description="The new study.",
        body_example=EXAMPLE_STUDY,
        failures={409: Failure("The identifier is taken.", ("EntityAlreadyExistsException",))},
    ),
    Operation(
        "GET",
        "/v3/studies",
        "getStudies",
        list_studies,
        _TAG,
        "Every study.",
        {200: Answer("The studies.", bodies.StudyList)},
        access=Access.ADMIN,
    ),
    Operation(
        "GET",
        "/v3/studies/{study_id}",
        "getStudy",
        get_study,
        _TAG,
        "One study.",
        {200: Answer("The study.", bodies.Study, links=TO_STUDY)},
        access=Access.ADMIN,
        failures={404: _NOT_FOUND},
        parameters=(_STUDY_ID,),
    ),
    _update("PUT", "updateStudy"),
    # Bridge SDKs update with POST.
    _update("POST", "updateStudyWithPost", "The same as PUT (Bridge SDKs update with POST)."),
    Operation(
        "DELETE",
        "/v3/studies/{study_id}",
        "deleteStudy",
        delete_study,
        _TAG,
        "Delete the study and its participants.",
        {200: Answer("Deleted.", StatusMessage)},
        access=Access.ADMIN,
        failures={404: _NOT_FOUND},
        parameters=(_STUDY_ID,),
    ),
]
