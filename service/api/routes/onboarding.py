"""Researcher API: onboarding emails for a list of participants."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.api.routes.admin_auth import require_admin
from service.api.routes.context import json_body, services
from service.provisioning.onboarding import OnboardingRequest, onboard


async def start_onboarding(request: Request) -> Response:
    await require_admin(request)
    payload = OnboardingRequest.parse(await json_body(request))
    result = await onboard(
        services(request), request.path_params["study_id"], payload.addresses, payload.force
    )
    return JSONResponse(result.to_json(), status_code=202)


routes = [
    Route("/v3/studies/{study_id}/onboarding", start_onboarding, methods=["POST"]),
]
