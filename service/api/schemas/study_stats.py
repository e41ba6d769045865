"""The answer of ``GET /v3/studies/{id}/stats``: a study's sign-in funnel, day by day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from service.api.schemas import Schema
from service.store import study_stats

_COUNT = Field(ge=0)


class LandingViews(Schema):
    """Sign-in links opened in a browser, by the device the landing page saw."""

    ios: Annotated[int, _COUNT]
    android: Annotated[int, _COUNT]
    desktop: Annotated[int, _COUNT]
    in_app: Annotated[int, Field(ge=0, description="In a mail or social app's own browser.")]


class SignIns(Schema):
    link: Annotated[int, _COUNT]
    code: Annotated[int, Field(ge=0, description="The code from the email, typed.")]
    password: Annotated[int, _COUNT]
    reauth: Annotated[int, _COUNT]


class StudyDay(Schema):
    date: Annotated[date, Field(description="The day (UTC).")]
    links_requested: Annotated[
        int,
        Field(
            ge=0,
            description="Accepted sign-in email requests, for addresses with an account or not.",
        ),
    ]
    emails_sent: Annotated[int, Field(ge=0, description="Sign-in emails delivered.")]
    emails_failed: Annotated[
        int, Field(ge=0, description="Sign-in emails that failed for good (dead letters).")
    ]
    landing_views: LandingViews
    sign_ins: SignIns
    wrong_codes: Annotated[
        int, Field(ge=0, description="Typed codes and link tokens that signed nobody in.")
    ]
    links_expired_unused: Annotated[
        int | None,
        Field(
            ge=0,
            description="Links that expired that day and were never used; null until the day "
            "(and a couple of minutes) is over.",
        ),
    ]

    @classmethod
    def of(cls, counts: study_stats.DayCounts) -> StudyDay:
        views = counts.landing_views
        return cls(
            date=counts.day,
            links_requested=counts.links_requested,
            emails_sent=counts.emails_sent,
            emails_failed=counts.emails_failed,
            landing_views=LandingViews(
                ios=views["ios"],
                android=views["android"],
                desktop=views["desktop"],
                in_app=views["in-app"],
            ),
            sign_ins=SignIns(**counts.sign_ins),
            wrong_codes=counts.wrong_codes,
            links_expired_unused=counts.links_expired_unused,
        )


class StudyStats(Schema):
    study_id: str
    days: Annotated[
        list[StudyDay],
        Field(max_length=study_stats.MAX_DAYS, description="One entry per day, today last."),
    ]
    type: Literal["StudyStats"] = "StudyStats"

    @classmethod
    def of(cls, study_id: str, days: Sequence[study_stats.DayCounts]) -> StudyStats:
        return cls(study_id=study_id, days=[StudyDay.of(day) for day in days])
