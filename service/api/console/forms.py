"""Reading the console's form posts, and the guard every console page goes through.

Forms are ``application/x-www-form-urlencoded``; only a page guarded by :func:`uploads` also
takes ``multipart/form-data`` (one file, a few fields, a capped body). Every POST must carry the
session's CSRF token in ``csrf``, the multipart ones too: without it the answer is a 403 page and
nothing changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from service.api.bodies import read_body
from service.api.console import pages, session
from service.api.console.session import ConsoleSession
from service.api.errors import PayloadTooLarge

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 512 * 1024  # a pasted CSV of a thousand addresses fits
FORM = "console_form"  # request.state attribute holding the parsed form of a POST
UPLOAD_PROBLEM = "console_upload_problem"  # request.state: why an upload was not read

Page = Callable[[Request, ConsoleSession], Awaitable[Response]]
Guarded = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Uploads:
    """What a page that takes a file accepts, and the page that says why one was refused."""

    max_bytes: int  # the whole body: the file, the other fields and the multipart framing
    max_fields: int
    refused: Page  # draws the page with ``UPLOAD_PROBLEM``; it must change nothing


@dataclass(frozen=True)
class UploadRefused:
    """Why an upload was not read (``request.state`` ``UPLOAD_PROBLEM``)."""

    too_large: bool  # else broken
    message: str


async def read_form(request: Request, max_bytes: int = MAX_FORM_BYTES) -> FormData:
    body = await read_body(request, max_bytes, "The form")
    text = body.decode("utf-8", errors="replace")
    pairs: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(text, keep_blank_values=True, max_num_fields=5000)
    )
    return FormData(pairs)


def form_of(request: Request) -> FormData:
    """The form :func:`signed_in` read from a POST."""
    form: FormData = getattr(request.state, FORM)
    return form


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def read_upload(request: Request, limits: Uploads) -> FormData:
    """A multipart form: at most one file, ``limits.max_fields`` fields and ``max_bytes`` in
    all (:class:`PayloadTooLarge` beyond, as soon as the body passes it, read no further)."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await request.receive()
        size += len(message.get("body", b""))
        if size > limits.max_bytes:
            raise PayloadTooLarge(f"The upload is larger than {limits.max_bytes} bytes.")
        return message

    return await Request(request.scope, counted).form(max_files=1, max_fields=limits.max_fields)


def signed_in(handler: Page) -> Guarded:
    """A page for signed-in researchers: without a session, to the sign-in page; a POST
    without the session's CSRF token, a 403 page."""
    return _guard(handler, None)


def uploads(limits: Uploads) -> Callable[[Page], Guarded]:
    """:func:`signed_in` for a page whose form sends a file (``multipart/form-data``)."""
    return lambda handler: _guard(handler, limits)


async def _form(
    request: Request, found: ConsoleSession, limits: Uploads | None
) -> FormData | UploadRefused:
    """The POST's form, or why an upload could not be read."""
    if limits is None or not _is_multipart(request):
        return await read_form(request)
    try:
        return await read_upload(request, limits)
    except PayloadTooLarge as refused:
        log.info("console: upload to %s by key %r refused: too large", request.url.path, found.name)
        return UploadRefused(True, refused.message)
    except HTTPException as malformed:  # Starlette's answer to a broken multipart body
        log.info(
            "console: upload to %s by key %r refused: %s",
            request.url.path,
            found.name,
            malformed.detail,
        )
        return UploadRefused(
            False, f"The upload could not be read ({malformed.detail}). Choose the file again."
        )


def _guard(handler: Page, limits: Uploads | None) -> Guarded:
    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        found = await session.current(request)
        if found is None:
            return pages.to_sign_in()
        if request.method != "POST":
            return await handler(request, found)
        form = await _form(request, found, limits)
        if isinstance(form, UploadRefused):
            # Nothing was read, so no CSRF token either: this page only says why, and changes
            # nothing.
            assert limits is not None
            setattr(request.state, UPLOAD_PROBLEM, form)
            return await limits.refused(request, found)
        try:
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
        finally:
            await form.close()  # an uploaded file's spooled copy

    return guarded


def field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""
