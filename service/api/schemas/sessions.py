"""The session a sign-in answers with (Bridge's UserSessionInfo).

The body itself is written by hand on the hot path (``service/auth/session_info.py``); this
model documents it, and the tests check each written body against it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from service.accounts.participant import SHARING_SCOPES, STATUSES
from service.api.schemas import Schema

PARTICIPANT_ID_PATTERN = "^[A-Za-z0-9_-]+$"  # secrets.token_urlsafe() values
SharingScope = Literal[SHARING_SCOPES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]


class ConsentStatus(Schema):
    """The participant's consent in one consent group (Bridge ConsentStatus). A study has one:
    Bridge's default subpopulation, whose guid is the study id."""

    name: str
    subpopulation_guid: str
    required: bool
    consented: bool
    signed_most_recent_consent: bool
    signed_on: Annotated[
        str | None,
        Field(
            description="When the consent was signed, UTC with milliseconds; absent when not "
            "consented.",
            json_schema_extra={"type": "string", "format": "date-time"},
        ),
    ] = Field(default=None, exclude_if=lambda value: value is None)
    type: Literal["ConsentStatus"]


class UserSessionInfo(Schema):
    """A session (Bridge UserSessionInfo). Send `sessionToken` in the Bridge-Session header."""

    type: Literal["UserSessionInfo"]
    authenticated: Literal[True]
    session_token: Annotated[str, Field(min_length=1)]
    id: Annotated[str, Field(pattern=PARTICIPANT_ID_PATTERN)]
    email: str
    username: Annotated[str, Field(description="The address again, as Bridge writes it.")]
    consented: bool
    signed_most_recent_consent: bool
    consent_statuses: Annotated[
        dict[str, ConsentStatus],
        Field(
            description="By consent group guid: one entry, the study's (its guid is the study id)."
        ),
    ]
    status: Status
    created_on: Annotated[
        str,
        Field(
            description="UTC with milliseconds, e.g. 2020-08-28T14:28:13.386Z.",
            json_schema_extra={"format": "date-time"},
        ),
    ]
    email_verified: bool
    roles: list[str]
    data_groups: list[str]
    study_ids: list[str]
    attributes: dict[str, str]
    external_ids: dict[str, str]
    languages: Annotated[
        list[str],
        Field(
            description="From Accept-Language at the participant's first sign-up or sign-in, "
            "most wanted first."
        ),
    ]
    data_sharing: bool
    sharing_scope: SharingScope
    notify_by_email: bool
    environment: Annotated[
        Literal["local", "develop", "staging", "production"],
        Field(description="MAGICLINK_ENVIRONMENT (default production)."),
    ]
    reauth_token: Annotated[
        str | None,
        Field(
            min_length=1,
            description="Only at sign-in, when the study has reauthentication on.",
            json_schema_extra={"type": "string"},
        ),
    ] = Field(default=None, exclude_if=lambda value: value is None)
