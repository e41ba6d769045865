"""What a signed-in participant can do with their own session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.api.routes.auth import SESSION_HEADER
from service.api.routes.context import json_body, services
from service.auth import flows
from service.auth.session_info import session_info
from service.errors import Invalid

MAX_CONSENT_NAME_LENGTH = 255


async def get_self(request: Request) -> Response:
    _, participant = await flows.session_participant(
        services(request), request.headers.get(SESSION_HEADER)
    )
    return JSONResponse(participant.to_json())


async def sign_consent(request: Request) -> Response:
    token = request.headers.get(SESSION_HEADER)
    # Authenticate before reading the body: an anonymous caller learns nothing from validation.
    await flows.session_participant(services(request), token)
    data = await json_body(request)
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise Invalid("ConsentSignature", {"name": ["name is required"]})
    if len(name) > MAX_CONSENT_NAME_LENGTH:
        raise Invalid(
            "ConsentSignature",
            {"name": [f"name must be at most {MAX_CONSENT_NAME_LENGTH} characters"]},
        )
    participant = await flows.consent(services(request), token)
    assert token is not None
    # The refreshed session keeps its token; a reauth token is only handed out at sign-in.
    return JSONResponse(session_info(participant, token, None), status_code=201)


routes = [
    Route("/v3/participants/self", get_self, methods=["GET"]),
    Route("/v3/consents/signature", sign_consent, methods=["POST"]),
]
