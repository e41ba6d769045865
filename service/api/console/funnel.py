"""A study's sign-in funnel in the console: the last 30 days of ``GET /v3/studies/{id}/stats``
(the same counts, through the same answer model) as a chart, a table, totals, and one plain
sentence on whether sign-in works."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from service.api.console import pages
from service.api.console.forms import signed_in
from service.api.console.funnel_chart import chart
from service.api.console.session import ConsoleSession
from service.api.context import services
from service.api.schemas.study_stats import StudyDay, StudyStats

DAYS = 30
DEAD_LETTERS = "/console/dead-letters"


def sign_ins(day: StudyDay) -> int:
    counted = day.sign_ins
    return counted.link + counted.code + counted.password + counted.reauth


@dataclass(frozen=True)
class Totals:
    """The counts of some days added up."""

    requested: int
    sent: int
    failed: int
    sign_ins: int
    by_link: int
    by_code: int
    by_password: int
    by_reauth: int
    wrong_codes: int
    ios: int
    android: int
    desktop: int
    in_app: int
    expired_unused: int

    @classmethod
    def of(cls, days: list[StudyDay]) -> Totals:
        return cls(
            requested=sum(day.links_requested for day in days),
            sent=sum(day.emails_sent for day in days),
            failed=sum(day.emails_failed for day in days),
            sign_ins=sum(sign_ins(day) for day in days),
            by_link=sum(day.sign_ins.link for day in days),
            by_code=sum(day.sign_ins.code for day in days),
            by_password=sum(day.sign_ins.password for day in days),
            by_reauth=sum(day.sign_ins.reauth for day in days),
            wrong_codes=sum(day.wrong_codes for day in days),
            ios=sum(day.landing_views.ios for day in days),
            android=sum(day.landing_views.android for day in days),
            desktop=sum(day.landing_views.desktop for day in days),
            in_app=sum(day.landing_views.in_app for day in days),
            expired_unused=sum(day.links_expired_unused or 0 for day in days),
        )


def counted(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def verdict(month: Totals) -> tuple[str, str]:
    """Whether sign-in works, in one sentence, and how it looks ("ok", "notice" or "summary").
    Failures first: they are the one thing a researcher must act on."""
    if month.failed:
        return (
            f"{counted(month.failed, 'sign-in email', 'sign-in emails')} failed for good in "
            f"the last {DAYS} days: some participants cannot sign in. The dead letters say "
            "why, and can be sent again once the cause is fixed.",
            "summary",
        )
    if not month.requested:
        return f"Nobody asked for a sign-in link in the last {DAYS} days.", "notice"
    if not month.sent:
        return (
            f"{counted(month.requested, 'link was', 'links were')} asked for but no email was "
            "sent: the addresses may not be participants of this study, or the emails are "
            "still waiting to go out.",
            "notice",
        )
    if not month.sign_ins:
        return (
            f"{counted(month.sent, 'email was', 'emails were')} sent but nobody signed in: "
            "check that they arrive and that their links open the app (App links).",
            "notice",
        )
    return (
        f"Sign-in works: {counted(month.sign_ins, 'sign-in', 'sign-ins')} from "
        f"{counted(month.sent, 'email', 'emails')} in the last {DAYS} days, and no email failed.",
        "ok",
    )


@signed_in
async def funnel_page(request: Request, current: ConsoleSession) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    stats = StudyStats.of(study.identifier, await svc.study_stats.days(study.identifier, DAYS))
    days = stats.days
    month = Totals.of(days)
    sentence, look = verdict(month)
    drawn = chart(
        [day.date for day in days],
        {
            "requested": [day.links_requested for day in days],
            "sent": [day.emails_sent for day in days],
            "signIns": [sign_ins(day) for day in days],
        },
    )
    return pages.page(
        request,
        "funnel.html",
        current,
        study=study,
        days=list(reversed(days)),  # the table: today first
        sign_ins=sign_ins,
        today=Totals.of(days[-1:]),
        month=month,
        verdict=sentence,
        look=look,
        chart=drawn,
        dead_letters=DEAD_LETTERS,
        period=DAYS,
    )
