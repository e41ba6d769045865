"""A study's sign-in email: subject, body and type, with a live preview (``console.js`` asks the
API's preview endpoint as the researcher types) and "Send me a test" (the API's test endpoint).
Saving writes the template into the study at the version the page started from."""

from __future__ import annotations

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
from service.email.preview import SAMPLE_EMAIL, sample_values
from service.studies.model import Study
from service.studies.templates import EmailTemplate

SUBJECT, BODY, MIME_TYPE = (
    "emailSignInTemplate.subject",
    "emailSignInTemplate.body",
    "emailSignInTemplate.mimeType",
)
LABELS = {SUBJECT: "Subject", BODY: "Body", MIME_TYPE: "Format"}


def _form(default: EmailTemplate) -> StudyForm:
    def values_of(study: dict[str, Any]) -> Values:
        saved = study.get("emailSignInTemplate") or default.to_json()
        return {SUBJECT: saved["subject"], BODY: saved["body"], MIME_TYPE: saved["mimeType"]}

    def fields_of(form: FormData) -> Values:
        return {name: field(form, name) for name in LABELS}

    def write(form: FormData, body: dict[str, Any]) -> None:
        body["emailSignInTemplate"] = {
            "subject": field(form, SUBJECT),
            "body": field(form, BODY),
            "mimeType": field(form, MIME_TYPE) or "text/plain",
        }

    return StudyForm(LABELS, values_of, write, fields_of)


def _page(
    request: Request, current: ConsoleSession, study: Study, outcome: Outcome, status_code: int
) -> Response:
    svc = services(request)
    samples = sample_values(study, SAMPLE_EMAIL, svc.settings.base_url)
    return pages.page(
        request,
        "template.html",
        current,
        status_code,
        study=study,
        labels=LABELS,
        values=outcome.values or {},
        **outcome.page_context(request),
        is_default=study.email_sign_in_template is None,
        samples=sorted(samples.items()),
        sample_email=SAMPLE_EMAIL,
    )


@signed_in
async def template_page(request: Request, current: ConsoleSession) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    values = _form(svc.default_template).values_of(editable(study))
    outcome = Outcome(values=values, version=study.version, base=snapshot(values))
    return _page(request, current, study, outcome, 200)


@signed_in
async def save_template(request: Request, current: ConsoleSession) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    page = _form(svc.default_template)
    outcome = await save(request, current, study, form_of(request), page, "the sign-in email")
    if outcome.saved is not None:
        return pages.see_other(f"/console/studies/{study.identifier}/template?saved=1")
    return _page(request, current, study, outcome, 409 if outcome.conflict is not None else 400)
