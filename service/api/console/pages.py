"""Rendering console pages: Jinja2 (autoescaped) under a strict Content-Security-Policy.

Each answer gets a fresh nonce; only ``<script nonce=...>`` tags carrying it run, so nothing a
researcher typed can ever run as script. Styles may be inline: the email previews (iframes with
``srcdoc``, which inherit this policy, sandboxed without scripts) show emails as they arrive.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from service.api.console.session import ConsoleSession
from service.api.context import services

SIGN_IN_PATH = "/console/sign-in"


def _headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
    }


def page(
    request: Request,
    template: str,
    session: ConsoleSession | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``templates/console/<template>``; every page has ``nonce``, ``session`` and ``csrf``."""
    nonce = secrets.token_urlsafe(18)
    html = services(request).pages.render(
        f"console/{template}",
        nonce=nonce,
        session=session,
        csrf=session.csrf if session else "",
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=_headers(nonce))


def to_sign_in() -> Response:
    return RedirectResponse(SIGN_IN_PATH, status_code=303)


def see_other(path: str) -> Response:
    """After a POST that worked: the browser GETs ``path`` (a reload does not post again)."""
    return RedirectResponse(path, status_code=303)


def forbidden(request: Request, session: ConsoleSession | None) -> HTMLResponse:
    return page(request, "forbidden.html", session, status_code=403)
