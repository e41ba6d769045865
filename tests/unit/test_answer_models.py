"""The answers built for participants, provisioning and the app association files match their
documented models (and so the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from service.accounts.participant import Participant
from service.api.document import openapi_document
from service.api.schemas.association import AppleAppSiteAssociation, AssetLinks
from service.api.schemas.participants import StudyParticipant
from service.api.schemas.provisioning import OnboardingResult
from service.deeplinks.association import apple_app_site_association, asset_links
from service.provisioning import onboarding
from service.studies.app_links import AndroidAppLink, AppleAppLink, AppleComponent
from service.studies.model import Study

DOCUMENT = openapi_document()
APP = "ABCDE12345.org.example.sleep"
PRINT = ":".join(f"{n:02x}" for n in range(32))  # lower case as written; published upper
STUDIES = [
    Study(
        identifier="sleep-study",
        name="Sleep",
        apple_app_links=(
            AppleAppLink(APP, paths=("/s/sleep-study", "NOT /s/sleep-study/x")),
            AppleAppLink(
                "ABCDE12345.org.example.other",
                components=(
                    AppleComponent(path="/s/sleep-study/*", comment="the link"),
                    AppleComponent(query=(("token", "?*"),), exclude=True),
                    AppleComponent(fragment="x"),
                ),
            ),
        ),
        android_app_links=(AndroidAppLink("org.example.sleep", (PRINT,)),),
    ),
    Study(identifier="other-study", name="Other"),
]


def _validate(name: str, body: Any) -> None:
    Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    ).validate(body)


def test_the_association_files_match_their_models() -> None:
    apple = apple_app_site_association(STUDIES)
    AppleAppSiteAssociation.model_validate(apple)
    _validate("AppleAppSiteAssociation", apple)
    android = asset_links(STUDIES)
    AssetLinks.model_validate(android)
    _validate("AssetLinks", android)


def test_participant_answers_are_study_participants() -> None:
    participant = Participant.new("sleep-study", "Ada@Example.org", consented=True)
    body = StudyParticipant.of(participant).model_dump(by_alias=True)
    assert body == {
        "id": participant.id,
        "email": "Ada@Example.org",
        "status": "enabled",
        "consented": True,
        "emailVerified": False,
        "createdOn": participant.created_on,
        "studyIds": ["sleep-study"],
        "roles": [],
        "dataGroups": [],
        "sharingScope": "no_sharing",
        "languages": [],
        "type": "StudyParticipant",
    }
    _validate("StudyParticipant", body)


def test_onboarding_results() -> None:
    result = onboarding.OnboardingResult(queued=2, skipped=1, created=1)
    body = OnboardingResult.of(result).model_dump(by_alias=True)
    assert body == {
        "queued": 2,
        "skipped": 1,
        "created": 1,
        "warning": None,
        "type": "OnboardingResult",
    }
    _validate("OnboardingResult", body)
