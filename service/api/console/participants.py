"""A study's participants in the console: search by address, add one, disable or enable, delete
(after a confirming step), and send one a sign-in link. Each action runs the API's own use case
(the link: ``POST /v3/auth/email``'s, through the outbox with the usual limits); the log names
the key and the participant's id, never an address."""

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
from service.api.routes import auth as auth_routes
from service.api.routes import participants as participant_routes
from service.api.schemas.auth import EmailSignInRequest
from service.api.schemas.participants import NewParticipant, ParticipantInput
from service.api.validation import validated
from service.errors import DomainError, Invalid, NotFound, RateLimited

log = logging.getLogger(__name__)

PAGE_SIZE = 50


async def _listing(
    request: Request,
    current: ConsoleSession,
    status_code: int = 200,
    email: str = "",
    errors: list[str] | None = None,
    refused: str = "",
) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    query = request.query_params
    sent_to = await _sent_to(request, study.identifier, query.get("sent", ""))
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
        sent_to=sent_to,
        refused=refused,
        per_day=svc.settings.sign_in_emails_per_day,
    )


async def _sent_to(request: Request, study_id: str, participant_id: str) -> str:
    """The address a link was just sent to (``?sent=ID`` after the post), to say so."""
    if not participant_id:
        return ""
    try:
        found = await services(request).participants.get_participant(study_id, participant_id)
    except NotFound:
        return ""
    return found.email


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
    elif action == "send-link":
        return await _send_link(request, current, study_id, participant_id)
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


async def _send_link(
    request: Request, current: ConsoleSession, study_id: str, participant_id: str
) -> Response:
    participant = await services(request).participants.get_participant(study_id, participant_id)
    asked = {"study": study_id, "email": participant.email}
    try:
        await auth_routes.request_email_sign_in(
            request, validated(EmailSignInRequest, asked, "SignIn")
        )
    except RateLimited as limited:
        why = f"{limited.message} (about {limited.wait_seconds} s)"
        page = await _refused(request, current, participant_id, 429, why)
        page.headers["Retry-After"] = str(limited.wait_seconds)  # as the API's 429 says it
        return page
    except DomainError as refused:  # email sign-in is off for the study
        return await _refused(request, current, participant_id, 409, refused.message)
    log.info(
        "console: key %r asked a sign-in link for participant %s of study %s",
        current.name,
        participant_id,
        study_id,
    )
    return pages.see_other(f"/console/studies/{study_id}/participants?sent={participant_id}")


async def _refused(
    request: Request, current: ConsoleSession, participant_id: str, status_code: int, why: str
) -> Response:
    log.info(
        "console: key %r: sign-in link for participant %s of study %s refused: %s",
        current.name,
        participant_id,
        request.path_params["study_id"],
        why,
    )
    return await _listing(request, current, status_code, refused=f"No link was sent: {why}")
