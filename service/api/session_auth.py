"""The participant session check: a ``Bridge-Session`` header naming a live session.

The operation table runs it before it reads the body of a participant's request, as it checks
the admin key before an admin's: a caller without a session learns nothing from validation.
"""

from __future__ import annotations

from starlette.requests import Request

from service.api.context import services
from service.auth.flows import Session

SESSION_HEADER = "Bridge-Session"


async def require_session(request: Request) -> Session:
    """The live session the request's ``Bridge-Session`` header names (NotAuthenticated else)."""
    return await services(request).authentication.session_participant(
        request.headers.get(SESSION_HEADER)
    )
