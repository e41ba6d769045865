"""Study bodies read the way the researcher API reads them: through their models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, create_model

from service.api.schemas import Schema
from service.api.schemas.rules import expecting
from service.api.schemas.studies import StudyInput, StudyUpdate
from service.api.schemas.templates import (
    TEMPLATE_OBJECT,
    EmailTemplate,
    OnboardingTemplate,
    TemplateInput,
)
from service.api.validation import validated
from service.errors import Invalid
from service.studies import templates
from service.studies.model import Study
from service.studies.templates import ONBOARDING, SIGN_IN, TemplateKind


def read_study(data: object, *, identifier: str | None = None) -> Study:
    """A new study (``POST /v3/studies``), or the replacement of study ``identifier`` (PUT)."""
    if identifier is None:
        return validated(StudyInput, data, "Study").value()
    return validated(StudyUpdate, data, "Study").value(identifier)


def _template_model(kind: TemplateKind) -> type[TemplateInput]:
    if kind is SIGN_IN:
        return EmailTemplate
    if kind is ONBOARDING:
        return OnboardingTemplate

    class Custom(TemplateInput):
        KIND = kind

    return Custom


def template_problems(
    value: object, prefix: str, kind: TemplateKind = SIGN_IN
) -> tuple[templates.EmailTemplate | None, dict[str, list[str]]]:
    """A template written at ``prefix`` of a body: the template, or its problems by path."""
    field: Any = Annotated[
        _template_model(kind), expecting(TEMPLATE_OBJECT, null_too=True), Field(alias=prefix)
    ]
    body = create_model("TemplateBody", __base__=Schema, template=(field, ...))
    try:
        template: TemplateInput = validated(body, {prefix: value}, "Study").template  # type: ignore[attr-defined]
    except Invalid as invalid:
        return None, invalid.errors
    return template.value(), {}
