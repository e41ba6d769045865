"""The public ``/v3/auth`` endpoints of the Bridge contract."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from service.api.accept_language import languages, tags
from service.api.client_ip import budget_subject, client_ip
from service.api.context import services, status_message
from service.api.document import SESSION_HEADER
from service.api.errors import BadRequest
from service.api.links import TO_SESSION
from service.api.operations import Access, Answer, Failure, Operation
from service.api.schemas import auth as bodies
from service.api.schemas.auth import EXAMPLE_EMAIL, EXAMPLE_STUDY_ID
from service.api.schemas.common import StatusMessage
from service.api.schemas.sessions import UserSessionInfo
from service.auth import flows
from service.auth.session_info import session_info_body

# Bridge's words: they promise nothing about whether the address has an account.
EMAIL_SIGN_IN_REQUESTED = (
    "If registered with the study, we'll send an email to that address so you can sign in."
)


def session_response(request: Request, signed_in: flows.SignedIn) -> Response:
    """200 with the session, or 412 with the same live session when consent is missing."""
    participant = signed_in.participant
    body = session_info_body(
        participant,
        signed_in.session_token,
        signed_in.reauth_token,
        services(request).settings.environment,
    )
    return Response(body, 200 if participant.consented else 412, media_type="application/json")


def _client(request: Request) -> str:
    """Who is asking, as per-client limits count: an IPv4 address or an IPv6 /64."""
    address = client_ip(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        services(request).settings.trusted_proxies,
    )
    return budget_subject(address)


def _caller(request: Request) -> flows.Caller:
    # The client's network only when a flow asks for it (see flows.Caller).
    return flows.Caller(lambda: _client(request), languages(request.headers.get("accept-language")))


async def request_email_sign_in(request: Request, body: bodies.EmailSignInRequest) -> Response:
    await services(request).authentication.request_email_sign_in(
        body.value(), _client(request), tags(request.headers.get("accept-language"))
    )
    return status_message(EMAIL_SIGN_IN_REQUESTED, 202)


async def sign_in_via_email(request: Request, body: bodies.EmailSignIn) -> Response:
    signed_in = await services(request).authentication.sign_in_with_email_token(
        body.value(), _caller(request)
    )
    return session_response(request, signed_in)


async def sign_up(request: Request, body: bodies.SignUp) -> Response:
    await services(request).authentication.sign_up(body.value(), _caller(request))
    return status_message("Signed up.", 201)


async def sign_in(request: Request, body: bodies.SignIn) -> Response:
    signed_in = await services(request).authentication.sign_in_with_password(
        body.value(), _caller(request)
    )
    return session_response(request, signed_in)


async def sign_in_v3(request: Request, body: bodies.SignIn) -> Response:
    signed_in = await services(request).authentication.sign_in_with_password(
        body.value(), _caller(request), unverified_as_not_found=True
    )
    return session_response(request, signed_in)


async def reauthenticate(request: Request, body: bodies.Reauthentication) -> Response:
    signed_in = await services(request).authentication.reauthenticate(
        body.value(), _caller(request)
    )
    return session_response(request, signed_in)


async def sign_out(request: Request) -> Response:
    if not request.headers.get(SESSION_HEADER):
        raise BadRequest(f"The {SESSION_HEADER} header is required to sign out.")
    return await sign_out_v3(request)


async def sign_out_v3(request: Request) -> Response:
    """Bridge's older path: 200 with or without a session to end."""
    token = request.headers.get(SESSION_HEADER)
    if token:
        await services(request).authentication.sign_out(token)
    return status_message("Signed out.")


_SIGNED_IN = {
    200: Answer("Signed in: the session.", UserSessionInfo, links=TO_SESSION),
    412: Answer(
        "Signed in, but the participant has not consented: the same live session; sign the "
        "consent with `POST /v3/subpopulations/{studyId}/consents/signature`.",
        UserSessionInfo,
        links=TO_SESSION,
    ),
}
_ACCOUNT_NOT_FOUND = Failure(
    "`Account not found.`: a wrong, expired or used secret and an unknown account look the "
    "same; also an unknown study (entityClass Study) and, for email sign-in, a study with "
    "email sign-in off (`EndpointNotFoundException`).",
    ("EntityNotFoundException", "EndpointNotFoundException"),
    ("Account", "Study"),
)
_DISABLED = Failure(
    "The account is disabled (`Account disabled, please contact user support.`); told only to "
    "whoever holds a right secret.",
    ("AccountDisabledException",),
)
_NOT_VERIFIED = Failure(
    "The right password, but the study verifies addresses (emailVerificationEnabled) and "
    "nobody has proven this one yet: `Email or phone number have not been verified`. Sign in "
    "with an emailed link or code first.",
    ("UnauthorizedException",),
)
_FAILED_SIGN_INS = Failure(
    "The client made too many failed sign-ins (MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP); "
    "retry after `Retry-After` seconds.",
    ("RateLimitExceededException",),
)
_PASSWORD_LIMITS = Failure(
    "Too many failed sign-ins from the client, or too many password attempts from the client "
    "or for the address (MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP, "
    "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP, MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS); an "
    "emailed link still signs the owner in.",
    ("RateLimitExceededException",),
)
_PASSWORD_BUSY = Failure(
    "Redis is not answering, or more passwords are being checked than the service takes at "
    "once; retry after `Retry-After` seconds.",
    ("ServiceUnavailableException",),
)
_PASSWORD_SIGN_IN_FAILURES = {
    404: _ACCOUNT_NOT_FOUND,
    423: _DISABLED,
    429: _PASSWORD_LIMITS,
    503: _PASSWORD_BUSY,
}
_TAG = "Authentication"

operations = [
    Operation(
        "POST",
        "/v3/auth/email",
        "requestEmailSignIn",
        request_email_sign_in,
        _TAG,
        "Email a sign-in link (and token) to the participant.",
        {
            202: Answer(
                "Accepted: the email (if any) is queued. The message is always "
                f"{EMAIL_SIGN_IN_REQUESTED!r}",
                StatusMessage,
            )
        },
        description="The answer is the same for known and unknown addresses; an email goes "
        "only to a participant (a disabled one too: its link answers 423).",
        body=bodies.EmailSignInRequest,
        body_description="Who asks, in which study.",
        body_example={"study": EXAMPLE_STUDY_ID, "email": EXAMPLE_EMAIL},
        failures={
            404: Failure(
                "Unknown study (`EntityNotFoundException`, entityClass Study), or the study has "
                "email sign-in turned off (`EndpointNotFoundException`).",
                ("EntityNotFoundException", "EndpointNotFoundException"),
                ("Study",),
            ),
            429: Failure(
                "The address asked within the study's emailSignInRequestIntervalSeconds "
                "(whether or not it has an account), or the client's network used up its "
                "sign-in request budget (MAGICLINK_RATE_LIMIT_PER_IP). An address past its "
                "emails of the day is answered 202 like any other.",
                ("RateLimitExceededException",),
            ),
        },
    ),
    Operation(
        "POST",
        "/v3/auth/email/signIn",
        "signInViaEmail",
        sign_in_via_email,
        _TAG,
        "Trade the token from a sign-in email for a session.",
        _SIGNED_IN,
        description="A correct token marks the address verified and uses up every "
        "outstanding token of the address; `password`, when given, becomes the password.",
        body=bodies.EmailSignIn,
        body_description="The address and the emailed token.",
        failures={
            404: _ACCOUNT_NOT_FOUND,
            423: _DISABLED,
            429: _FAILED_SIGN_INS,
            503: _PASSWORD_BUSY,
        },
    ),
    Operation(
        "POST",
        "/v3/auth/signUp",
        "signUp",
        sign_up,
        _TAG,
        "Create an account with a password.",
        {201: Answer("Signed up.", StatusMessage)},
        description="201 also when the address has an account (nothing changes then). The "
        "password signs nobody in until the address is proven: the first sign-in by link or "
        "code drops it, unless that sign-in sends a new `password`.",
        body=bodies.SignUp,
        body_description="The new account.",
        failures={
            404: Failure(
                "No study with this identifier.", ("EntityNotFoundException",), ("Study",)
            ),
            429: _PASSWORD_LIMITS,
            503: _PASSWORD_BUSY,
        },
    ),
    Operation(
        "POST",
        "/v4/auth/signIn",
        "signInV4",
        sign_in,
        _TAG,
        "Sign in with a password.",
        _SIGNED_IN,
        description="Ends the participant's earlier session and reauth tokens (one session per "
        "participant).",
        body=bodies.SignIn,
        body_description="The credentials.",
        failures={403: _NOT_VERIFIED, **_PASSWORD_SIGN_IN_FAILURES},
    ),
    Operation(
        "POST",
        "/v3/auth/signIn",
        "signIn",
        sign_in_v3,
        _TAG,
        "Sign in with a password (Bridge's older path).",
        _SIGNED_IN,
        description="As `POST /v4/auth/signIn`, but an address not verified yet answers 404 "
        "like a wrong password, as Bridge's deprecated path does.",
        body=bodies.SignIn,
        body_description="The credentials.",
        failures=_PASSWORD_SIGN_IN_FAILURES,
    ),
    Operation(
        "POST",
        "/v3/auth/reauth",
        "reauthenticate",
        reauthenticate,
        _TAG,
        "Trade a reauth token for a new session and a new reauth token.",
        _SIGNED_IN,
        description="Answers the live session's token when the participant has one (so "
        "requests in flight keep working), otherwise a new session; always a new reauth token. "
        "A reauth token stays good through 3 rotations, so an app that crashed before storing "
        "the new one still gets in. 404 when the study has reauthentication off.",
        body=bodies.Reauthentication,
        entity="SignIn",
        body_description="The address and the reauth token.",
        failures={404: _ACCOUNT_NOT_FOUND, 423: _DISABLED, 429: _FAILED_SIGN_INS},
    ),
    Operation(
        "POST",
        "/v4/auth/signOut",
        "signOut",
        sign_out,
        _TAG,
        "End the session.",
        {200: Answer("Signed out.", StatusMessage)},
        description="200 also for an unknown session; 400 without the Bridge-Session header. "
        "The body is ignored.",
        access=Access.SESSION_OPTIONAL,
        failures={400: Failure("No Bridge-Session header.", ("BadRequestException",))},
    ),
    Operation(
        "POST",
        "/v3/auth/signOut",
        "signOutV3",
        sign_out_v3,
        _TAG,
        "End the session (Bridge's older path, which its iOS SDK calls).",
        {200: Answer("Signed out.", StatusMessage)},
        description="200 always; ends the session when a Bridge-Session header names one, and "
        "revokes the participant's reauth tokens. The body is ignored.",
        access=Access.SESSION_OPTIONAL,
    ),
]
