"""Bodies every part of the API answers with: errors, status messages, sessions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from service.api.schemas import Schema

_ERROR_EXAMPLE: dict[str, Any] = {
    "statusCode": 400,
    "message": "EmailSignInRequest is invalid: email is required",
    "type": "InvalidEntityException",
    "errors": {"email": ["email is required"]},
}


class BridgeError(Schema):
    """Every error answer, in the Bridge shape."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [_ERROR_EXAMPLE]},
        json_schema_serialization_defaults_required=False,  # entityClass, errors: when known
    )

    status_code: Annotated[int, Field(ge=400, le=599)]
    message: Annotated[str, Field(min_length=1)]
    # The enum of every type is written in by the document (service/api/errors.py knows them).
    type: str
    entity_class: Annotated[
        str | None, Field(description="What was not found: Study, Account, StudyParticipant.")
    ] = None
    errors: Annotated[
        dict[str, list[str]] | None,
        Field(description="Field path -> what is wrong with it and how to fix it."),
    ] = None
    entity_keys: Annotated[
        dict[str, str] | None,
        Field(description="What already exists, by its keys (EntityAlreadyExistsException)."),
    ] = None
    current_version: Annotated[
        int | None,
        Field(
            ge=1,
            description="The version the entity is at now (ConcurrentModificationException).",
        ),
    ] = None


class EntityAlreadyExists(BridgeError):
    """A 409 that names the entity that exists already, as Bridge's EntityAlreadyExistsException
    does: for a participant, ``entityKeys`` is ``{"userId": "<its id>"}``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "statusCode": 409,
                    "entityClass": "StudyParticipant",
                    "entityKeys": {"userId": "X2kq4sL0dQe9nZr1vB7yTg3w"},
                    "message": "A participant with this email address already exists in the "
                    "study (id X2kq4sL0dQe9nZr1vB7yTg3w); edit it with PATCH "
                    "/v3/studies/sleep-study/participants/X2kq4sL0dQe9nZr1vB7yTg3w",
                    "type": "EntityAlreadyExistsException",
                }
            ]
        }
    )

    entity_class: Annotated[str, Field(description="What exists already: StudyParticipant.")]
    entity_keys: Annotated[
        dict[str, str], Field(description="The existing entity's keys: `userId`, its id.")
    ]


class StatusMessage(Schema):
    message: Annotated[str, Field(min_length=1)]
    type: Literal["StatusMessage"] = "StatusMessage"
