"""Operators' API: emails that failed for good (dead letters), to read, retry or purge.

The same as ``magiclink outbox status|retry|purge``, for the console and for scripts that have
an admin key but no Redis access. Addresses are masked, as in the CLI: an operator needs to see
which email failed and why, not whom it was for.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services
from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.schemas.dead_letters import (
    MAX_IDS,
    DeadLetter,
    DeadLetterChange,
    DeadLetterList,
    DeadLetterSelection,
)
from service.errors import Invalid, NotFound

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 20
_PAGE_SIZE_RULE = (
    f"pageSize must be a whole number from 1 to {MAX_IDS} (default {DEFAULT_PAGE_SIZE})"
)


def _page_size(request: Request) -> int:
    given = request.query_params.getlist("pageSize")
    if not given:
        return DEFAULT_PAGE_SIZE
    if len(given) == 1 and given[0].isascii() and given[0].isdigit():
        size = int(given[0])
        if 1 <= size <= MAX_IDS:
            return size
    raise Invalid("DeadLetters", {"pageSize": [_PAGE_SIZE_RULE]})


async def list_dead_letters(request: Request) -> Response:
    outbox = services(request).mailer.outbox
    size = _page_size(request)
    letters = await outbox.dead_letters(size)
    total = (await outbox.status()).dead
    body = DeadLetterList.model_construct(
        items=[DeadLetter.of(letter) for letter in letters], total=total
    )
    return JSONResponse(body.model_dump(by_alias=True))


def _changed(count: int, message: str) -> Response:
    body = DeadLetterChange.model_construct(count=count, message=message)
    return JSONResponse(body.model_dump(by_alias=True))


async def _change(request: Request, body: DeadLetterSelection, retry: bool) -> Response:
    """Retry (back into the queue) or purge the chosen dead letters; 404 when none of the
    given ids is one."""
    chosen = body.chosen()
    outbox = services(request).mailer.outbox
    count = await (outbox.requeue_dead(chosen) if retry else outbox.purge_dead(chosen))
    if chosen is not None and not count:
        raise NotFound("DeadLetter", "No dead letter with these ids.")
    done = "put back into the queue" if retry else "deleted"
    log.info("%d dead letter(s) %s", count, done)
    if retry:
        services(request).mailer.wakeup.set()
    return _changed(count, f"{count} dead letter(s) {done}.")


async def retry_dead_letters(request: Request, body: DeadLetterSelection) -> Response:
    return await _change(request, body, retry=True)


async def purge_dead_letters(request: Request, body: DeadLetterSelection) -> Response:
    return await _change(request, body, retry=False)


_TAG = "Outbox"
_PATH = "/v3/outbox/deadLetters"
_SELECTION = "The ids of dead letters (from the list), or all: true."
_NONE_FOUND = Failure(
    "None of the ids is a dead letter (retried or purged already?).",
    ("EntityNotFoundException",),
    ("DeadLetter",),
)

operations = [
    Operation(
        "GET",
        _PATH,
        "getDeadLetters",
        list_dead_letters,
        _TAG,
        "Emails that failed for good, oldest first.",
        {200: Answer("The first dead letters, and how many there are.", DeadLetterList)},
        access=Access.ADMIN,
        parameters=(
            Parameter(
                "pageSize",
                "query",
                f"How many to list: 1 to {MAX_IDS}.",
                {"type": "integer", "minimum": 1, "maximum": MAX_IDS, "default": DEFAULT_PAGE_SIZE},
            ),
        ),
        failures={
            400: Failure(
                f"`pageSize` is not a whole number from 1 to {MAX_IDS}; `errors` names it.",
                ("InvalidEntityException",),
            )
        },
    ),
    Operation(
        "POST",
        f"{_PATH}/retry",
        "retryDeadLetters",
        retry_dead_letters,
        _TAG,
        "Put dead letters back into the queue (after fixing the cause).",
        {200: Answer("How many went back.", DeadLetterChange)},
        access=Access.ADMIN,
        body=DeadLetterSelection,
        entity="DeadLetters",
        body_description=_SELECTION,
        body_example={"all": True},
        failures={404: _NONE_FOUND},
    ),
    Operation(
        "POST",
        f"{_PATH}/purge",
        "purgeDeadLetters",
        purge_dead_letters,
        _TAG,
        "Delete dead letters for good.",
        {200: Answer("How many were deleted.", DeadLetterChange)},
        access=Access.ADMIN,
        body=DeadLetterSelection,
        entity="DeadLetters",
        body_description=_SELECTION,
        body_example={"ids": ["1733489211000-0"]},
        failures={404: _NONE_FOUND},
    ),
]
