"""Getting a study's app onto phones: onboarding emails and the study's provisioning link."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from service.api.schemas import HERE, LenientSchema, Schema, problems
from service.api.schemas.auth import EXAMPLE_EMAIL
from service.api.schemas.participants import Address
from service.provisioning import onboarding

MAX_PARTICIPANTS_PER_REQUEST = 1000

ONBOARDING_EXAMPLE = {"participants": [{"email": EXAMPLE_EMAIL}]}


class OnboardingEntry(LenientSchema):
    """One participant to onboard; other fields (a name, say) are ignored."""

    email: Address


class OnboardingRequest(Schema):
    participants: Annotated[
        list[OnboardingEntry],
        Field(min_length=1, max_length=MAX_PARTICIPANTS_PER_REQUEST),
    ]
    force: Annotated[bool, Field(description="Send again to participants who had their email.")] = (
        False
    )

    @field_validator("participants", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise problems(f'{HERE} is required: a list like [{{"email": "name@example.org"}}]')
        if len(value) > MAX_PARTICIPANTS_PER_REQUEST:
            raise problems(
                f"{HERE} must hold at most {MAX_PARTICIPANTS_PER_REQUEST} entries; send larger "
                "lists in parts (or use 'magiclink onboard')"
            )
        return value

    @field_validator("force", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        if not isinstance(value, bool):  # null too: the field is optional, not nullable
            raise problems(f"{HERE} must be true or false")
        return value

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(entry.email for entry in self.participants)


class OnboardingResult(Schema):
    queued: Annotated[int, Field(ge=0)]
    skipped: Annotated[int, Field(ge=0)]
    created: Annotated[int, Field(ge=0)]
    warning: Annotated[
        str | None,
        Field(
            description="Set when the emails cannot get the app onto phones by themselves: the "
            "study lacks an install link (`installLinks`), so the store buttons lead to the "
            "provisioning page. The emails are queued all the same."
        ),
    ] = None
    type: Literal["OnboardingResult"] = "OnboardingResult"

    @classmethod
    def of(
        cls, result: onboarding.OnboardingResult, warning: str | None = None
    ) -> OnboardingResult:
        return cls(
            queued=result.queued, skipped=result.skipped, created=result.created, warning=warning
        )


_URL: dict[str, Any] = {"format": "uri"}


class ProvisioningExports(Schema):
    """The study's managed app configuration files for MDM consoles (admin key needed)."""

    appconfig: Annotated[str, Field(description="The AppConfig specfile.", json_schema_extra=_URL)]
    managed_config: Annotated[
        str, Field(description="The managed configuration plist.", json_schema_extra=_URL)
    ]
    app_restrictions: Annotated[
        str, Field(description="Android's app_restrictions.xml.", json_schema_extra=_URL)
    ]


class StudyProvisioning(Schema):
    link: Annotated[
        str,
        Field(
            description="`{base}/p/{studyId}`: the study's provisioning link.",
            json_schema_extra=_URL,
        ),
    ]
    qr_code_svg: Annotated[str, Field(description="The link's QR code, an <svg> element.")]
    exports: ProvisioningExports
    type: Literal["StudyProvisioning"] = "StudyProvisioning"


class SametimeProvisioning(Schema):
    """An HCL Sametime provisioning link, and the proxy's side of it."""

    link: Annotated[str, Field(description="The `hclsametime://` provisioning link.")]
    stproxyconfig: Annotated[
        str,
        Field(
            description="The `<mobile><configUrl>` element for the proxy's `stproxyconfig.xml`: "
            "the link with every `&` written `%26` and every space `%20`."
        ),
    ]
    reminder: Annotated[str, Field(description="Where the element goes.")]
    type: Literal["SametimeProvisioning"] = "SametimeProvisioning"
