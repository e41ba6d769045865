"""The public ``/v3/auth`` endpoints of the Bridge contract."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.api.errors import BadRequest
from service.api.routes.client_ip import budget_subject, client_ip
from service.api.routes.context import json_body, services, status_message
from service.auth import flows
from service.auth.requests import (
    EmailSignIn,
    EmailSignInRequest,
    PasswordCredentials,
    Reauthentication,
)
from service.auth.session_info import session_info_body

SESSION_HEADER = "Bridge-Session"


def session_response(signed_in: flows.SignedIn) -> Response:
    """200 with the session, or 412 with the same live session when consent is missing."""
    participant = signed_in.participant
    body = session_info_body(participant, signed_in.session_token, signed_in.reauth_token)
    return Response(body, 200 if participant.consented else 412, media_type="application/json")


def _client(request: Request) -> str:
    """Who is asking, as per-client limits count: an IPv4 address or an IPv6 /64."""
    address = client_ip(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        services(request).settings.trusted_proxies,
    )
    return budget_subject(address)


async def request_email_sign_in(request: Request) -> Response:
    payload = EmailSignInRequest.parse(await json_body(request))
    await flows.request_email_sign_in(services(request), payload, _client(request))
    return status_message("Email sent.", 202)


async def sign_in_via_email(request: Request) -> Response:
    payload = EmailSignIn.parse(await json_body(request))
    signed_in = await flows.sign_in_with_email_token(services(request), payload, _client(request))
    return session_response(signed_in)


async def sign_up(request: Request) -> Response:
    payload = PasswordCredentials.parse(await json_body(request), "SignUp", check_policy=True)
    await flows.sign_up(services(request), payload, _client(request))
    return status_message("Signed up.", 201)


async def sign_in(request: Request) -> Response:
    payload = PasswordCredentials.parse(await json_body(request), "SignIn", check_policy=False)
    signed_in = await flows.sign_in_with_password(services(request), payload, _client(request))
    return session_response(signed_in)


async def reauthenticate(request: Request) -> Response:
    payload = Reauthentication.parse(await json_body(request))
    signed_in = await flows.reauthenticate(services(request), payload, _client(request))
    return session_response(signed_in)


async def sign_out(request: Request) -> Response:
    token = request.headers.get(SESSION_HEADER)
    if not token:
        raise BadRequest(f"The {SESSION_HEADER} header is required to sign out.")
    await flows.sign_out(services(request), token)
    return status_message("Signed out.")


routes = [
    Route("/v3/auth/email", request_email_sign_in, methods=["POST"]),
    Route("/v3/auth/email/signIn", sign_in_via_email, methods=["POST"]),
    Route("/v3/auth/signUp", sign_up, methods=["POST"]),
    Route("/v3/auth/signIn", sign_in, methods=["POST"]),
    Route("/v3/auth/reauth", reauthenticate, methods=["POST"]),
    Route("/v4/auth/signOut", sign_out, methods=["POST"]),
]
