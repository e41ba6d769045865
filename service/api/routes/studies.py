"""Researcher API: create, read, replace, patch and delete studies.

Every change names the version it started from (Bridge's VersionHolder), in the body or as
``If-Match``; answers carry the study's version as its ``ETag``.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services, status_message
from service.api.links import TO_STUDY
from service.api.merge_patch import merged
from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.schemas import studies as bodies
from service.api.schemas.common import StatusMessage
from service.api.schemas.studies import (
    EXAMPLE_STUDY,
    EXAMPLE_STUDY_ID,
    IDENTIFIER_PATTERN,
)
from service.api.validation import validated
from service.clock import utc_now_iso
from service.deeplinks.association import aasa_size_problem
from service.errors import Conflict, Invalid, StaleVersion
from service.studies.model import Study
from service.studies.repository import Studies

log = logging.getLogger(__name__)


def _answer(study: Study, status_code: int = 200) -> Response:
    body = bodies.Study.of(study).model_dump(mode="json", by_alias=True)
    return JSONResponse(body, status_code=status_code, headers={"ETag": f'"{study.version}"'})


_ETAG = re.compile(r'"([1-9][0-9]{0,17})"')


def _started_from(request: Request, version: int | None, current: Study) -> int:
    """The version a change started from: the body's ``version``, or the study's current one
    when ``If-Match`` names its ETag.

    ``If-Match`` is a precondition (RFC 9110): it holds when one of the entity tags it lists is
    the study's, compared strongly. When it does not hold (another version, a weak or malformed
    tag, ``*``), the change is stale: 409 naming the current version, and nothing changes. With
    both, the body's version must hold too (the script checks it against the stored study).
    """
    header = request.headers.get("if-match")
    if header is not None:
        listed = {int(tag.group(1)) for tag in _ETAG.finditer(header) if not _weak(header, tag)}
        if current.version not in listed:
            raise StaleVersion("Study", current.version)
        return current.version if version is None else version
    if version is None:
        raise Invalid(
            "Study",
            {
                "version": [
                    "version is required: send the version you started from (GET answers it, "
                    "also as the ETag header), in the body or as If-Match"
                ]
            },
        )
    return version


def _weak(header: str, tag: re.Match[str]) -> bool:
    return header[max(0, tag.start() - 2) : tag.start()] == "W/"


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


async def _store(request: Request, current: Study, update: bodies.StudyUpdate) -> Response:
    svc = services(request)
    started_from = _started_from(request, update.version, current)
    study = update.value(current.identifier)
    await _check_association_size(svc.studies, study)
    study = study.stamped(created_on=current.created_on, modified_on=utc_now_iso())
    stored = await svc.studies.replace(study, started_from)
    log.info("study %s updated to version %d", stored.identifier, stored.version)
    return _answer(stored)


async def update_study(request: Request, body: bodies.StudyUpdate) -> Response:
    current = await services(request).studies.get(request.path_params["study_id"])
    return await _store(request, current, body)


async def patch_study(request: Request, body: bodies.StudyPatch) -> Response:
    current = await services(request).studies.get(request.path_params["study_id"])
    patched = merged(bodies.editable(current), body.changes())
    # The version is the patch's (or If-Match's), never the stored one the merge started from.
    patched["version"] = body.version
    return await _store(request, current, validated(bodies.StudyUpdate, patched, "Study"))


async def delete_study(request: Request) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    removed = await svc.accounts.delete_study(study.identifier)
    svc.study_stats.forget(study.identifier)
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
_ETAG_HEADER = {
    "ETag": {
        "description": 'The study\'s version, quoted ("3"): send it back as If-Match.',
        "schema": {"type": "string", "pattern": '^"[1-9][0-9]*"$'},
    }
}
_STORED = Answer("The stored study.", bodies.Study, links=TO_STUDY, headers=_ETAG_HEADER)
_IF_MATCH = Parameter(
    "If-Match",
    "header",
    "The ETag of the version this change started from (instead of the body's version): the "
    "change is made only while it is the study's (strong comparison), else 409.",
    {"type": "string"},
    example='"1"',
)
_STALE = Failure(
    "The study changed since the version this change started from; nothing changed. The "
    "message and currentVersion name the version it is at now.",
    ("ConcurrentModificationException",),
)


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
        body_description="The whole study, with the version it started from.",
        failures={404: _NOT_FOUND, 409: _STALE},
        parameters=(_STUDY_ID, _IF_MATCH),
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
        {200: Answer("The study.", bodies.Study, links=TO_STUDY, headers=_ETAG_HEADER)},
        access=Access.ADMIN,
        failures={404: _NOT_FOUND},
        parameters=(_STUDY_ID,),
    ),
    _update("PUT", "updateStudy"),
    # Bridge SDKs update with POST.
    _update("POST", "updateStudyWithPost", "The same as PUT (Bridge SDKs update with POST)."),
    Operation(
        "PATCH",
        "/v3/studies/{study_id}",
        "patchStudy",
        patch_study,
        _TAG,
        "Change the fields the patch names (JSON merge patch); the others stay.",
        {200: _STORED},
        access=Access.ADMIN,
        body=bodies.StudyPatch,
        body_media_types=("application/merge-patch+json", "application/json"),
        entity="Study",
        body_description="The fields to change, and the version the change started from.",
        body_example={"version": 1, "emailSignInEnabled": True},
        failures={404: _NOT_FOUND, 409: _STALE},
        parameters=(_STUDY_ID, _IF_MATCH),
    ),
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
