"""Dead letters in the console: the emails that failed for good, each (or all) to send again or
to delete after a confirming step. Each action runs the admin API's own handler
(``routes/dead_letters``) on the body the API would get, and the page shows what it answered.
Addresses are masked, as the API masks them; the log names the key and the count."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from service.api.console import pages
from service.api.console.forms import field, form_of, signed_in
from service.api.console.session import ConsoleSession
from service.api.routes import dead_letters as dead_letter_routes
from service.api.schemas.dead_letters import DeadLetterSelection
from service.api.validation import validated
from service.errors import Invalid, NotFound

log = logging.getLogger(__name__)

PATH = "/console/dead-letters"
_HANDLERS = {
    "retry": dead_letter_routes.retry_dead_letters,
    "purge": dead_letter_routes.purge_dead_letters,
}


def _json(answer: Response) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(bytes(answer.body))
    return found


async def _listing(
    request: Request, current: ConsoleSession, status_code: int = 200, problem: str = ""
) -> Response:
    listed = _json(await dead_letter_routes.list_dead_letters(request))
    query = request.query_params
    return pages.page(
        request,
        "dead_letters.html",
        current,
        status_code,
        letters=listed["items"],
        total=listed["total"],
        confirm=query.get("confirm", ""),
        done=query.get("done", "") if query.get("done") in _HANDLERS else "",
        count=int(query["count"]) if query.get("count", "").isdigit() else 0,
        problem=problem,
    )


@signed_in
async def dead_letters_page(request: Request, current: ConsoleSession) -> Response:
    return await _listing(request, current)


@signed_in
async def change_dead_letters(request: Request, current: ConsoleSession) -> Response:
    form = form_of(request)
    action, chosen = field(form, "action"), field(form, "id")
    handler = _HANDLERS.get(action)
    if handler is None:
        return await _listing(request, current, 400, f"Unknown action {action!r}.")
    selection = {"all": True} if chosen == "all" else {"ids": [chosen]}
    try:
        answer = _json(await handler(request, validated(DeadLetterSelection, selection)))
    except NotFound:
        return await _listing(
            request,
            current,
            404,
            "That dead letter is no longer there: somebody retried or deleted it already.",
        )
    except Invalid as invalid:
        messages = [message for found in invalid.errors.values() for message in found]
        return await _listing(request, current, 400, " ".join(messages))
    log.info(
        "console: key %r: %s of %s dead letter(s) (%s)",
        current.name,
        action,
        answer["count"],
        "all" if chosen == "all" else chosen,
    )
    return pages.see_other(f"{PATH}?done={action}&count={answer['count']}")
