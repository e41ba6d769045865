"""What a signed-in participant can do with their own session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.accounts.participant import Participant
from service.api.context import services
from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.schemas.auth import EXAMPLE_STUDY_ID
from service.api.schemas.participants import ConsentSignature, StudyParticipant, Withdrawal
from service.api.schemas.sessions import UserSessionInfo
from service.api.session_auth import SESSION_HEADER
from service.auth.flows import Session
from service.auth.session_info import session_info_body


async def get_self(request: Request, session: Session) -> Response:
    _, participant = session
    return JSONResponse(StudyParticipant.of(participant).model_dump(by_alias=True))


def _session_body(request: Request, participant: Participant, status_code: int) -> Response:
    token = request.headers[SESSION_HEADER]  # the table found the session it names
    # The refreshed session keeps its token; a reauth token is only handed out at sign-in.
    body = session_info_body(participant, token, None, services(request).settings.environment)
    return Response(body, status_code, media_type="application/json")


async def sign_consent(request: Request, session: Session, body: ConsentSignature) -> Response:
    participant = await services(request).authentication.consent(
        session, request.path_params.get("subpopulationGuid"), body.scope
    )
    return _session_body(request, participant, 201)


async def withdraw_consent(request: Request, session: Session, body: Withdrawal) -> Response:
    participant = await services(request).authentication.withdraw_consent(
        session, request.path_params.get("subpopulationGuid")
    )
    return _session_body(request, participant, 200)


_CONSENT_GROUP = Parameter(
    "subpopulationGuid",
    "path",
    "The consent group: the study's identifier (each study has one, Bridge's default "
    "subpopulation).",
    required=True,
    example=EXAMPLE_STUDY_ID,
)
_NO_CONSENT_GROUP = Failure(
    "No consent group with this guid in the participant's study (its guid is the study id).",
    ("EntityNotFoundException",),
    ("Subpopulation",),
)
_SIGN = (
    "Sign the study's consent.",
    {201: Answer("Consented: the session.", UserSessionInfo)},
)
_SIGN_DESCRIPTION = (
    "Answers the refreshed session, now consented, with the chosen `sharingScope`; the session "
    "token stays the same and no reauth token is handed out."
)
_WITHDRAW = (
    "Withdraw the consent.",
    {200: Answer("Withdrawn: the session.", UserSessionInfo)},
)
_WITHDRAW_DESCRIPTION = (
    "Answers the refreshed session: not consented, `sharingScope` `no_sharing`. The session "
    "stays signed in (most participant calls then answer 412)."
)
_SIGNATURE_EXAMPLE = {"name": "Ada", "scope": "sponsors_and_partners"}
# A signature image (base64) is accepted, not kept; it may be larger than most bodies.
_SIGNATURE_BYTES = 256 * 1024


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
        "/v3/subpopulations/{subpopulationGuid}/consents/signature",
        "createConsentSignature",
        sign_consent,
        "Consents",
        *_SIGN,
        description=_SIGN_DESCRIPTION,
        access=Access.PARTICIPANT,
        body=ConsentSignature,
        body_description="The signature.",
        body_example=_SIGNATURE_EXAMPLE,
        max_body_bytes=_SIGNATURE_BYTES,
        parameters=(_CONSENT_GROUP,),
        failures={404: _NO_CONSENT_GROUP},
    ),
    Operation(
        "POST",
        "/v3/consents/signature",
        "createDefaultConsentSignature",
        sign_consent,
        "Consents",
        *_SIGN,
        description=f"The study's consent group; Bridge's older path. {_SIGN_DESCRIPTION}",
        access=Access.PARTICIPANT,
        body=ConsentSignature,
        body_description="The signature.",
        body_example=_SIGNATURE_EXAMPLE,
        max_body_bytes=_SIGNATURE_BYTES,
    ),
    Operation(
        "POST",
        "/v3/subpopulations/{subpopulationGuid}/consents/signature/withdraw",
        "withdrawConsentFromSubpopulation",
        withdraw_consent,
        "Consents",
        *_WITHDRAW,
        description=_WITHDRAW_DESCRIPTION,
        access=Access.PARTICIPANT,
        body=Withdrawal,
        body_description="Why (optional).",
        body_example={"reason": "Moving abroad."},
        parameters=(_CONSENT_GROUP,),
        failures={404: _NO_CONSENT_GROUP},
    ),
    Operation(
        "POST",
        "/v3/consents/signature/withdraw",
        "withdrawDefaultConsent",
        withdraw_consent,
        "Consents",
        *_WITHDRAW,
        description=f"The study's consent group; Bridge's older path. {_WITHDRAW_DESCRIPTION}",
        access=Access.PARTICIPANT,
        body=Withdrawal,
        body_description="Why (optional).",
        body_example={"reason": "Moving abroad."},
    ),
]
