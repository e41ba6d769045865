"""Participants: a researcher's create and change, the record they and apps read, consent."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from service.accounts.edits import ParticipantEdit
from service.accounts.listing import MAX_PAGE_SIZE, MIN_PAGE_SIZE, ParticipantPage
from service.accounts.participant import STATUSES, Participant
from service.api.schemas import HERE, LenientSchema, Schema, checked, problems
from service.api.schemas.auth import EXAMPLE_EMAIL, Email
from service.api.schemas.sessions import PARTICIPANT_ID_PATTERN, SharingScope, Status
from service.api.schemas.studies import LanguageTag
from service.api.schemas.text import NOT_BLANK
from service.auth import passwords

MAX_CONSENT_NAME_LENGTH = 255
MAX_WITHDRAWAL_REASON_LENGTH = 2000
# Fields of our own answers (StudyParticipant) that a client may send back unchanged.
READ_ONLY = frozenset(
    {"id", "type", "createdOn", "studyIds", "roles", "dataGroups", "sharingScope"}
)
# A participant's languages, best first (Bridge keeps up to this many from Accept-Language).
MAX_LANGUAGES = 10

# An address as written, without the white space around it (lookups case-fold it too).
Address = Annotated[Email, AfterValidator(str.strip)]


def _password(value: Any, path: str) -> str | None:
    return passwords.password_problem(value)


def _consent_name(value: str, path: str) -> str | None:
    if not value.strip():
        return f"{path} is required"
    if len(value) > MAX_CONSENT_NAME_LENGTH:
        return f"{path} must be at most {MAX_CONSENT_NAME_LENGTH} characters"
    return None


# The rule lives on the string, so that null (leave the password as it is) is not checked.
NewPassword = Annotated[str, checked(_password)]


class StudyParticipant(Schema):
    """A participant as apps and researchers see it; never the password or its hash."""

    id: Annotated[str, Field(pattern=PARTICIPANT_ID_PATTERN)]
    email: str
    status: Status
    consented: bool
    email_verified: bool
    created_on: Annotated[
        str,
        Field(
            description="UTC with milliseconds, e.g. 2020-08-28T14:28:13.386Z.",
            json_schema_extra={"format": "date-time"},
        ),
    ]
    study_ids: list[str]
    roles: list[str]
    data_groups: list[str]
    sharing_scope: Annotated[SharingScope, Field(description="Chosen with the consent signature.")]
    languages: Annotated[
        list[str],
        Field(
            description="Best first: from Accept-Language at the first sign-up or sign-in, or "
            "as a researcher set them. They choose the language of the participant's emails."
        ),
    ]
    type: Literal["StudyParticipant"] = "StudyParticipant"

    @classmethod
    def of(cls, participant: Participant) -> StudyParticipant:
        return cls(
            id=participant.id,
            email=participant.email,
            status=participant.status,
            consented=participant.consented,
            email_verified=participant.email_verified,
            created_on=participant.created_on,
            study_ids=[participant.study_id],
            roles=[],
            data_groups=[],
            sharing_scope=cast(SharingScope, participant.sharing_scope),
            languages=list(participant.languages),
        )


_UTC_MS = "UTC with milliseconds, e.g. 2020-08-28T14:28:13.386Z"


class ResearcherParticipant(StudyParticipant):
    """A participant as researchers see it: the StudyParticipant and its sign-in activity."""

    last_sign_in_on: Annotated[
        str | None,
        Field(
            description=f"The latest sign-in by link, code or password ({_UTC_MS}); null before "
            "the first. A reauthentication continues a sign-in and does not change it.",
            json_schema_extra={"format": "date-time"},
        ),
    ]
    sign_in_count: Annotated[
        int,
        Field(
            ge=0,
            description="Sign-ins by link, code or password; reauthentications are not counted.",
        ),
    ]
    onboarded_on: Annotated[
        str | None,
        Field(
            description=f"When the participant's onboarding email was queued for sending "
            f"({_UTC_MS}; the latest, when sent again); null if never.",
            json_schema_extra={"format": "date-time"},
        ),
    ]

    @classmethod
    def of(cls, participant: Participant) -> ResearcherParticipant:
        return cls(
            **StudyParticipant.of(participant).model_dump(),
            last_sign_in_on=participant.last_sign_in_on,
            sign_in_count=participant.sign_in_count,
            onboarded_on=participant.onboarded_on,
        )


class ParticipantSearch(Schema):
    """The search a page answers, as asked (Bridge's RequestParams)."""

    page_size: Annotated[int, Field(ge=MIN_PAGE_SIZE, le=MAX_PAGE_SIZE)]
    offset_key: str | None
    email_filter: str | None
    type: Literal["RequestParams"] = "RequestParams"


class ParticipantList(Schema):
    """One page of a study's participants (Bridge's PagedResourceList), by address then id."""

    items: list[ResearcherParticipant]
    total: Annotated[int, Field(ge=0, description="Participants that match the filter.")]
    next_page_offset_key: Annotated[
        str | None,
        Field(description="The `offsetKey` of the next page; null on the last page."),
    ]
    has_next: Annotated[bool, Field(description="Whether another page follows.")]
    request_params: ParticipantSearch
    type: Literal["PagedResourceList"] = "PagedResourceList"

    @classmethod
    def of(cls, page: ParticipantPage) -> ParticipantList:
        return cls(
            items=[ResearcherParticipant.of(participant) for participant in page.participants],
            total=page.total,
            next_page_offset_key=page.next_offset_key,
            has_next=page.next_offset_key is not None,
            request_params=ParticipantSearch(
                page_size=page.search.page_size,
                offset_key=page.search.offset_key,
                email_filter=page.search.email_filter,
            ),
        )


_NEW_PASSWORD = (
    f"A password of {passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} characters "
    "(stored as an argon2id hash)."
)


class ParticipantInput(Schema):
    """A researcher's create (email required) or change of a participant; fields left out stay
    as they are (or take their defaults). The read-only fields of a StudyParticipant may be sent
    back and are ignored; any other field is a 400."""

    # Names the model in messages: "phone is not a participant field; ..."
    model_config = ConfigDict(title="participant")

    email: Address | None = None
    password: Annotated[
        NewPassword | None,
        Field(
            description=_NEW_PASSWORD,
            json_schema_extra={
                "minLength": passwords.MIN_LENGTH,
                "maxLength": passwords.MAX_LENGTH,
            },
        ),
    ] = None
    consented: Annotated[bool | None, Field(description="Left out when creating: false.")] = None
    status: Annotated[Status | None, Field(description="Left out when creating: enabled.")] = None
    email_verified: Annotated[
        bool | None,
        Field(
            description="A changed address is unverified unless this says so. Left out when "
            "creating: false."
        ),
    ] = None

    languages: Annotated[
        list[LanguageTag] | None,
        Field(
            max_length=MAX_LANGUAGES,
            description="The participant's languages, best first (language tags such as de or "
            "es-MX): their emails come in the first one the study has a template for. Left "
            "out: as they are (when creating: none, until the first sign-in records the "
            "device's).",
        ),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _without_read_only_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and not READ_ONLY.isdisjoint(data):
            return {name: value for name, value in data.items() if name not in READ_ONLY}
        return data

    @field_validator("status", mode="before")
    @classmethod
    def _known_status(cls, value: Any) -> Any:
        if value is not None and not (isinstance(value, str) and value in STATUSES):
            raise problems(f"{HERE} must be {' or '.join(STATUSES)}")
        return value

    def value(self) -> ParticipantEdit:
        return ParticipantEdit(
            email=self.email,
            password=self.password,
            consented=self.consented,
            status=self.status,
            email_verified=self.email_verified,
            languages=None if self.languages is None else tuple(dict.fromkeys(self.languages)),
        )


class NewParticipant(ParticipantInput):
    """A participant to add: `email` is required."""

    email: Address


class ConsentSignature(LenientSchema):
    """A consent signature, with the participant's choice of how widely to share their data.
    Bridge's SDKs send more fields (`type`, `signedOn`...): they are ignored."""

    name: Annotated[
        str,
        checked(_consent_name),
        Field(
            description="The participant's name as signed.",
            json_schema_extra={
                "minLength": 1,
                "maxLength": MAX_CONSENT_NAME_LENGTH,
                "pattern": NOT_BLANK,
            },
        ),
    ]
    scope: Annotated[
        SharingScope,
        Field(
            description="How widely the participant shares their data; kept as their "
            "`sharingScope` (`dataSharing` is true unless `no_sharing`)."
        ),
    ]
    birthdate: Annotated[
        str | None,
        Field(
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="YYYY-MM-DD; accepted as Bridge's SDKs send it, not kept.",
        ),
    ] = None
    image_data: Annotated[
        str | None,
        Field(description="The signature as an image (base64); accepted, not kept."),
    ] = None
    image_mime_type: Annotated[
        str | None, Field(description="The image's type, e.g. image/png; accepted, not kept.")
    ] = None


class Withdrawal(LenientSchema):
    """Why the participant withdraws (optional, free text)."""

    reason: Annotated[
        str | None,
        Field(
            max_length=MAX_WITHDRAWAL_REASON_LENGTH,
            description="The participant's reason; accepted as Bridge's SDKs send it, not kept.",
        ),
    ] = None


PARTICIPANT_EXAMPLE = {"email": EXAMPLE_EMAIL, "consented": True, "emailVerified": True}
