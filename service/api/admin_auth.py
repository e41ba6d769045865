"""The researcher/admin API's bearer key check.

Two kinds of key open it: the bootstrap key from ``MAGICLINK_ADMIN_KEY``, and named keys made
with ``magiclink admin-key create NAME`` (stored hashed in Redis, see ``store/admin_keys.py``).
The log records which key was used, by name, and why a call was refused; never a presented
value, not even the part before the first space (a bare key would be there).
"""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request

from service.api.context import services
from service.errors import NotAuthenticated

log = logging.getLogger(__name__)


async def require_admin(request: Request) -> None:
    svc = services(request)
    expected = svc.settings.admin_key
    where = f"{request.method} {request.url.path}"
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        reason = "no Authorization header" if not scheme else "no Bearer key"
        log.info("admin call refused (%s): %s", reason, where)
    elif expected is not None and hmac.compare_digest(
        presented.encode(), expected.get_secret_value().encode()
    ):
        log.info("admin call with the bootstrap key: %s", where)
        return
    else:
        name = await svc.admin_keys.lookup(presented)
        if name is not None:
            log.info("admin call with key %r: %s", name, where)
            return
        log.info("admin call refused (unknown or revoked key): %s", where)
    raise NotAuthenticated(
        "The admin API needs 'Authorization: Bearer <key>' with MAGICLINK_ADMIN_KEY or a key "
        "made by 'magiclink admin-key create NAME'."
    )
