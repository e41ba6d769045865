"""Reading the console's form posts, and the guard every console page goes through.

Forms are ``application/x-www-form-urlencoded`` (no multipart: a CSV is pasted, or read into
the form by the page's script). Every POST must carry the session's CSRF token in ``csrf``:
without it the answer is a 403 page and nothing changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from service.api.console import pages, session
from service.api.console.session import ConsoleSession
from service.api.errors import PayloadTooLarge

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 512 * 1024  # a pasted CSV of a thousand addresses fits
FORM = "console_form"  # request.state attribute holding the parsed form of a POST

Page = Callable[[Request, ConsoleSession], Awaitable[Response]]


async def read_form(request: Request, max_bytes: int = MAX_FORM_BYTES) -> FormData:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The form is larger than {max_bytes} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    text = b"".join(chunks).decode("utf-8", errors="replace")
    pairs: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(text, keep_blank_values=True, max_num_fields=5000)
    )
    return FormData(pairs)


def form_of(request: Request) -> FormData:
    """The form :func:`signed_in` read from a POST."""
    form: FormData = getattr(request.state, FORM)
    return form


def signed_in(handler: Page) -> Callable[[Request], Awaitable[Response]]:
    """A page for signed-in researchers: without a session, to the sign-in page; a POST
    without the session's CSRF token, a 403 page."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        found = await session.current(request)
        if found is None:
            return pages.to_sign_in()
        if request.method == "POST":
            form = await read_form(request)
            token = form.get("csrf")
            if not session.csrf_matches(found, token if isinstance(token, str) else None):
                log.info(
                    "console: POST %s refused for key %r: no matching CSRF token",
                    request.url.path,
                    found.name,
                )
                return pages.forbidden(request, found)
            setattr(request.state, FORM, form)
        return await handler(request, found)

    return guarded


def field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""
