"""Who may use the researcher/admin API: an admin key, by bearer header or a console session.

Two kinds of key open it: the bootstrap key from ``MAGICLINK_ADMIN_KEY``, and named keys made
with ``magiclink admin-key create NAME`` (stored hashed in Redis, see ``store/admin_keys.py``).
:func:`admin_key_name` is the one check of a presented key, for the bearer header and the
console's sign-in form alike. The web console's JavaScript calls the same API with its session
cookie and the session's CSRF token in ``X-CSRF-Token`` (see ``console/session.py``).

The log records which key was used, by name, and why a call was refused; never a presented
value, not even the part before the first space (a bare key would be there).
"""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request

from service.api.console.session import COOKIE, api_session
from service.api.context import services
from service.app import Services
from service.errors import NotAuthenticated
from service.store.admin_keys import BOOTSTRAP_NAME

log = logging.getLogger(__name__)


async def admin_key_name(svc: Services, presented: str) -> str | None:
    """The name of the admin key ``presented``, or None when it opens nothing."""
    expected = svc.settings.admin_key
    if expected is not None and hmac.compare_digest(
        presented.encode(), expected.get_secret_value().encode()
    ):
        return BOOTSTRAP_NAME
    return await svc.admin_keys.lookup(presented)


async def require_admin(request: Request) -> str:
    """The name of the key behind the call; NotAuthenticated (401) without a live one."""
    svc = services(request)
    where = f"{request.method} {request.url.path}"
    header = request.headers.get("authorization")
    if header is None and COOKIE in request.cookies:
        session = await api_session(request)
        if session is not None:
            log.info("admin call from the console of key %r: %s", session.name, where)
            return session.name
        raise NotAuthenticated(
            "The console session has ended or the X-CSRF-Token header does not match it; "
            "sign in to the console again."
        )
    scheme, _, presented = (header or "").partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        reason = "no Authorization header" if not scheme else "no Bearer key"
        log.info("admin call refused (%s): %s", reason, where)
    else:
        name = await admin_key_name(svc, presented)
        if name == BOOTSTRAP_NAME:
            log.info("admin call with the bootstrap key: %s", where)
            return name
        if name is not None:
            log.info("admin call with key %r: %s", name, where)
            return name
        log.info("admin call refused (unknown or revoked key): %s", where)
    raise NotAuthenticated(
        "The admin API needs 'Authorization: Bearer <key>' with MAGICLINK_ADMIN_KEY or a key "
        "made by 'magiclink admin-key create NAME'."
    )
