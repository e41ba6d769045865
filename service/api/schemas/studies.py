"""The researcher API's study bodies: a new study, a replacement, a merge patch, and the study
it answers.

A request field that is null takes its default, as one left out does. The read-only fields a
study answers with (``type``, ``createdOn``, ``modifiedOn``) may be sent back and are ignored;
so is ``version`` in a new study. A replacement or patch names in ``version`` the version it
started from. Any other unknown field is a 400 that names it (and the field it resembles).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from service.accounts.email_address import MAX_LENGTH, MAX_LOCAL_LENGTH
from service.api.schemas import HERE, Schema
from service.api.schemas.app_links import (
    INSTALL_LINKS_OBJECT,
    AndroidAppLink,
    AndroidAppLinks,
    AppleAppLink,
    AppleAppLinks,
    InstallLinks,
    UrlScheme,
)
from service.api.schemas.auth import EMAIL_PATTERN
from service.api.schemas.rules import also, expecting, judged
from service.api.schemas.templates import (
    TEMPLATE_OBJECT,
    EmailTemplate,
    OnboardingTemplate,
    StoredTemplate,
    TemplateInput,
)
from service.api.schemas.text import SINGLE_LINE, SINGLE_LINE_NOT_BLANK
from service.deeplinks.association import MAX_AASA_BYTES
from service.errors import Invalid
from service.i18n import tags
from service.studies import languages, model, templates
from service.studies.app_links import (
    ANDROID_NAMESPACE,
    EXAMPLE_APP_ID,
    EXAMPLE_FINGERPRINT,
    EXAMPLE_PACKAGE,
)
from service.studies.model import (
    MAX_LOCALIZED_TEMPLATES,
    MAX_NAME_LENGTH,
    MAX_REQUEST_INTERVAL_SECONDS,
    MAX_SHORT_NAME_LENGTH,
    MAX_TOKEN_TTL_SECONDS,
)

EXAMPLE_STUDY_ID = "sleep-study"
IDENTIFIER_PATTERN = f"^{model.IDENTIFIER.pattern}$"
# JSON Schema counts 60.0 as an integer; the service wants the number written without a fraction.
_WHOLE = "A whole number (60; 60.0 is taken as 60, 60.5 is refused)."
_DEFAULTS = model.Study(identifier=EXAMPLE_STUDY_ID, name="")
# What the service sets: a study sent back as it was answered is accepted, these ignored.
READ_ONLY = frozenset({"type", "createdOn", "modifiedOn"})
_VERSION_DESCRIPTION = (
    "The version of the study this change started from (as GET answers it, also as the ETag "
    "header). Required here or as If-Match: when the study has changed since, the answer is "
    "409 ConcurrentModificationException and nothing changes."
)


def _version_required(schema: dict[str, Any]) -> None:
    # Documented as required and not null: a change without it is refused (400), unless
    # If-Match carries the version instead, which a JSON Schema of the body cannot say.
    schema["required"] = sorted({*schema.get("required", []), "version"})
    version = schema["properties"]["version"]
    branches = [branch for branch in version.pop("anyOf", []) if branch.get("type") != "null"]
    for branch in branches:
        version.update(branch)
    version.pop("default", None)  # a required field has no default


EXAMPLE_STUDY: dict[str, Any] = {
    "identifier": EXAMPLE_STUDY_ID,
    "name": "Sleep Study",
    "shortName": "Sleep",
    "emailSignInEnabled": True,
    "emailSignInTokenTtlSeconds": 3600,
    "emailSignInRequestIntervalSeconds": 60,
    "appleAppLinks": [
        {"appID": EXAMPLE_APP_ID, "paths": [f"/s/{EXAMPLE_STUDY_ID}", f"/s/{EXAMPLE_STUDY_ID}/*"]}
    ],
    "androidAppLinks": [
        {
            "namespace": ANDROID_NAMESPACE,
            "package_name": EXAMPLE_PACKAGE,
            "sha256_cert_fingerprints": [EXAMPLE_FINGERPRINT],
        }
    ],
    "installLinks": {
        "ios": "https://apps.apple.com/app/id123456789",
        "android": f"https://play.google.com/store/apps/details?id={EXAMPLE_PACKAGE}",
    },
    "appUrlScheme": "sleepstudy",
}


def _text(max_length: int, *, required: bool) -> Any:
    return judged(
        lambda value, path: model.text_problems(
            value, path, required=required, max_length=max_length
        ),
        typed=True,
    )


_TRIMMED = AfterValidator(str.strip)


def _seconds(low: int, high: int) -> Any:
    return judged(lambda value, path: model.seconds_problem(value, path, low, high), typed=True)


_WHOLE_SECONDS = expecting(f"{HERE} must be a whole number of seconds")


def _whole(value: Any) -> Any:
    # JSON does not tell 60.0 from 60 (JSON Schema counts both as integers, and Bridge's Java
    # server takes both); 60.5 stays a float, for the type check to refuse.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_AS_WHOLE = BeforeValidator(_whole)

StartedFrom = Annotated[
    int,
    Field(ge=1, description=_VERSION_DESCRIPTION, json_schema_extra={"examples": [1]}),
    _AS_WHOLE,  # 3.0 is 3, as for every whole number here
]

Identifier = Annotated[
    str,
    judged(model.identifier_problems, typed=True),
    _TRIMMED,
    Field(
        description="2 to 60 characters of a-z, 0-9 and -.",
        examples=[EXAMPLE_STUDY_ID],
        json_schema_extra={"pattern": IDENTIFIER_PATTERN},
    ),
]
Name = Annotated[
    str,
    _text(MAX_NAME_LENGTH, required=True),
    _TRIMMED,
    Field(
        json_schema_extra={
            "minLength": 1,
            "maxLength": MAX_NAME_LENGTH,
            "pattern": SINGLE_LINE_NOT_BLANK,
        }
    ),
]

ShortName = Annotated[
    str,
    _text(MAX_SHORT_NAME_LENGTH, required=False),
    _TRIMMED,
    Field(json_schema_extra={"maxLength": MAX_SHORT_NAME_LENGTH, "pattern": SINGLE_LINE}),
]
SponsorName = Annotated[
    str,
    _text(MAX_NAME_LENGTH, required=False),
    _TRIMMED,
    Field(json_schema_extra={"maxLength": MAX_NAME_LENGTH, "pattern": SINGLE_LINE}),
]
_EMAIL_SCHEMA = {
    "type": "string",
    "maxLength": MAX_LENGTH,
    "pattern": EMAIL_PATTERN,
    "description": (
        f"An email address, at most {MAX_LENGTH} characters with at most "
        f"{MAX_LOCAL_LENGTH} before the @: a plain address in ASCII, without '?' or RFC 2047 "
        "encoded words. Surrounding white space is trimmed; accounts are looked up "
        "case-insensitively."
    ),
    "examples": ["help@example.org"],
}
SupportEmail = Annotated[
    str,
    judged(model.support_email_problems, typed=True),
    _TRIMMED,
    WithJsonSchema({"anyOf": [{"const": ""}, _EMAIL_SCHEMA]}),
]

LanguageTag = Annotated[
    str,
    judged(languages.language_problem),
    AfterValidator(lambda tag: tags.canonical(tag) or tag),
    Field(
        description="A BCP 47 language tag: a language, optionally with a script and a region "
        "(en, de, de-CH, zh-Hant, es-419). Written back in the registry's case.",
        examples=["de"],
        json_schema_extra={"pattern": f"^{tags.PATTERN}$", "maxLength": tags.MAX_TAG_LENGTH},
    ),
]
_LOCALIZED_DOCUMENTED: dict[str, Any] = {
    "maxProperties": MAX_LOCALIZED_TEMPLATES,
    "propertyNames": {"pattern": f"^{tags.PATTERN}$", "maxLength": tags.MAX_TAG_LENGTH},
}
_BY_LANGUAGE = (
    also(lambda value: languages.localized_key_problems(value, HERE)),
    expecting(f'{HERE} must be an object of templates by language, such as {{"de": …}}'),
)
LocalizedSignInTemplates = Annotated[
    dict[str, Annotated[EmailTemplate, expecting(TEMPLATE_OBJECT)]], *_BY_LANGUAGE
]
LocalizedOnboardingTemplates = Annotated[
    dict[str, Annotated[OnboardingTemplate, expecting(TEMPLATE_OBJECT)]], *_BY_LANGUAGE
]


def _localized(email: str, default_field: str) -> Any:
    return Field(
        description=f"The {email} in other languages, by language tag (de, es-MX; at most "
        f"{MAX_LOCALIZED_TEMPLATES}), each validated as {default_field} is. A participant "
        "gets the first of their languages (the participant's stored languages, then "
        "those of the request, then defaultLanguage) that has a template; de-CH falls "
        "back to de. In a merge patch, a language set to null is removed.",
        json_schema_extra=_LOCALIZED_DOCUMENTED,
    )


class _StudyFields(Schema):
    """What a researcher writes of a study."""

    # Names the model in messages: "colour is not a study field; ..."
    model_config = ConfigDict(title="study")

    identifier: Annotated[
        str | None,
        Field(
            description="The study's identifier, as the URL names it.",
            json_schema_extra={"pattern": IDENTIFIER_PATTERN},
        ),
    ] = None
    name: Name
    short_name: ShortName | None = None
    sponsor_name: SponsorName | None = None
    support_email: SupportEmail | None = None
    email_sign_in_enabled: bool | None = _DEFAULTS.email_sign_in_enabled
    email_sign_in_template: Annotated[
        Annotated[EmailTemplate, expecting(TEMPLATE_OBJECT)] | None,
        Field(description="Left out or null: the service's default email."),
    ] = None
    onboarding_template: Annotated[
        Annotated[OnboardingTemplate, expecting(TEMPLATE_OBJECT)] | None,
        Field(description="The onboarding email; left out or null: the service's default."),
    ] = None
    default_language: Annotated[
        LanguageTag | None,
        Field(
            description="The language of emailSignInTemplate and onboardingTemplate, and the "
            "one participants get when none of theirs has a template. Left out or null: en."
        ),
    ] = _DEFAULTS.default_language
    localized_email_sign_in_templates: Annotated[
        LocalizedSignInTemplates | None, _localized("sign-in email", "emailSignInTemplate")
    ] = None
    localized_onboarding_templates: Annotated[
        LocalizedOnboardingTemplates | None,
        _localized("onboarding email", "onboardingTemplate"),
    ] = None
    email_sign_in_token_ttl_seconds: Annotated[
        Annotated[
            int,
            _seconds(1, MAX_TOKEN_TTL_SECONDS),
            _WHOLE_SECONDS,
            _AS_WHOLE,
            Field(json_schema_extra={"minimum": 1, "maximum": MAX_TOKEN_TTL_SECONDS}),
        ]
        | None,
        Field(description=f"How long a sign-in token works, in seconds. {_WHOLE}"),
    ] = _DEFAULTS.email_sign_in_token_ttl_seconds
    email_sign_in_request_interval_seconds: Annotated[
        Annotated[
            int,
            _seconds(0, MAX_REQUEST_INTERVAL_SECONDS),
            _WHOLE_SECONDS,
            _AS_WHOLE,
            Field(json_schema_extra={"minimum": 0, "maximum": MAX_REQUEST_INTERVAL_SECONDS}),
        ]
        | None,
        Field(
            description="How long an address waits before another sign-in email, in "
            f"seconds. {_WHOLE}"
        ),
    ] = _DEFAULTS.email_sign_in_request_interval_seconds
    reauthentication_enabled: bool | None = _DEFAULTS.reauthentication_enabled
    email_verification_enabled: Annotated[
        bool | None,
        Field(
            description="On (default): a password signs in only once the address is proven by "
            "an emailed link or code; until then the right password answers 403. Off: a "
            "password chosen at sign-up signs in at once (the app creates the account itself "
            "at first install), and whoever signs up first with an address keeps its password."
        ),
    ] = _DEFAULTS.email_verification_enabled
    apple_app_links: Annotated[
        AppleAppLinks | None,
        Field(
            description="The iOS apps that open the study's sign-in links (published in "
            "/.well-known/apple-app-site-association). Refused (400) when the file would grow "
            f"past Apple's {MAX_AASA_BYTES // 1024} KB limit."
        ),
    ] = None
    android_app_links: Annotated[
        AndroidAppLinks | None,
        Field(
            description="The Android apps that open the study's sign-in links (published in "
            "/.well-known/assetlinks.json)."
        ),
    ] = None
    install_links: Annotated[InstallLinks, expecting(INSTALL_LINKS_OBJECT)] | None = None
    app_url_scheme: UrlScheme | None = None

    # The fields this body takes and ignores (what the service sets).
    IGNORED: ClassVar[frozenset[str]] = READ_ONLY

    @model_validator(mode="before")
    @classmethod
    def _without_read_only_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and not cls.IGNORED.isdisjoint(data):
            return {name: value for name, value in data.items() if name not in cls.IGNORED}
        return data

    def _study(self, identifier: str) -> model.Study:
        defaults = _DEFAULTS

        def given(value: Any, default: Any) -> Any:  # null or left out: the default
            return default if value is None else value

        default_language = given(self.default_language, defaults.default_language)
        sign_in_templates = _templates_in(
            self.localized_email_sign_in_templates,
            default_language,
            "localizedEmailSignInTemplates",
            "emailSignInTemplate",
        )
        onboarding_templates = _templates_in(
            self.localized_onboarding_templates,
            default_language,
            "localizedOnboardingTemplates",
            "onboardingTemplate",
        )

        return model.Study(
            identifier=identifier,
            name=self.name,
            short_name=self.short_name or "",
            sponsor_name=self.sponsor_name or "",
            support_email=self.support_email or "",
            email_sign_in_enabled=given(self.email_sign_in_enabled, defaults.email_sign_in_enabled),
            email_sign_in_template=(
                self.email_sign_in_template.value() if self.email_sign_in_template else None
            ),
            onboarding_template=(
                self.onboarding_template.value() if self.onboarding_template else None
            ),
            default_language=default_language,
            localized_email_sign_in_templates=sign_in_templates,
            localized_onboarding_templates=onboarding_templates,
            email_sign_in_token_ttl_seconds=given(
                self.email_sign_in_token_ttl_seconds, defaults.email_sign_in_token_ttl_seconds
            ),
            email_sign_in_request_interval_seconds=given(
                self.email_sign_in_request_interval_seconds,
                defaults.email_sign_in_request_interval_seconds,
            ),
            reauthentication_enabled=given(
                self.reauthentication_enabled, defaults.reauthentication_enabled
            ),
            email_verification_enabled=given(
                self.email_verification_enabled, defaults.email_verification_enabled
            ),
            apple_app_links=tuple(link.value() for link in self.apple_app_links or ()),
            android_app_links=tuple(link.value() for link in self.android_app_links or ()),
            install_links=(
                self.install_links.value() if self.install_links else defaults.install_links
            ),
            app_url_scheme=self.app_url_scheme,
        )


def _templates_in(
    given: Mapping[str, TemplateInput] | None, default_language: str, path: str, default_field: str
) -> dict[str, templates.EmailTemplate]:
    """The localized templates by canonical tag; Invalid when one is in the default language."""
    by_language = languages.canonical_keys(given or {})
    clash = languages.default_language_clash(default_language, by_language, path, default_field)
    if clash:
        raise Invalid("Study", {f"{path}.{default_language}": [clash]})
    return {language: template.value() for language, template in by_language.items()}


class StudyInput(_StudyFields):
    """A new study as a researcher writes it. Read-only fields (type, createdOn, modifiedOn,
    version) are ignored; any other unknown field is a 400 naming it."""

    IGNORED: ClassVar[frozenset[str]] = READ_ONLY | {"version"}  # a new study is version 1
    identifier: Identifier  # required here

    def value(self) -> model.Study:
        assert self.identifier is not None
        return self._study(self.identifier)


class StudyUpdate(_StudyFields):
    """The whole study, replacing the stored one: fields left out take their defaults. The
    identifier is the URL's (clients may send it back unchanged; a different one is a 400)."""

    # Read-only here: the URL names the study; a body may only repeat it.
    identifier: Annotated[
        str | None,
        Field(
            description="The study's identifier: the URL's. Leave it out, or send the same "
            "value (as a study read from the API has it); another one is a 400.",
            json_schema_extra={"pattern": IDENTIFIER_PATTERN, "readOnly": True},
        ),
    ] = None
    version: StartedFrom | None = None
    model_config = ConfigDict(json_schema_extra=_version_required)

    def value(self, identifier: str) -> model.Study:
        """The study named ``identifier`` (the URL's); Invalid when the body names another."""
        problem = model.changed_identifier_problem(self.identifier, identifier, "identifier")
        if problem:
            raise Invalid("Study", {"identifier": [problem]})
        return self._study(identifier)


def _patch_documented(schema: dict[str, Any]) -> None:
    _version_required(schema)
    # Its members are a study's fields (what they hold is checked once merged: a merge patch
    # may name part of an object, so no member's own schema applies to the patch).
    names = [field.alias or name for name, field in StudyUpdate.model_fields.items()]
    schema["propertyNames"] = {"enum": sorted({*names, *READ_ONLY})}


class StudyPatch(Schema):
    """A JSON merge patch (RFC 7396) of the study: the fields it names change, the others stay;
    a field set to null takes its default; objects (installLinks) merge member by member. The
    patched study must be a valid study, and errors name the field as in a replacement."""

    model_config = ConfigDict(
        title="study patch", extra="allow", json_schema_extra=_patch_documented
    )

    version: StartedFrom | None = None

    def changes(self) -> dict[str, Any]:
        """The patch's members other than ``version``, as sent."""
        return dict(self.model_extra or {})


# --- answers -------------------------------------------------------------------------------

DateTime = Annotated[
    str,
    Field(
        description="UTC with milliseconds, e.g. 2020-08-28T14:28:13.386Z.",
        json_schema_extra={"format": "date-time"},
    ),
]


def _install_links_given(schema: dict[str, Any]) -> None:
    # An answer always names both install links (null when there is none).
    schema["properties"]["installLinks"]["required"] = ["ios", "android"]


class Study(Schema):
    """A study as it is stored: every field, defaults filled in."""

    model_config = ConfigDict(json_schema_extra=_install_links_given)

    identifier: Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
    name: str
    short_name: str
    sponsor_name: str
    support_email: str
    email_sign_in_enabled: bool
    email_sign_in_template: StoredTemplate | None
    onboarding_template: StoredTemplate | None
    default_language: str
    localized_email_sign_in_templates: dict[str, StoredTemplate]
    localized_onboarding_templates: dict[str, StoredTemplate]
    email_sign_in_token_ttl_seconds: Annotated[int, Field(ge=1, le=MAX_TOKEN_TTL_SECONDS)]
    email_sign_in_request_interval_seconds: Annotated[
        int, Field(ge=0, le=MAX_REQUEST_INTERVAL_SECONDS)
    ]
    reauthentication_enabled: bool
    email_verification_enabled: bool
    apple_app_links: list[AppleAppLink]
    android_app_links: list[AndroidAppLink]
    install_links: InstallLinks
    app_url_scheme: str | None
    created_on: DateTime
    modified_on: DateTime
    version: Annotated[
        int,
        Field(ge=1, description="1 when created, one more with every change (also the ETag)."),
    ]
    type: Literal["Study"] = "Study"

    @classmethod
    def of(cls, study: model.Study) -> Study:
        return cls.model_construct(
            identifier=study.identifier,
            name=study.name,
            short_name=study.short_name,
            sponsor_name=study.sponsor_name,
            support_email=study.support_email,
            email_sign_in_enabled=study.email_sign_in_enabled,
            email_sign_in_template=StoredTemplate.of(study.email_sign_in_template),
            onboarding_template=StoredTemplate.of(study.onboarding_template),
            default_language=study.default_language,
            localized_email_sign_in_templates=_stored(study.localized_email_sign_in_templates),
            localized_onboarding_templates=_stored(study.localized_onboarding_templates),
            email_sign_in_token_ttl_seconds=study.email_sign_in_token_ttl_seconds,
            email_sign_in_request_interval_seconds=study.email_sign_in_request_interval_seconds,
            reauthentication_enabled=study.reauthentication_enabled,
            email_verification_enabled=study.email_verification_enabled,
            apple_app_links=[AppleAppLink.of(link) for link in study.apple_app_links],
            android_app_links=[AndroidAppLink.of(link) for link in study.android_app_links],
            install_links=InstallLinks.of(study.install_links),
            app_url_scheme=study.app_url_scheme,
            created_on=study.created_on,
            modified_on=study.modified_on,
            version=study.version,
        )


def _stored(by_language: Mapping[str, templates.EmailTemplate]) -> dict[str, StoredTemplate]:
    return {
        language: stored
        for language, template in by_language.items()
        if (stored := StoredTemplate.of(template)) is not None
    }


def editable(study: model.Study) -> dict[str, Any]:
    """The study as a replacement would write it: its answer without what the service sets
    (a merge patch applies to this, and the console's forms start from it)."""
    answered = Study.of(study).model_dump(mode="json", by_alias=True)
    return {name: value for name, value in answered.items() if name not in READ_ONLY}


class StudyList(Schema):
    items: list[Study]
    total: Annotated[int, Field(ge=0)]
    type: Literal["ResourceList"] = "ResourceList"

    @classmethod
    def of(cls, studies: list[model.Study]) -> StudyList:
        return cls.model_construct(items=[Study.of(study) for study in studies], total=len(studies))
