"""A study's email templates: the sign-in email and the onboarding email.

The rules a subject and a body follow (variables, the token, one line) are the domain's
(``service/studies/templates.py``); these models give the template object its shape.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from service.api.schemas import HERE, Schema, problems
from service.api.schemas.rules import expecting, model_rules, read_only
from service.api.schemas.text import SINGLE_LINE_NOT_BLANK
from service.studies import templates
from service.studies.templates import ONBOARDING, SIGN_IN, TemplateKind

MimeType = Literal["text/plain", "text/html"]
assert set(MimeType.__args__) == set(templates.MIME_TYPES)  # type: ignore[attr-defined]

TEMPLATE_OBJECT = f"{HERE} must be an object with subject, body and mimeType"
_BLANK = f"{HERE} is required and cannot be blank"


def carries(variables: frozenset[str]) -> str:
    """A pattern matching a text that uses at least one of ``variables``."""
    return "\\$\\{(" + "|".join(sorted(variables)) + ")\\}"


def _listed(variables: frozenset[str]) -> str:
    return ", ".join(f"${{{name}}}" for name in sorted(variables))


def _documented(schema: dict[str, Any], cls: type[Any]) -> None:
    schema["description"] = cls.DESCRIPTION
    schema["properties"]["body"]["pattern"] = carries(cls.KIND.body_must_carry)
    # ${qrCode} is an image: only an HTML body can show it.
    schema["if"] = {"required": ["mimeType"], "properties": {"mimeType": {"const": "text/html"}}}
    schema["else"] = {
        "properties": {"body": {"not": {"pattern": carries(templates.HTML_ONLY_VARIABLES)}}}
    }


class TemplateInput(Schema):
    """A researcher's email template, of the kind ``KIND`` says."""

    model_config = ConfigDict(
        title="template",
        json_schema_extra=_documented,
        json_schema_serialization_defaults_required=False,
    )
    KIND: ClassVar[TemplateKind] = SIGN_IN
    DESCRIPTION: ClassVar[str] = ""

    subject: Annotated[
        str,
        Field(
            json_schema_extra={
                "minLength": 1,
                "maxLength": templates.MAX_SUBJECT_LENGTH,
                "pattern": SINGLE_LINE_NOT_BLANK,
            }
        ),
    ]
    # Before the body: what the body may use depends on it.
    mime_type: Annotated[
        MimeType, expecting(f"{HERE} must be text/plain or text/html", null_too=True)
    ] = "text/plain"
    body: Annotated[
        str,
        Field(json_schema_extra={"minLength": 1, "maxLength": templates.MAX_BODY_LENGTH}),
    ]
    # Bridge SDKs send the entity's name back; whatever it holds, it is ignored.
    type: Annotated[Any, Field(json_schema_extra=read_only(type="string"))] = None

    @field_validator("subject", mode="before")
    @classmethod
    def _subject(cls, value: Any) -> Any:
        found = templates.subject_problems(value, HERE, cls.KIND)
        if found:
            raise problems(*found)
        return value

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: Any, info: ValidationInfo) -> Any:
        mime_type = info.data.get("mime_type")  # absent when it was wrong
        found = templates.body_problems(value, HERE, cls.KIND, mime_type)
        if found:
            raise problems(*found)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _shape(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return model_rules(
            handler,
            data,
            required={"subject": _BLANK, "body": _BLANK},
            unknown=lambda name: f"{HERE} is not a template field; use subject, body and mimeType",
        )

    def value(self) -> templates.EmailTemplate:
        return templates.EmailTemplate(self.subject, self.body, self.mime_type)


class EmailTemplate(TemplateInput):
    """The sign-in email."""

    DESCRIPTION = (
        f"Variables: {_listed(templates.SIGN_IN_VARIABLES)}. The body must carry the token "
        f"(one of {_listed(templates.TOKEN_VARIABLES)}); the subject must not. An unknown "
        "variable is a 400 naming it. As in Bridge, ${email} is the address URL-encoded "
        "(a+tag@example.org is a%2Btag%40example.org, ready for a link the template builds) "
        "and ${participantEmail} the address as written; ${url} is Bridge's "
        "/mobile/{studyId}/startSession.html link, ${emailSignInUrl} and ${shortUrl} the "
        "/s/{studyId} one. In text/html templates the values are HTML-escaped."
    )


class OnboardingTemplate(TemplateInput):
    """The onboarding email."""

    KIND = ONBOARDING
    DESCRIPTION = (
        f"Variables: {_listed(ONBOARDING.known)}. The body must carry ${{provisioningUrl}} "
        "(or ${qrCode} in text/html)."
    )


class StoredTemplate(Schema):
    """A template as a study answers it."""

    subject: str
    body: str
    mime_type: MimeType

    @classmethod
    def of(cls, template: templates.EmailTemplate | None) -> StoredTemplate | None:
        if template is None:
            return None
        return cls.model_construct(
            subject=template.subject, body=template.body, mime_type=template.mime_type
        )
