"""The researcher/admin API's bearer key check."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from service.errors import NotAuthenticated
from service.routes.context import services


def require_admin(request: Request) -> None:
    expected = services(request).settings.admin_key
    if expected is None:
        raise NotAuthenticated(
            "The admin API is turned off: set MAGICLINK_ADMIN_KEY and send it as "
            "'Authorization: Bearer <key>'."
        )
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        presented.strip().encode(), expected.value.encode()
    ):
        raise NotAuthenticated("The admin API needs 'Authorization: Bearer <MAGICLINK_ADMIN_KEY>'.")
