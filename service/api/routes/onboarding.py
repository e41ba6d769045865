"""Researcher API: onboarding emails for a list of participants."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.context import services
from service.api.operations import Access, Answer, Operation
from service.api.routes.parameters import NO_STUDY, STUDY_ID
from service.api.schemas.provisioning import (
    ONBOARDING_EXAMPLE,
    OnboardingRequest,
    OnboardingResult,
)
from service.provisioning.install_links import install_links_warning


async def start_onboarding(request: Request, body: OnboardingRequest) -> Response:
    svc = services(request)
    result = await svc.onboarding.onboard(
        request.path_params["study_id"], body.addresses, body.force
    )
    study = await svc.studies.get(request.path_params["study_id"])  # after: 404 first there
    answer = OnboardingResult.of(result, install_links_warning(study))
    return JSONResponse(answer.model_dump(by_alias=True), status_code=202)


operations = [
    Operation(
        "POST",
        "/v3/studies/{study_id}/onboarding",
        "startOnboarding",
        start_onboarding,
        "Participants",
        "Email each listed participant how to set up the app (once each).",
        {
            202: Answer(
                "Queued; how many were queued, skipped and created, and a warning when the "
                "study has no install links.",
                OnboardingResult,
            )
        },
        description="Participants are created when missing. Each gets one email (the study's "
        "onboardingTemplate): the app's install links and the provisioning link with their "
        "address as login hint. Running the same list again sends nobody a second email unless "
        "force is true.",
        access=Access.ADMIN,
        # The longest list the model takes (a thousand addresses of 254 characters) fits.
        max_body_bytes=512 * 1024,
        body=OnboardingRequest,
        entity="Onboarding",
        body_description="Who to onboard.",
        body_example=ONBOARDING_EXAMPLE,
        parameters=(STUDY_ID,),
        failures={404: NO_STUDY},
    ),
]
