"""A study's participants in the console: search by address, add one, disable or enable, and
delete (after a confirming step). Each action runs the API's own use case; the log names the
key and the participant's id, never an address."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from service.accounts.listing import Search
from service.api.console import pages
from service.api.console.errors import by_field
from service.api.console.forms import field, form_of, signed_in
from service.api.console.session import ConsoleSession
from service.api.context import services
from service.api.routes import participants as participant_routes
from service.api.schemas.participants import NewParticipant, ParticipantInput
from service.api.validation import validated
from service.errors import DomainError, Invalid

log = logging.getLogger(__name__)

PAGE_SIZE = 50


async def _listing(
    request: Request,
    current: ConsoleSession,
    status_code: int = 200,
    email: str = "",
    errors: list[str] | None = None,
) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    query = request.query_params
    search = query.get("emailFilter", "").strip()
    found = await svc.participant_listing.page(
        study.identifier, Search(PAGE_SIZE, query.get("offsetKey") or None, search or None)
    )
    return pages.page(
        request,
        "participants.html",
        current,
        status_code,
        study=study,
        found=found,
        search=search,
        email=email,
        errors=errors or [],
        confirm=query.get("confirm", ""),
        done=query.get("done", ""),
    )


@signed_in
async def participants_page(request: Request, current: ConsoleSession) -> Response:
    return await _listing(request, current)


@signed_in
async def add_participant(request: Request, current: ConsoleSession) -> Response:
    study_id = request.path_params["study_id"]
    email = field(form_of(request), "email")
    try:
        body = validated(NewParticipant, {"email": email}, "StudyParticipant")
        answer = await participant_routes.create_participant(request, body)
    except Invalid as invalid:
        placed, left = by_field(invalid.errors, ("email",))
        return await _listing(request, current, 400, email, [*placed.get("email", []), *left])
    except DomainError as refused:
        return await _listing(request, current, 409, email, [refused.message])
    log.info("console: key %r added a participant to study %s", current.name, study_id)
    del answer
    return pages.see_other(f"/console/studies/{study_id}/participants?done=added")


@signed_in
async def change_participant(request: Request, current: ConsoleSession) -> Response:
    svc = services(request)
    study_id, participant_id = (
        request.path_params["study_id"],
        request.path_params["participant_id"],
    )
    action = field(form_of(request), "action")
    if action in ("disable", "enable"):
        edit = validated(ParticipantInput, {"status": f"{action}d"}, "StudyParticipant").value()
        await svc.participants.update_participant(study_id, participant_id, edit)
    elif action == "delete":
        await svc.participants.delete_participant(study_id, participant_id)
    else:
        return await _listing(request, current, 400, errors=[f"Unknown action {action!r}."])
    log.info(
        "console: key %r: %s participant %s of study %s",
        current.name,
        action,
        participant_id,
        study_id,
    )
    return pages.see_other(f"/console/studies/{study_id}/participants?done={action}d")
