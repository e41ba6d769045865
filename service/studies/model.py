"""The study a researcher configures, and its validation.

Validation collects every problem at once, keyed by the field path a researcher can find in
their JSON (``emailSignInTemplate.subject``), each message saying what to write instead.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Any

from service.accounts.email_address import address_problem
from service.errors import Invalid
from service.studies.app_links import (
    AndroidAppLink,
    AppleAppLink,
    InstallLinks,
    parse_android_app_links,
    parse_apple_app_links,
    parse_install_links,
    parse_url_scheme,
)
from service.studies.templates import (
    ENCODED_WORD_PROBLEM,
    ONBOARDING,
    EmailTemplate,
    has_encoded_word,
    has_line_break,
    template_problems,
)

IDENTIFIER = re.compile(r"[a-z0-9-]{2,60}")
MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600
MAX_REQUEST_INTERVAL_SECONDS = 3600
MAX_NAME_LENGTH = 255
MAX_SHORT_NAME_LENGTH = 40

# Fields the server sets; clients may send them back (Bridge SDKs do) and we ignore them.
READ_ONLY_FIELDS = frozenset({"type", "createdOn", "modifiedOn", "version"})


@dataclass(frozen=True)
class Study:
    identifier: str
    name: str
    short_name: str = ""
    sponsor_name: str = ""
    support_email: str = ""
    email_sign_in_enabled: bool = False
    email_sign_in_template: EmailTemplate | None = None
    onboarding_template: EmailTemplate | None = None
    email_sign_in_token_ttl_seconds: int = 3600
    email_sign_in_request_interval_seconds: int = 60
    reauthentication_enabled: bool = True
    apple_app_links: tuple[AppleAppLink, ...] = ()
    android_app_links: tuple[AndroidAppLink, ...] = ()
    install_links: InstallLinks = field(default_factory=InstallLinks)
    app_url_scheme: str | None = None
    created_on: str = ""
    modified_on: str = ""

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
            "emailSignInTokenTtlSeconds": self.email_sign_in_token_ttl_seconds,
            "emailSignInRequestIntervalSeconds": self.email_sign_in_request_interval_seconds,
            "reauthenticationEnabled": self.reauthentication_enabled,
            "appleAppLinks": [link.to_json() for link in self.apple_app_links],
            "androidAppLinks": [link.to_json() for link in self.android_app_links],
            "installLinks": self.install_links.to_json(),
            "appUrlScheme": self.app_url_scheme,
            "createdOn": self.created_on,
            "modifiedOn": self.modified_on,
            "type": "Study",
        }

    def stamped(self, created_on: str, modified_on: str) -> Study:
        return replace(self, created_on=created_on, modified_on=modified_on)


class _Fields:
    """Reads typed fields out of a JSON object, collecting one message list per path."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def fail_all(self, errors: dict[str, list[str]]) -> None:
        for path, messages in errors.items():
            for message in messages:
                self.fail(path, message)

    def text(self, name: str, *, required: bool, max_length: int) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, f"{name} is required")
            return ""
        if not isinstance(value, str):
            self.fail(name, f"{name} must be a string")
            return ""
        if required and not value.strip():
            self.fail(name, f"{name} cannot be blank")
        if len(value) > max_length:
            self.fail(name, f"{name} must be at most {max_length} characters")
        if has_line_break(value):
            self.fail(name, f"{name} must be a single line")
        if has_encoded_word(value):
            self.fail(name, ENCODED_WORD_PROBLEM.format(field=name))
        return value.strip()

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(name, f"{name} must be true or false")
            return default
        return value

    def whole_number(self, name: str, default: int, low: int, high: int, unit: str) -> int:
        value = self.data.get(name, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"{name} must be a whole number of {unit}")
            return default
        if not low <= value <= high:
            self.fail(name, f"{name} must be between {low} and {high} {unit}")
            return default
        return value


_FIELDS = (
    "identifier",
    "name",
    "shortName",
    "sponsorName",
    "supportEmail",
    "emailSignInEnabled",
    "emailSignInTemplate",
    "onboardingTemplate",
    "emailSignInTokenTtlSeconds",
    "emailSignInRequestIntervalSeconds",
    "reauthenticationEnabled",
    "appleAppLinks",
    "androidAppLinks",
    "installLinks",
    "appUrlScheme",
)


def parse_study(data: object, *, identifier: str | None = None) -> Study:
    """Validate a study JSON object. ``identifier`` comes from the URL on update."""
    if not isinstance(data, dict):
        raise Invalid("Study", {"": ["the request body must be a JSON object"]})
    fields = _Fields(data)
    for unknown in sorted(set(data) - set(_FIELDS) - READ_ONLY_FIELDS):
        close = difflib.get_close_matches(unknown, _FIELDS, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        fields.fail(unknown, f"{unknown} is not a study field{hint}")

    if identifier is None:
        ident = fields.text("identifier", required=True, max_length=60)
        if ident and not IDENTIFIER.fullmatch(ident):
            fields.fail(
                "identifier",
                "identifier must be 2 to 60 characters of lower-case letters, digits and hyphens",
            )
    else:
        ident = identifier
        given = data.get("identifier")
        if given is not None and given != identifier:
            fields.fail(
                "identifier",
                f"identifier cannot be changed (the URL names {identifier!r}); leave it out or "
                "send the same value",
            )

    name = fields.text("name", required=True, max_length=MAX_NAME_LENGTH)
    short_name = fields.text("shortName", required=False, max_length=MAX_SHORT_NAME_LENGTH)
    sponsor_name = fields.text("sponsorName", required=False, max_length=MAX_NAME_LENGTH)
    support_email = fields.text("supportEmail", required=False, max_length=254)
    if support_email and "supportEmail" not in fields.errors:
        problem = address_problem(support_email, "supportEmail")
        if problem:
            fields.fail("supportEmail", problem)

    template = None
    raw_template = data.get("emailSignInTemplate")
    if raw_template is not None:
        template, template_errors = template_problems(raw_template, "emailSignInTemplate")
        fields.fail_all(template_errors)
    onboarding_template = None
    raw_onboarding = data.get("onboardingTemplate")
    if raw_onboarding is not None:
        onboarding_template, template_errors = template_problems(
            raw_onboarding, "onboardingTemplate", ONBOARDING
        )
        fields.fail_all(template_errors)

    apple_app_links, errors = parse_apple_app_links(data.get("appleAppLinks"), "appleAppLinks")
    fields.fail_all(errors)
    android_app_links, errors = parse_android_app_links(
        data.get("androidAppLinks"), "androidAppLinks"
    )
    fields.fail_all(errors)
    install_links, errors = parse_install_links(data.get("installLinks"), "installLinks")
    fields.fail_all(errors)
    app_url_scheme, errors = parse_url_scheme(data.get("appUrlScheme"), "appUrlScheme")
    fields.fail_all(errors)

    study = Study(
        identifier=ident,
        name=name,
        short_name=short_name,
        sponsor_name=sponsor_name,
        support_email=support_email,
        email_sign_in_enabled=fields.flag("emailSignInEnabled", False),
        email_sign_in_template=template,
        onboarding_template=onboarding_template,
        email_sign_in_token_ttl_seconds=fields.whole_number(
            "emailSignInTokenTtlSeconds", 3600, 1, MAX_TOKEN_TTL_SECONDS, "seconds"
        ),
        email_sign_in_request_interval_seconds=fields.whole_number(
            "emailSignInRequestIntervalSeconds", 60, 0, MAX_REQUEST_INTERVAL_SECONDS, "seconds"
        ),
        reauthentication_enabled=fields.flag("reauthenticationEnabled", True),
        apple_app_links=apple_app_links,
        android_app_links=android_app_links,
        install_links=install_links,
        app_url_scheme=app_url_scheme,
        created_on=str(data.get("createdOn") or ""),
        modified_on=str(data.get("modifiedOn") or ""),
    )
    if fields.errors:
        raise Invalid("Study", fields.errors)
    return study
