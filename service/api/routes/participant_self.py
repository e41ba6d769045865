"""What a signed-in participant can do with their own session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services
from service.api.operations import Access, Answer, Operation
from service.api.schemas.participants import ConsentSignature, StudyParticipant
from service.api.schemas.sessions import UserSessionInfo
from service.api.session_auth import SESSION_HEADER
from service.auth.flows import Session
from service.auth.session_info import session_info_body


async def get_self(request: Request, session: Session) -> Response:
    _, participant = session
    return JSONResponse(StudyParticipant.of(participant).model_dump(by_alias=True))


async def sign_consent(request: Request, session: Session, body: ConsentSignature) -> Response:
    participant = await services(request).authentication.consent(session)
    token = request.headers[SESSION_HEADER]  # the table found the session it names
    # The refreshed session keeps its token; a reauth token is only handed out at sign-in.
    return Response(session_info_body(participant, token, None), 201, media_type="application/json")


operations = [
    Operation(
        "GET",
        "/v3/participants/self",
        "getUsersParticipantRecord",
        get_self,
        "Participants",
        "The signed-in participant.",
        {200: Answer("The participant.", StudyParticipant)},
        access=Access.PARTICIPANT,
    ),
    Operation(
        "POST",
        "/v3/consents/signature",
        "createConsentSignature",
        sign_consent,
        "Consents",
        "Sign the study's consent.",
        {201: Answer("Consented: the session.", UserSessionInfo)},
        description="Answers the refreshed session, now consented; the session token stays the "
        "same and no reauth token is handed out.",
        access=Access.PARTICIPANT,
        body=ConsentSignature,
        body_description="The signature.",
        body_example={"name": "Ada"},
    ),
]
