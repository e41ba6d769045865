"""Signing in to the console with an admin key, and signing out.

The sign-in form is guarded like every other form: its CSRF token is a random value in a
short-lived cookie of its own (HttpOnly, SameSite=Strict) that the form must repeat, so another
site cannot sign a browser in with the attacker's key. A wrong key counts against the client's
failure budget (``sign_in_limit.py``); the key itself is never logged, only its name.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from starlette.requests import Request
from starlette.responses import Response

from service.api.admin_auth import admin_key_name
from service.api.client_ip import budget_subject, client_ip
from service.api.console import pages, session, sign_in_limit
from service.api.console.forms import field, read_form, signed_in
from service.api.console.session import ConsoleSession
from service.api.context import services
from service.errors import RateLimited

log = logging.getLogger(__name__)

_FORM_COOKIE = "ml_console_sign_in"
_FORM_COOKIE_SECONDS = 3600
HOME = "/console/studies"
WRONG_KEY = (
    "This key does not open the console. Paste the whole key: MAGICLINK_ADMIN_KEY, or a key "
    "from 'magiclink admin-key create NAME' (it starts with mlk_)."
)


def _client(request: Request) -> str:
    address = client_ip(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        services(request).settings.trusted_proxies,
    )
    return budget_subject(address)


async def console_home(request: Request) -> Response:
    if await session.current(request) is None:
        return pages.to_sign_in()
    return pages.see_other(HOME)


def _form(request: Request, status_code: int = 200, **context: object) -> Response:
    token = secrets.token_urlsafe(32)
    answer = pages.page(
        request,
        "sign_in.html",
        None,
        status_code,
        form_token=token,
        signed_out=request.query_params.get("signed-out") == "1",
        **{"error": None, **context},
    )
    answer.set_cookie(
        _FORM_COOKIE,
        token,
        max_age=_FORM_COOKIE_SECONDS,
        path=pages.SIGN_IN_PATH,
        httponly=True,
        secure=session.is_https(request),
        samesite="strict",
    )
    return answer


async def sign_in_page(request: Request) -> Response:
    if await session.current(request) is not None:
        return pages.see_other(HOME)
    return _form(request)


async def sign_in(request: Request) -> Response:
    svc = services(request)
    form = await read_form(request)
    expected = request.cookies.get(_FORM_COOKIE, "")
    given = field(form, "csrf")
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        log.info("console: sign-in refused: the form's CSRF token does not match its cookie")
        return pages.forbidden(request, None)
    client = _client(request)
    try:
        await sign_in_limit.check(svc.budgets, client)
    except RateLimited as refused:
        log.info("console: sign-in refused: too many failures from this client")
        answer = _form(request, 429, error=refused.message)
        answer.headers["Retry-After"] = str(refused.wait_seconds)
        return answer
    presented = field(form, "key").strip()
    name = await admin_key_name(svc, presented) if presented else None
    if name is None:
        await sign_in_limit.failed(svc.budgets, client)
        log.info("console: sign-in refused: %s", "no key" if not presented else "unknown key")
        message = "Paste your admin key." if not presented else WRONG_KEY
        return _form(request, 401, error=message)
    cookie, _ = await session.start(svc, name, presented)
    log.info("console: key %r signed in", name)
    answer = pages.see_other(HOME)
    session.set_cookie(request, answer, cookie)
    answer.delete_cookie(_FORM_COOKIE, path=pages.SIGN_IN_PATH)
    return answer


@signed_in
async def sign_out(request: Request, current: ConsoleSession) -> Response:
    await session.end(request, current)
    log.info("console: key %r signed out", current.name)
    answer = pages.see_other(f"{pages.SIGN_IN_PATH}?signed-out=1")
    session.clear_cookie(request, answer)
    return answer
