"""A researcher trying a sign-in template before participants get it: a preview, a test email."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from service.api.schemas import Schema
from service.api.schemas.participants import Address
from service.api.schemas.rules import expecting
from service.api.schemas.studies import LanguageTag
from service.api.schemas.templates import TEMPLATE_OBJECT, EmailTemplate
from service.email.preview import Preview

_TEMPLATE = Field(
    description="The template to try, validated as a study's emailSignInTemplate; left out or "
    "null: the study's saved one (or the service's default)."
)

_LANGUAGE = Field(
    description="Try the email a participant of this language gets: the study's template for "
    "it (or, as for participants, the one its language falls back to), its built-in values "
    "(${emailSignInExpirationPeriod}) worded in it. Left out or null: the defaultLanguage."
)


class PreviewRequest(Schema):
    """What to preview."""

    model_config = ConfigDict(title="preview")

    template: Annotated[Annotated[EmailTemplate, expecting(TEMPLATE_OBJECT)] | None, _TEMPLATE] = (
        None
    )
    language: Annotated[LanguageTag | None, _LANGUAGE] = None


class TestEmailRequest(Schema):
    """Where to send a test email, and of which template."""

    model_config = ConfigDict(title="test email")
    __test__ = False  # not a pytest test class, whatever its name

    email: Address
    template: Annotated[Annotated[EmailTemplate, expecting(TEMPLATE_OBJECT)] | None, _TEMPLATE] = (
        None
    )
    language: Annotated[LanguageTag | None, _LANGUAGE] = None


class TemplatePreview(Schema):
    """The email as a participant would get it, for a sample participant
    (participant@example.org) with a sample token and code that sign nobody in."""

    subject: Annotated[str, Field(description="The subject, values filled in.")]
    language: Annotated[str, Field(description="The language of the email shown.")]
    html: Annotated[
        str | None,
        Field(
            description="The HTML part (null for a text/plain template), the QR code inlined "
            "as a data: image. Show it in a sandboxed frame: it is the researcher's markup."
        ),
    ]
    text: Annotated[str, Field(description="The plain-text part.")]
    warnings: Annotated[
        list[str],
        Field(description="What may surprise a participant: empty values, no link. Not errors."),
    ]

    @classmethod
    def of(cls, preview: Preview) -> TemplatePreview:
        return cls.model_construct(
            subject=preview.subject,
            language=preview.language,
            html=preview.html,
            text=preview.text,
            warnings=preview.warnings,
        )
