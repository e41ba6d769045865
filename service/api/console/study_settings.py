"""A study's settings page: every plain field of the study in one form (app links and the
email template have pages of their own), saved with the version it started from."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from service.api.console import pages
from service.api.console.forms import field, form_of, signed_in
from service.api.console.session import ConsoleSession
from service.api.console.study_form import Outcome, StudyForm, Values, save, snapshot
from service.api.context import services
from service.api.schemas.studies import editable
from service.studies.model import Study

LABELS = {
    "name": "Name",
    "shortName": "Short name",
    "sponsorName": "Sponsor name",
    "supportEmail": "Support email",
    "emailSignInEnabled": "Email sign-in",
    "emailSignInTokenTtlSeconds": "Link lifetime (seconds)",
    "emailSignInRequestIntervalSeconds": "Wait between sign-in emails (seconds)",
    "reauthenticationEnabled": "Reauthentication",
    "emailVerificationEnabled": "Email verification",
}
CHECKS = frozenset({"emailSignInEnabled", "reauthenticationEnabled", "emailVerificationEnabled"})
NUMBERS = frozenset({"emailSignInTokenTtlSeconds", "emailSignInRequestIntervalSeconds"})
_WHOLE = re.compile(r"[+-]?\d+")


def _number(raw: str) -> int | str | None:
    text = raw.strip()
    if not text:
        return None  # the default
    return int(text) if _WHOLE.fullmatch(text) else text  # the model says what is wrong


def values_of(study: dict[str, Any]) -> Values:
    found: Values = {}
    for name in LABELS:
        value = study.get(name)
        if name in CHECKS:
            found[name] = "on" if value else ""
        else:
            found[name] = "" if value is None else str(value)
    return found


def fields_of(form: FormData) -> Values:
    return {name: field(form, name) for name in LABELS}


def write(form: FormData, body: dict[str, Any]) -> None:
    for name in LABELS:
        raw = field(form, name)
        if name in CHECKS:
            body[name] = raw == "on"
        elif name in NUMBERS:
            body[name] = _number(raw)
        else:
            body[name] = raw


SETTINGS = StudyForm(LABELS, values_of, write, fields_of)


def _page(
    request: Request, current: ConsoleSession, study: Study, outcome: Outcome, status_code: int
) -> Response:
    return pages.page(
        request,
        "study.html",
        current,
        status_code,
        study=study,
        labels=LABELS,
        values=outcome.values or {},
        **outcome.page_context(request),
        created=request.query_params.get("created") == "1",
    )


def fresh_outcome(study: Study, values: Values) -> Outcome:
    return Outcome(values=values, version=study.version, base=snapshot(values))


@signed_in
async def settings_page(request: Request, current: ConsoleSession) -> Response:
    study = await services(request).studies.get(request.path_params["study_id"])
    return _page(request, current, study, fresh_outcome(study, values_of(editable(study))), 200)


@signed_in
async def save_settings(request: Request, current: ConsoleSession) -> Response:
    study = await services(request).studies.get(request.path_params["study_id"])
    outcome = await save(request, current, study, form_of(request), SETTINGS, "the settings")
    if outcome.saved is not None:
        return pages.see_other(f"/console/studies/{study.identifier}?saved=1")
    return _page(request, current, study, outcome, 409 if outcome.conflict is not None else 400)
