"""Console sessions: a signed cookie naming a server-side session, and its CSRF token.

The cookie (``ml_console``) holds the admin key's name and a random session id, signed with
``MAGICLINK_SECRET_KEY`` (itsdangerous, a salt of its own), never the key. Redis holds the
session (``store/console_sessions.py``): the key's name and hash, and the CSRF token. A session
ends at sign-out, after ``IDLE_SECONDS`` without use (each use renews it), after
``MAX_AGE_SECONDS`` whatever happens, and as soon as its key is revoked or replaced: every
request checks the key is still listed (one HGET).

Each refusal is logged with its reason; the caller learns only that there is no session.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from service.api.client_ip import from_trusted_proxy
from service.api.context import services
from service.app import Services
from service.store.admin_keys import BOOTSTRAP_NAME, key_hash
from service.store.console_sessions import ConsoleSessionRecord, ConsoleSessionStore

log = logging.getLogger(__name__)

COOKIE = "ml_console"
CSRF_HEADER = "x-csrf-token"
IDLE_SECONDS = 30 * 60
MAX_AGE_SECONDS = 12 * 3600
_SALT = "magiclink.console.session"
_PURPOSE = "console-session"


@dataclass(frozen=True)
class ConsoleSession:
    name: str  # the admin key's name
    csrf: str
    id_hash: str


def _serializer(svc: Services) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and tries them all; the settings list the signer first.
    keys = [key.get_secret_value() for key in reversed(svc.settings.secret_keys)]
    return URLSafeTimedSerializer(keys, salt=_SALT)


def _store(svc: Services) -> ConsoleSessionStore:
    return ConsoleSessionStore(svc.redis)


def is_https(request: Request) -> bool:
    """Whether the browser reached us by https: directly, or through a trusted proxy that says
    so (``X-Forwarded-Proto``, believed from MAGICLINK_TRUSTED_PROXIES only)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    if not from_trusted_proxy(peer, services(request).settings.trusted_proxies):
        return False
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0]
    return forwarded.strip().lower() == "https"


async def start(svc: Services, name: str, presented_key: str) -> tuple[str, ConsoleSession]:
    """A new session for the key ``presented_key`` (already checked): the cookie's value."""
    session_id = secrets.token_urlsafe(32)
    id_hash = svc.hasher.for_storage(_PURPOSE, session_id)
    record = ConsoleSessionRecord(name, key_hash(presented_key), secrets.token_urlsafe(32))
    await _store(svc).create(id_hash, record, IDLE_SECONDS)
    cookie = _serializer(svc).dumps([name, session_id])
    return cookie, ConsoleSession(name, record.csrf, id_hash)


def set_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        path="/",
        httponly=True,
        secure=is_https(request),
        samesite="strict",
    )


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, secure=is_https(request), samesite="strict"
    )


async def _key_still_live(svc: Services, record: ConsoleSessionRecord) -> bool:
    if record.name == BOOTSTRAP_NAME:
        expected = svc.settings.admin_key
        listed = key_hash(expected.get_secret_value()) if expected is not None else None
    else:
        listed = await svc.admin_keys.listed_hash(record.name)
    return listed is not None and hmac.compare_digest(listed, record.key_hash)


async def current(request: Request) -> ConsoleSession | None:
    """The request's live console session (its idle time restarted), or None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    svc = services(request)
    try:
        name, session_id = _serializer(svc).loads(raw, max_age=MAX_AGE_SECONDS)
    except (BadSignature, ValueError, TypeError):
        log.info("console session refused: cookie not signed by us, or too old")
        return None
    if not isinstance(name, str) or not isinstance(session_id, str):
        log.info("console session refused: cookie of the wrong shape")
        return None
    id_hash = svc.hasher.for_storage(_PURPOSE, session_id)
    record = await _store(svc).touch(id_hash, IDLE_SECONDS)
    if record is None:
        log.info("console session refused: signed out or idle too long (key %r)", name)
        return None
    if record.name != name:
        log.info("console session refused: the cookie names another key")
        return None
    if not await _key_still_live(svc, record):
        log.info("console session of key %r ended: the key was revoked or replaced", name)
        await _store(svc).end(id_hash)
        return None
    return ConsoleSession(record.name, record.csrf, id_hash)


def csrf_matches(session: ConsoleSession, presented: str | None) -> bool:
    if not presented:
        return False
    # Both sides hashed first: compare_digest wants equal lengths to take constant time.
    given = hashlib.sha256(presented.encode()).digest()
    return hmac.compare_digest(given, hashlib.sha256(session.csrf.encode()).digest())


async def api_session(request: Request) -> ConsoleSession | None:
    """The console session of a JSON API call: a live session AND its CSRF token in the
    ``X-CSRF-Token`` header (a cookie alone never opens the API)."""
    session = await current(request)
    if session is None:
        return None
    if not csrf_matches(session, request.headers.get(CSRF_HEADER)):
        log.info(
            "admin call from the console of key %r refused: no matching X-CSRF-Token", session.name
        )
        return None
    return session


async def end(request: Request, session: ConsoleSession) -> None:
    await _store(services(request)).end(session.id_hash)
