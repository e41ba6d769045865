"""Researcher API: preview a study's sign-in email, and send a test of it.

Both use a sample token and code that were never stored, so neither signs anybody in. A test
email goes through the outbox like any other; a study may send a few a minute, so that the
endpoint cannot be turned into a way to mail strangers.
"""

from __future__ import annotations

import asyncio
import logging
import math

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.accounts.email_address import masked
from service.api.context import services, status_message
from service.api.operations import Access, Answer, Failure, Operation
from service.api.routes.parameters import NO_STUDY, STUDY_ID
from service.api.schemas.common import StatusMessage
from service.api.schemas.template_trials import PreviewRequest, TemplatePreview, TestEmailRequest
from service.email.message import default_sign_in_template
from service.email.preview import preview
from service.errors import RateLimited
from service.store.budgets import Budget
from service.studies.localization import sign_in_email

log = logging.getLogger(__name__)

TEST_EMAILS = "template-test"
TEST_EMAILS_PER_MINUTE = 5


async def preview_template(request: Request, body: PreviewRequest) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    # The email a participant of that language gets, as the worker chooses it.
    chosen = sign_in_email(study, (body.language,) if body.language else ())
    template = (
        body.template.value()
        if body.template is not None
        else chosen.template or default_sign_in_template(chosen.language)
    )
    # In a thread, as the worker builds it: the QR code takes milliseconds of pure Python.
    built = await asyncio.to_thread(
        preview,
        study,
        template,
        base_url=svc.settings.base_url,
        mail_from=svc.settings.mail_from,
        # A draft is in the language the researcher says; else the chosen template's.
        language=(body.language or study.default_language)
        if body.template is not None
        else chosen.language,
    )
    return JSONResponse(TemplatePreview.of(built).model_dump(by_alias=True))


async def send_test_email(request: Request, body: TestEmailRequest) -> Response:
    svc = services(request)
    study = await svc.studies.get(request.path_params["study_id"])
    budget = Budget(TEST_EMAILS, study.identifier, TEST_EMAILS_PER_MINUTE, 60)
    exceeded = await svc.budgets.take([budget])
    if exceeded is not None:
        raise RateLimited(
            f"A study may send {TEST_EMAILS_PER_MINUTE} test emails a minute; try again in "
            f"{math.ceil(exceeded.wait_ms / 1000)} s.",
            math.ceil(exceeded.wait_ms / 1000),
        )
    template = body.template.value() if body.template is not None else None
    await svc.mailer.send_test(
        svc.mailer.test_job(study.identifier, body.email, template, body.language)
    )
    log.info("test email of %s queued for %s", study.identifier, masked(body.email))
    return status_message("Test email queued.", 202)


_TAG = "Studies"
_PATH = "/v3/studies/{study_id}/emailSignInTemplate"

operations = [
    Operation(
        "POST",
        f"{_PATH}/preview",
        "previewEmailSignInTemplate",
        preview_template,
        _TAG,
        "The sign-in email as it will arrive, for a sample participant.",
        {200: Answer("The subject, HTML and text parts, and warnings.", TemplatePreview)},
        description="Built exactly as the worker builds it (values, escaping, QR code), with a "
        "sample token and code that sign nobody in. An invalid template is a 400 naming the "
        "field, as when it is saved.",
        access=Access.ADMIN,
        body=PreviewRequest,
        entity="Template",
        body_description="The template to preview; {} previews the saved one.",
        body_example={},
        failures={404: NO_STUDY},
        parameters=(STUDY_ID,),
    ),
    Operation(
        "POST",
        f"{_PATH}/test",
        "sendEmailSignInTemplateTest",
        send_test_email,
        _TAG,
        "Send a test of the sign-in email to an address.",
        {202: Answer("Queued; it goes through the outbox like any email.", StatusMessage)},
        description=f"The subject starts with [Test], a header marks it, and its link and code "
        f"sign nobody in. A study may send {TEST_EMAILS_PER_MINUTE} a minute (429 beyond).",
        access=Access.ADMIN,
        body=TestEmailRequest,
        entity="Template",
        body_description="The address, and the template if not the saved one.",
        body_example={"email": "researcher@example.org"},
        failures={
            404: NO_STUDY,
            429: Failure(
                "The study sent its test emails of the minute.", ("RateLimitExceededException",)
            ),
        },
        parameters=(STUDY_ID,),
    ),
]
