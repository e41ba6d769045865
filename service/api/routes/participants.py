"""Researcher API: a study's participants."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services, status_message
from service.api.links import TO_PARTICIPANT
from service.api.operations import Access, Answer, Failure, Operation
from service.api.routes.parameters import NO_STUDY, PARTICIPANT_ID, STUDY_ID
from service.api.schemas.common import StatusMessage
from service.api.schemas.participants import (
    PARTICIPANT_EXAMPLE,
    NewParticipant,
    ParticipantInput,
    StudyParticipant,
)


async def create_participant(request: Request, body: NewParticipant) -> Response:
    participant = await services(request).participants.create_participant(
        request.path_params["study_id"], body.value()
    )
    return JSONResponse(StudyParticipant.of(participant).model_dump(by_alias=True), status_code=201)


async def get_participant(request: Request) -> Response:
    participant = await services(request).participants.get_participant(
        request.path_params["study_id"], request.path_params["participant_id"]
    )
    return JSONResponse(StudyParticipant.of(participant).model_dump(by_alias=True))


async def update_participant(request: Request, body: ParticipantInput) -> Response:
    participant = await services(request).participants.update_participant(
        request.path_params["study_id"],
        request.path_params["participant_id"],
        body.value(),
    )
    return JSONResponse(StudyParticipant.of(participant).model_dump(by_alias=True))


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
_TAKEN = Failure("A participant of the study has this address.", ("EntityAlreadyExistsException",))
_ENTITY = "StudyParticipant"
_UPDATE_SUMMARY = "Change the participant (also the address); fields left out stay."
_UPDATE_DESCRIPTION = "A new address ends the participant's sessions and outstanding tokens."
_STORED = {200: Answer("The stored participant.", StudyParticipant, links=TO_PARTICIPANT)}

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
                "The stored participant, with its id.", StudyParticipant, links=TO_PARTICIPANT
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
        _ONE,
        "getParticipant",
        get_participant,
        _TAG,
        "One participant.",
        {200: Answer("The participant.", StudyParticipant, links=TO_PARTICIPANT)},
        access=Access.ADMIN,
        parameters=(STUDY_ID, PARTICIPANT_ID),
        failures={404: _NO_PARTICIPANT},
    ),
    Operation(
        "PUT",
        _ONE,
        "updateParticipant",
        update_participant,
        _TAG,
        _UPDATE_SUMMARY,
        _STORED,
        description=_UPDATE_DESCRIPTION,
        access=Access.ADMIN,
        body=ParticipantInput,
        entity=_ENTITY,
        body_description="The fields to change.",
        parameters=(STUDY_ID, PARTICIPANT_ID),
        failures={404: _NO_PARTICIPANT, 409: _TAKEN},
    ),
    Operation(
        "POST",
        _ONE,
        "updateParticipantWithPost",
        update_participant,
        _TAG,
        _UPDATE_SUMMARY,
        _STORED,
        description=f"The same as PUT. {_UPDATE_DESCRIPTION}",
        access=Access.ADMIN,
        body=ParticipantInput,
        entity=_ENTITY,
        body_description="The fields to change.",
        parameters=(STUDY_ID, PARTICIPANT_ID),
        failures={404: _NO_PARTICIPANT, 409: _TAKEN},
    ),
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
