"""Researcher API: a study's participants."""

from __future__ import annotations

import re
from collections.abc import Awaitable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.accounts.email_address import MAX_LENGTH as MAX_EMAIL_LENGTH
from service.accounts.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MIN_PAGE_SIZE,
    PAGE_SIZE_RULE,
    SEARCH,
    Search,
)
from service.accounts.participant import Participant
from service.api.context import services, status_message
from service.api.links import TO_PARTICIPANT
from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.routes.parameters import NO_STUDY, PARTICIPANT_ID, STUDY_ID
from service.api.schemas.common import EntityAlreadyExists, StatusMessage
from service.api.schemas.participants import (
    PARTICIPANT_EXAMPLE,
    NewParticipant,
    ParticipantInput,
    ParticipantList,
    ResearcherParticipant,
)
from service.errors import AlreadyExists, Invalid

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")


def _stored(participant: Participant, status_code: int = 200) -> Response:
    body = ResearcherParticipant.of(participant).model_dump(by_alias=True)
    return JSONResponse(body, status_code=status_code)


async def _naming_the_existing(study_id: str, change: Awaitable[Participant]) -> Participant:
    """The change, or its 409 saying how to edit the participant who has the address."""
    try:
        return await change
    except AlreadyExists as exc:
        existing = exc.keys.get("userId")
        if existing is None:
            raise
        hint = f"edit it with PATCH /v3/studies/{study_id}/participants/{existing}"
        raise AlreadyExists(exc.entity, f"{exc.message.rstrip('.')}; {hint}", exc.keys) from None


def _search(request: Request) -> Search:
    """The listing's query: Bridge's parameter names; each bad one named in one 400."""
    query = request.query_params
    problems: dict[str, list[str]] = {}
    page_size = DEFAULT_PAGE_SIZE
    raw_size = query.get("pageSize")
    if raw_size is not None:
        if _WHOLE_NUMBER.fullmatch(raw_size.strip()):
            page_size = int(raw_size)  # the range is the use case's rule
        else:
            problems["pageSize"] = [PAGE_SIZE_RULE]
    email_filter = query.get("emailFilter") or None
    if email_filter is not None and len(email_filter) > MAX_EMAIL_LENGTH:
        problems["emailFilter"] = [f"emailFilter must be at most {MAX_EMAIL_LENGTH} characters"]
    if problems:
        raise Invalid(SEARCH, problems)
    return Search(page_size, query.get("offsetKey") or None, email_filter)


async def list_participants(request: Request) -> Response:
    page = await services(request).participant_listing.page(
        request.path_params["study_id"], _search(request)
    )
    return JSONResponse(ParticipantList.of(page).model_dump(by_alias=True))


async def create_participant(request: Request, body: NewParticipant) -> Response:
    study_id = request.path_params["study_id"]
    participant = await _naming_the_existing(
        study_id, services(request).participants.create_participant(study_id, body.value())
    )
    return _stored(participant, 201)


async def get_participant(request: Request) -> Response:
    participant = await services(request).participants.get_participant(
        request.path_params["study_id"], request.path_params["participant_id"]
    )
    return _stored(participant)


async def update_participant(request: Request, body: ParticipantInput) -> Response:
    study_id = request.path_params["study_id"]
    change = services(request).participants.update_participant(
        study_id, request.path_params["participant_id"], body.value()
    )
    return _stored(await _naming_the_existing(study_id, change))


async def delete_participant(request: Request) -> Response:
    await services(request).participants.delete_participant(
        request.path_params["study_id"], request.path_params["participant_id"]
    )
    return status_message("Participant deleted.")


_TAG = "Participants"
_ONE = "/v3/studies/{study_id}/participants/{participant_id}"
_NO_PARTICIPANT = Failure(
    "No such study, or no participant with this id in it.",
    ("EntityNotFoundException",),
    ("Study", "StudyParticipant"),
)
_TAKEN = Failure(
    "Another participant of the study has this address: `entityKeys.userId` is its id, and the "
    "message says how to edit it.",
    ("EntityAlreadyExistsException",),
    ("StudyParticipant",),
    model=EntityAlreadyExists,
)
_ENTITY = "StudyParticipant"
_UPDATE_SUMMARY = "Change the participant (also the address); fields left out stay."
_UPDATE_DESCRIPTION = "A new address ends the participant's sessions and outstanding tokens."
_STORED = {200: Answer("The stored participant.", ResearcherParticipant, links=TO_PARTICIPANT)}
_BAD_SEARCH = Failure(
    "A bad query parameter: `errors` names it (`pageSize`, `offsetKey`, `emailFilter`) and says "
    "what it must be.",
    ("InvalidEntityException",),
)
_LIST_PARAMETERS = (
    STUDY_ID,
    Parameter(
        "emailFilter",
        "query",
        "Only participants whose address contains this text (any case).",
        {"type": "string", "maxLength": MAX_EMAIL_LENGTH},
        example="@example.org",
    ),
    Parameter(
        "pageSize",
        "query",
        f"Participants per page, {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
        {
            "type": "integer",
            "minimum": MIN_PAGE_SIZE,
            "maximum": MAX_PAGE_SIZE,
            "default": DEFAULT_PAGE_SIZE,
        },
    ),
    Parameter(
        "offsetKey",
        "query",
        "The `nextPageOffsetKey` of the page before, unchanged; left out for the first page. "
        "Opaque and signed: a key altered, or from another study or service, is a 400.",
    ),
)


def _update(method: str, operation_id: str, description: str) -> Operation:
    """A change of the participant: PUT, and PATCH and POST that do the same."""
    return Operation(
        method,
        _ONE,
        operation_id,
        update_participant,
        _TAG,
        _UPDATE_SUMMARY,
        _STORED,
        description=description,
        access=Access.ADMIN,
        body=ParticipantInput,
        entity=_ENTITY,
        body_description="The fields to change.",
        parameters=(STUDY_ID, PARTICIPANT_ID),
        failures={404: _NO_PARTICIPANT, 409: _TAKEN},
    )


operations = [
    Operation(
        "POST",
        "/v3/studies/{study_id}/participants",
        "createParticipant",
        create_participant,
        _TAG,
        "Add a participant to the study (email required).",
        {
            201: Answer(
                "The stored participant, with its id.", ResearcherParticipant, links=TO_PARTICIPANT
            )
        },
        access=Access.ADMIN,
        body=NewParticipant,
        entity=_ENTITY,
        body_description="The new participant; `email` is required.",
        body_example=PARTICIPANT_EXAMPLE,
        parameters=(STUDY_ID,),
        failures={404: NO_STUDY, 409: _TAKEN},
    ),
    Operation(
        "GET",
        "/v3/studies/{study_id}/participants",
        "listParticipants",
        list_participants,
        _TAG,
        "A page of the study's participants, by address, then id.",
        {200: Answer("One page; `nextPageOffsetKey` leads to the next.", ParticipantList)},
        description="Pages never skip or repeat a participant while the study does not change. "
        "`total` counts every participant that matches `emailFilter`; with a filter the whole "
        "study is read to count them, so a page costs more in a large study.",
        access=Access.ADMIN,
        parameters=_LIST_PARAMETERS,
        failures={400: _BAD_SEARCH, 404: NO_STUDY},
    ),
    Operation(
        "GET",
        _ONE,
        "getParticipant",
        get_participant,
        _TAG,
        "One participant.",
        {200: Answer("The participant.", ResearcherParticipant, links=TO_PARTICIPANT)},
        access=Access.ADMIN,
        parameters=(STUDY_ID, PARTICIPANT_ID),
        failures={404: _NO_PARTICIPANT},
    ),
    _update("PUT", "updateParticipant", _UPDATE_DESCRIPTION),
    _update("PATCH", "patchParticipant", f"The same as PUT. {_UPDATE_DESCRIPTION}"),
    _update("POST", "updateParticipantWithPost", f"The same as PUT. {_UPDATE_DESCRIPTION}"),
    Operation(
        "DELETE",
        _ONE,
        "deleteParticipant",
        delete_participant,
        _TAG,
        "Delete the participant, its sessions and tokens.",
        {200: Answer("Deleted.", StatusMessage)},
        access=Access.ADMIN,
        parameters=(STUDY_ID, PARTICIPANT_ID),
        failures={404: _NO_PARTICIPANT},
    ),
]
