"""Researcher API: a study's sign-in funnel, day by day (``service/store/study_stats.py``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services
from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.routes.parameters import NO_STUDY, STUDY_ID
from service.api.schemas.study_stats import StudyStats
from service.errors import Invalid
from service.store.study_stats import DEFAULT_DAYS, MAX_DAYS

_DAYS_RULE = f"days must be a whole number from 1 to {MAX_DAYS} (default {DEFAULT_DAYS})"


def _days(request: Request) -> int:
    """The ``days`` of the query: one whole number in range, or the default without one."""
    given = request.query_params.getlist("days")
    if not given:
        return DEFAULT_DAYS
    if len(given) == 1 and given[0].isascii() and given[0].isdigit():
        days = int(given[0])
        if 1 <= days <= MAX_DAYS:
            return days
    raise Invalid("StudyStats", {"days": [_DAYS_RULE]})


async def get_study_stats(request: Request) -> Response:
    svc = services(request)
    days = _days(request)
    study = await svc.studies.get(request.path_params["study_id"])
    counted = await svc.study_stats.days(study.identifier, days)
    body = StudyStats.of(study.identifier, counted).model_dump(mode="json", by_alias=True)
    return JSONResponse(body)


operations = [
    Operation(
        "GET",
        "/v3/studies/{study_id}/stats",
        "getStudyStats",
        get_study_stats,
        "Studies",
        "The study's sign-in funnel, per day (UTC), today last.",
        {200: Answer("One entry per day.", StudyStats)},
        description="Links requested (for every address, with an account or not, so the "
        "count tells nothing about who has one), sign-in emails sent and failed, landing pages "
        "viewed by device, sign-ins by method, wrong codes, and links that expired unused. "
        "Kept 100 days; this process's own counts show at once, other processes' within a "
        "few seconds.",
        access=Access.ADMIN,
        parameters=(
            STUDY_ID,
            Parameter(
                "days",
                "query",
                f"How many days, today included: 1 to {MAX_DAYS}.",
                {"type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": DEFAULT_DAYS},
                example=7,
            ),
        ),
        failures={
            400: Failure(
                f"`days` is not a whole number from 1 to {MAX_DAYS}; `errors` names it.",
                ("InvalidEntityException",),
            ),
            404: NO_STUDY,
        },
    ),
]
