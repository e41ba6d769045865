"""The study a researcher configures: its fields, the rules their values follow, its stored form.

The study API's models (``service/api/schemas/studies.py``) give a study body its structure; the
rules a single value must follow are here, each message naming the field's JSON path
(``emailSignInTemplate.subject``) and saying what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from service.accounts.email_address import MAX_LENGTH, address_problem
from service.i18n.catalogs import SOURCE_LANGUAGE
from service.studies.app_links import (
    ANDROID_NAMESPACE,
    AndroidAppLink,
    AppleAppLink,
    AppleComponent,
    InstallLinks,
)
from service.studies.templates import (
    ENCODED_WORD_PROBLEM,
    EmailTemplate,
    has_encoded_word,
    has_line_break,
)

IDENTIFIER = re.compile(r"[a-z0-9-]{2,60}")
MAX_IDENTIFIER_LENGTH = 60
MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600
MAX_REQUEST_INTERVAL_SECONDS = 3600
MAX_NAME_LENGTH = 255
MAX_SHORT_NAME_LENGTH = 40
# Studies run in a few languages; a bound keeps a study (cached, read per email) small.
MAX_LOCALIZED_TEMPLATES = 20


@dataclass(frozen=True)
class Study:
    identifier: str
    name: str
    short_name: str = ""
    sponsor_name: str = ""
    support_email: str = ""
    # On for a new study: a study exists to sign its participants in.
    email_sign_in_enabled: bool = True
    email_sign_in_template: EmailTemplate | None = None
    onboarding_template: EmailTemplate | None = None
    # The language of the two templates above, and of participants no other language fits.
    default_language: str = SOURCE_LANGUAGE
    # The same emails in other languages, by canonical BCP 47 tag ("de", "es-MX").
    localized_email_sign_in_templates: Mapping[str, EmailTemplate] = field(default_factory=dict)
    localized_onboarding_templates: Mapping[str, EmailTemplate] = field(default_factory=dict)
    email_sign_in_token_ttl_seconds: int = 3600
    email_sign_in_request_interval_seconds: int = 60
    reauthentication_enabled: bool = True
    # Bridge's flag: with it on, a password signs in only once the address is proven by a link
    # or code. Off, a password chosen at sign-up works at once (an app that creates the account
    # itself at first install), and whoever signs up first with an address keeps its password.
    email_verification_enabled: bool = True
    apple_app_links: tuple[AppleAppLink, ...] = ()
    android_app_links: tuple[AndroidAppLink, ...] = ()
    install_links: InstallLinks = field(default_factory=InstallLinks)
    app_url_scheme: str | None = None
    created_on: str = ""
    modified_on: str = ""
    # Bridge's VersionHolder: 1 when created, one more with every change. A write names the
    # version it started from, so two researchers editing at once cannot lose each other's work.
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        template = self.email_sign_in_template
        return {
            "identifier": self.identifier,
            "name": self.name,
            "shortName": self.short_name,
            "sponsorName": self.sponsor_name,
            "supportEmail": self.support_email,
            "emailSignInEnabled": self.email_sign_in_enabled,
            "emailSignInTemplate": template.to_json() if template else None,
            "onboardingTemplate": (
                self.onboarding_template.to_json() if self.onboarding_template else None
            ),
            "defaultLanguage": self.default_language,
            "localizedEmailSignInTemplates": _templates_json(
                self.localized_email_sign_in_templates
            ),
            "localizedOnboardingTemplates": _templates_json(self.localized_onboarding_templates),
            "emailSignInTokenTtlSeconds": self.email_sign_in_token_ttl_seconds,
            "emailSignInRequestIntervalSeconds": self.email_sign_in_request_interval_seconds,
            "reauthenticationEnabled": self.reauthentication_enabled,
            "emailVerificationEnabled": self.email_verification_enabled,
            "appleAppLinks": [link.to_json() for link in self.apple_app_links],
            "androidAppLinks": [link.to_json() for link in self.android_app_links],
            "installLinks": self.install_links.to_json(),
            "appUrlScheme": self.app_url_scheme,
            "createdOn": self.created_on,
            "modifiedOn": self.modified_on,
            "version": self.version,
            "type": "Study",
        }

    def stamped(self, created_on: str, modified_on: str, version: int = 1) -> Study:
        return replace(self, created_on=created_on, modified_on=modified_on, version=version)


def _templates_json(templates: Mapping[str, EmailTemplate]) -> dict[str, Any]:
    return {language: template.to_json() for language, template in templates.items()}


# --- single values ---------------------------------------------------------------------------


def text_problems(value: str, path: str, *, required: bool, max_length: int) -> list[str]:
    """What is wrong with a one-line text field (a name, the identifier, an address)."""
    problems = []
    if required and not value.strip():
        problems.append(f"{path} cannot be blank")
    if len(value) > max_length:
        problems.append(f"{path} must be at most {max_length} characters")
    if has_line_break(value):
        problems.append(f"{path} must be a single line")
    if has_encoded_word(value):
        problems.append(ENCODED_WORD_PROBLEM.format(field=path))
    return problems


def identifier_problems(value: str, path: str) -> list[str]:
    """What is wrong with a new study's identifier (surrounding white space is trimmed)."""
    problems = text_problems(value, path, required=True, max_length=MAX_IDENTIFIER_LENGTH)
    if value.strip() and not IDENTIFIER.fullmatch(value.strip()):
        problems.append(
            f"{path} must be 2 to 60 characters of lower-case letters, digits and hyphens"
        )
    return problems


def support_email_problems(value: str, path: str) -> list[str]:
    """What is wrong with the study's support address; empty means none."""
    problems = text_problems(value, path, required=False, max_length=MAX_LENGTH)
    if value.strip() and not problems:
        problem = address_problem(value.strip(), path)
        if problem:
            problems.append(problem)
    return problems


def changed_identifier_problem(given: str | None, identifier: str, path: str) -> str | None:
    """An update may send the study's identifier back, but not another one."""
    if given is None or given == identifier:
        return None
    return (
        f"{path} cannot be changed (the URL names {identifier!r}); leave it out or send the "
        "same value"
    )


def seconds_problem(value: int, path: str, low: int, high: int) -> str | None:
    if not low <= value <= high:
        return f"{path} must be between {low} and {high} seconds"
    return None


# --- the stored form ---------------------------------------------------------------------------
# The store decodes what ``to_json`` wrote, and nothing stricter: a rule the API adds later must
# never make a stored study unreadable. Fields a later version adds are read with their
# defaults; fields it dropped are ignored.

T = TypeVar("T")


def _optional(data: Mapping[str, Any], name: str, kind: type[T]) -> T | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{name} is not a {kind.__name__}: {value!r}")
    return value


def _field(data: Mapping[str, Any], name: str, kind: type[T], default: T) -> T:
    value = _optional(data, name, kind)
    return default if value is None else value


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} is not a JSON object: {value!r}")
    return value


def _objects(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    return [_object(item, name) for item in _field(data, name, list, [])]


def _strings(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = _field(data, name, list, [])
    if not all(isinstance(value, str) for value in values):
        raise ValueError(f"{name} holds a value that is not a string: {values!r}")
    return tuple(values)


def _template(data: Mapping[str, Any], name: str) -> EmailTemplate | None:
    if data.get(name) is None:
        return None
    return stored_template(_object(data[name], name))


def stored_template(stored: Mapping[str, Any]) -> EmailTemplate:
    """The template ``EmailTemplate.to_json()`` wrote."""
    return EmailTemplate(
        subject=_field(stored, "subject", str, ""),
        body=_field(stored, "body", str, ""),
        mime_type=_field(stored, "mimeType", str, "text/plain"),
    )


def _localized(data: Mapping[str, Any], name: str) -> dict[str, EmailTemplate]:
    """Templates by language; a study stored before languages existed has none."""
    stored = _object(data.get(name) or {}, name)
    return {
        str(language): stored_template(_object(template, f"{name}.{language}"))
        for language, template in stored.items()
    }


def _component(data: Mapping[str, Any]) -> AppleComponent:
    query = data.get("?")
    return AppleComponent(
        path=_optional(data, "/", str),
        query=None if query is None else tuple(_object(query, "?").items()),
        fragment=_optional(data, "#", str),
        exclude=_field(data, "exclude", bool, False),
        comment=_optional(data, "comment", str),
    )


def _apple_link(data: Mapping[str, Any]) -> AppleAppLink:
    return AppleAppLink(
        app_id=_field(data, "appID", str, ""),
        paths=_strings(data, "paths"),
        components=tuple(_component(item) for item in _objects(data, "components")),
    )


def _android_link(data: Mapping[str, Any]) -> AndroidAppLink:
    return AndroidAppLink(
        package_name=_field(data, "package_name", str, ""),
        sha256_cert_fingerprints=_strings(data, "sha256_cert_fingerprints"),
        namespace=_field(data, "namespace", str, ANDROID_NAMESPACE),
    )


def stored_study(data: object) -> Study:
    """The study ``Study.to_json()`` stored; ValueError when the document is not one."""
    stored = _object(data, "the stored study")
    identifier = _field(stored, "identifier", str, "")
    if not identifier:
        raise ValueError("the stored study has no identifier")
    install = _object(stored.get("installLinks") or {}, "installLinks")
    defaults = Study(identifier=identifier, name="")
    return Study(
        identifier=identifier,
        name=_field(stored, "name", str, ""),
        short_name=_field(stored, "shortName", str, ""),
        sponsor_name=_field(stored, "sponsorName", str, ""),
        support_email=_field(stored, "supportEmail", str, ""),
        # Stored studies always name it; one written before it existed had it off.
        email_sign_in_enabled=_field(stored, "emailSignInEnabled", bool, False),
        email_sign_in_template=_template(stored, "emailSignInTemplate"),
        onboarding_template=_template(stored, "onboardingTemplate"),
        default_language=_field(stored, "defaultLanguage", str, defaults.default_language),
        localized_email_sign_in_templates=_localized(stored, "localizedEmailSignInTemplates"),
        localized_onboarding_templates=_localized(stored, "localizedOnboardingTemplates"),
        email_sign_in_token_ttl_seconds=_field(
            stored, "emailSignInTokenTtlSeconds", int, defaults.email_sign_in_token_ttl_seconds
        ),
        email_sign_in_request_interval_seconds=_field(
            stored,
            "emailSignInRequestIntervalSeconds",
            int,
            defaults.email_sign_in_request_interval_seconds,
        ),
        reauthentication_enabled=_field(stored, "reauthenticationEnabled", bool, True),
        email_verification_enabled=_field(stored, "emailVerificationEnabled", bool, True),
        apple_app_links=tuple(_apple_link(item) for item in _objects(stored, "appleAppLinks")),
        android_app_links=tuple(
            _android_link(item) for item in _objects(stored, "androidAppLinks")
        ),
        install_links=InstallLinks(
            ios=_optional(install, "ios", str),
            android=_optional(install, "android", str),
        ),
        app_url_scheme=_optional(stored, "appUrlScheme", str),
        created_on=_field(stored, "createdOn", str, ""),
        modified_on=_field(stored, "modifiedOn", str, ""),
        # Studies stored before versions existed are version 1 (replace_study.lua agrees).
        version=_field(stored, "version", int, 1),
    )
