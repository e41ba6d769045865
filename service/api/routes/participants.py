"""Researcher API: a study's participants."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.accounts import management
from service.accounts.edits import ParticipantEdit
from service.api.routes.admin_auth import require_admin
from service.api.routes.context import json_body, services, status_message
from service.api.routes.methods import route


async def create_participant(request: Request) -> Response:
    await require_admin(request)
    edit = ParticipantEdit.parse(await json_body(request), creating=True)
    participant = await management.create_participant(
        services(request), request.path_params["study_id"], edit
    )
    return JSONResponse(participant.to_json(), status_code=201)


async def get_participant(request: Request) -> Response:
    await require_admin(request)
    participant = await management.get_participant(
        services(request), request.path_params["study_id"], request.path_params["participant_id"]
    )
    return JSONResponse(participant.to_json())


async def update_participant(request: Request) -> Response:
    await require_admin(request)
    edit = ParticipantEdit.parse(await json_body(request), creating=False)
    participant = await management.update_participant(
        services(request),
        request.path_params["study_id"],
        request.path_params["participant_id"],
        edit,
    )
    return JSONResponse(participant.to_json())


async def delete_participant(request: Request) -> Response:
    await require_admin(request)
    await management.delete_participant(
        services(request), request.path_params["study_id"], request.path_params["participant_id"]
    )
    return status_message("Participant deleted.")


routes = [
    route("/v3/studies/{study_id}/participants", POST=create_participant),
    route(
        "/v3/studies/{study_id}/participants/{participant_id}",
        GET=get_participant,
        PUT=update_participant,
        POST=update_participant,
        DELETE=delete_participant,
    ),
]
