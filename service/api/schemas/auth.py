"""The bodies of the public ``/v3/auth`` endpoints, as Bridge's SDKs send them.

Bridge's generated clients send more than these fields (``type``, ``clientInfo``...), so
unknown fields are ignored here, as Bridge does, rather than refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator

from service.accounts.email_address import (
    ATEXT,
    DOCUMENTED_LETTERS,
    DOMAIN,
    MAX_LENGTH,
    address_problem,
)
from service.api.schemas import HERE, LenientSchema, checked, problems
from service.api.schemas.text import NOT_BLANK
from service.auth import passwords, requests

EXAMPLE_STUDY_ID = "sleep-study"
EXAMPLE_EMAIL = "participant@example.org"
# The shape address_problem() accepts (after trimming). A regular expression cannot both
# describe a dot-atom and bound its length (64) without look-ahead, which generators of test
# data cannot follow; so the documented local part is a little stricter than the rule: one to
# four atoms, each short enough that the whole stays within 64 characters (the description
# states the rule itself).
_SPLITS = ((64,), (31, 32), (20, 21, 21), (15, 15, 15, 15))
DOCUMENTED_LOCAL_PART = (
    "(" + "|".join("\\.".join(f"{ATEXT}{{1,{most}}}" for most in split) for split in _SPLITS) + ")"
)
# Beyond ASCII the rule counts octets as sent (RFC 5321), which a pattern cannot: the
# documented international addresses are kept small enough that every one fits. A local part
# of at most 21 characters (each at most 3 octets: 63), and a domain of one or two labels and a
# top-level one, each at most 10 characters without hyphens (IDNA forbids some hyphen
# positions), whose punycode takes at most 4 + 10 * 5 octets: 63 + 1 + 3 * 55 < 254.
_INTERNATIONAL_ATEXT = f"[A-Za-z0-9!#$%&'*+/=^_`{{|}}~{DOCUMENTED_LETTERS}-]"
_INTERNATIONAL_SPLITS = ((21,), (10, 10), (6, 6, 7), (4, 4, 4, 5))
DOCUMENTED_INTERNATIONAL_LOCAL_PART = (
    "("
    + "|".join(
        "\\.".join(f"{_INTERNATIONAL_ATEXT}{{1,{most}}}" for most in split)
        for split in _INTERNATIONAL_SPLITS
    )
    + ")"
)
_INTERNATIONAL_LABEL = f"[A-Za-z0-9{DOCUMENTED_LETTERS}]{{1,10}}"
_INTERNATIONAL_TOP_LABEL = f"[A-Za-z{DOCUMENTED_LETTERS}][A-Za-z0-9{DOCUMENTED_LETTERS}]{{0,9}}"
DOCUMENTED_INTERNATIONAL_DOMAIN = f"({_INTERNATIONAL_LABEL}\\.){{1,2}}{_INTERNATIONAL_TOP_LABEL}"
EMAIL_PATTERN = (
    f"^({DOCUMENTED_LOCAL_PART}@{DOMAIN}"
    f"|{DOCUMENTED_INTERNATIONAL_LOCAL_PART}@{DOCUMENTED_INTERNATIONAL_DOMAIN})$"
)


def _an_address(value: str) -> str:
    problem = address_problem(value, HERE)
    if problem:
        raise problems(problem)
    return value.strip()


def _password(value: Any, path: str) -> str | None:
    return passwords.password_problem(value)


def _secret_length(value: str, path: str) -> str | None:
    if not value:
        return f"{path} is required"
    if len(value) > requests.MAX_SECRET_LENGTH:
        return f"{path} must be at most {requests.MAX_SECRET_LENGTH} characters"
    return None


Email = Annotated[
    str,
    AfterValidator(_an_address),
    Field(
        description=(
            f"An email address, at most {MAX_LENGTH} octets as sent with at most 64 before "
            "the @: a plain address (dot-atom), without '?' or RFC 2047 encoded words. Letters "
            "beyond ASCII are welcome: a domain such as münchen.de is sent as punycode "
            "(IDNA 2008) and is the same account as xn--mnchen-3ya.de; a local part such as "
            "jürgen needs a mail server with SMTPUTF8 (RFC 6531). The pattern names a few "
            "scripts; the rule accepts letters of any script, never invisible or control "
            "characters. Surrounding white space is trimmed; accounts are looked up "
            "case-insensitively."
        ),
        examples=[EXAMPLE_EMAIL],
        json_schema_extra={"maxLength": MAX_LENGTH, "pattern": EMAIL_PATTERN},
    ),
]
Secret = Annotated[
    str,
    checked(_secret_length),
    Field(json_schema_extra={"minLength": 1, "maxLength": requests.MAX_SECRET_LENGTH}),
]
_PASSWORD_RULE = (
    f"A password of {passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} characters "
    "(stored as an argon2id hash)."
)


class StudyAddress(LenientSchema):
    """A study (``appId`` or ``study``) and an address: what every sign-in body names."""

    model_config = ConfigDict(
        # One of the two names, holding a string (a null one counts as missing).
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("study", "appId")
            ]
        }
    )

    # Both names are read by one validator (of ``study``), which reports a bad value once,
    # as ``study``: on the busiest endpoints every validator called is a cost.
    app_id: Annotated[
        Any,
        Field(
            description="Newer Bridge clients' name for `study`; wins if both.",
            examples=[EXAMPLE_STUDY_ID],
            json_schema_extra={"type": "string", "minLength": 1, "pattern": NOT_BLANK},
        ),
    ] = None
    study: Annotated[
        Any,
        Field(
            validate_default=True,
            description="The study's identifier (Bridge clients may name it `appId` instead).",
            examples=[EXAMPLE_STUDY_ID],
            json_schema_extra={"type": "string", "minLength": 1, "pattern": NOT_BLANK},
        ),
    ] = None
    email: Email
    # Bridge clients send their entity's name; whatever it holds, it is ignored.
    type: Annotated[
        Any,
        Field(json_schema_extra={"readOnly": True, "type": "string"}),
    ] = None

    @field_validator("study", mode="after")
    @classmethod
    def _chosen(cls, value: Any, info: ValidationInfo) -> str:
        chosen = info.data.get("app_id")
        if chosen is None:
            chosen = value
        elif value is not None and not isinstance(value, str):
            # appId wins, but a study of another type is still a mistake worth naming.
            raise problems(f"{HERE} must be a string")
        if chosen is not None and not isinstance(chosen, str):
            raise problems(f"{HERE} (or appId) must be a string")
        if chosen is None or not chosen.strip():
            raise problems(f"{HERE} (or appId) is required")
        return chosen.strip()

    @property
    def study_id(self) -> str:
        study: str = self.study  # the validator chose one, a string
        return study


class EmailSignInRequest(StudyAddress):
    """Ask for a sign-in email. Other fields are ignored."""

    def value(self) -> requests.EmailSignInRequest:
        return requests.EmailSignInRequest(self.study_id, self.email)


class EmailSignIn(StudyAddress):
    """Trade the token from a sign-in email for a session."""

    token: Annotated[Secret, Field(description="The token from the link in the email.")]
    password: Annotated[
        Annotated[str, checked(_password)] | None,
        Field(
            description=f"Optional: becomes the participant's password. {_PASSWORD_RULE}",
            json_schema_extra={
                "minLength": passwords.MIN_LENGTH,
                "maxLength": passwords.MAX_LENGTH,
            },
        ),
    ] = None

    def value(self) -> requests.EmailSignIn:
        return requests.EmailSignIn(self.study_id, self.email, self.token, self.password)


class SignUp(StudyAddress):
    password: Annotated[
        str,
        checked(_password),
        Field(
            description=_PASSWORD_RULE,
            json_schema_extra={
                "minLength": passwords.MIN_LENGTH,
                "maxLength": passwords.MAX_LENGTH,
            },
        ),
    ]

    def value(self) -> requests.PasswordCredentials:
        return requests.PasswordCredentials(self.study_id, self.email, self.password)


class SignIn(StudyAddress):
    # Sign-in takes whatever password was typed; only sign-up enforces the policy, so a
    # policy change never locks out an existing password.
    password: Annotated[
        str,
        Field(
            description="The password.",
            json_schema_extra={"minLength": 1, "maxLength": passwords.MAX_LENGTH},
        ),
    ]

    @field_validator("password", mode="after")
    @classmethod
    def _bounded(cls, value: str) -> str:
        if not value:
            raise problems(f"{HERE} is required")
        if len(value) > passwords.MAX_LENGTH:
            raise problems(f"{HERE} must be at most {passwords.MAX_LENGTH} characters")
        return value

    def value(self) -> requests.PasswordCredentials:
        return requests.PasswordCredentials(self.study_id, self.email, self.password)


class Reauthentication(StudyAddress):
    reauth_token: Annotated[
        Secret, Field(description="The reauthToken of the last session; it works once.")
    ]

    def value(self) -> requests.Reauthentication:
        return requests.Reauthentication(self.study_id, self.email, self.reauth_token)
