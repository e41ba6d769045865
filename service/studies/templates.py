"""Researcher email templates: ``${variable}`` substitution, validated once at save time.

Researcher text is data, never code: the only thing we do with it is replace each
``${name}`` by a value, in one pass, so a value that itself contains ``${...}`` stays literal.
In HTML templates every value is HTML-escaped. Jinja2 is reserved for the service's own
templates and never sees researcher text.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIME_TYPES = ("text/plain", "text/html")
MAX_SUBJECT_LENGTH = 250
MAX_BODY_LENGTH = 32 * 1024

# Variables that carry a sign-in secret (the link's token, or the code to type); a body must
# contain at least one of them, and a subject none.
TOKEN_VARIABLES = frozenset({"token", "url", "emailSignInUrl", "shortUrl", "code", "qrCode"})
# Markup the service builds itself, substituted as it is (HTML templates only): the QR code of
# the link, as an image attached to the email (mail clients block data: images).
HTML_ONLY_VARIABLES = frozenset({"qrCode"})
# Bridge's names for the study (Bridge calls a study an app; BridgeUtils.appTemplateVariables),
# so that templates written for Bridge carry over. Each is filled with our closest value:
# app* is the study's name, short name and identifier; technicalEmail and consentEmail, which
# our study has no field for, are its support address (Bridge always fills technicalEmail).
BRIDGE_STUDY_VARIABLES = frozenset(
    {"appName", "appShortName", "appId", "technicalEmail", "consentEmail"}
)
# What every email may name: the participant (``email``, and ``participantEmail``, Bridge's name
# for the address exactly as written), the study, the service's host, and the app (its custom
# scheme without any secret, and its store pages).
_COMMON_VARIABLES = (
    frozenset(
        {
            "email",
            "participantEmail",
            "studyName",
            "studyShortName",
            "studyId",
            "sponsorName",
            "supportEmail",
            "host",
            "appUrl",
            "installUrlIos",
            "installUrlAndroid",
        }
    )
    | BRIDGE_STUDY_VARIABLES
)
SIGN_IN_VARIABLES = TOKEN_VARIABLES | _COMMON_VARIABLES | {"emailSignInExpirationPeriod"}

# Every character str.splitlines() breaks at; none may appear in an email header.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

_VARIABLE = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
_OPENING = "${"


@dataclass(frozen=True)
class EmailTemplate:
    subject: str
    body: str
    mime_type: str = "text/plain"

    @property
    def is_html(self) -> bool:
        return self.mime_type == "text/html"

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "body": self.body, "mimeType": self.mime_type}


def has_line_break(text: str) -> bool:
    return any(char in LINE_BREAKS for char in text)


def one_line(text: str) -> str:
    """The text with every line break made a space: for headers built from substituted values."""
    return "".join(" " if char in LINE_BREAKS else char for char in text)


# "=?" opens an RFC 2047 encoded word, which the email library decodes when a header is set:
# an encoded CR LF would end the header and start another (a Bcc, say).
ENCODED_WORD_PROBLEM = (
    "{field} must not contain =? (email programs would read what follows as encoded text)"
)


def has_encoded_word(text: str) -> bool:
    return "=?" in text


def header_text(text: str) -> str:
    """Text for an email header that reads exactly as written: on one line, and with no
    ``=?`` that could open an encoded word (a word joiner, invisible, goes between the two)."""
    return one_line(text).replace("=?", "=\u2060?")


def variables_in(text: str) -> list[str]:
    return _VARIABLE.findall(text)


def syntax_problems(text: str, field: str) -> list[str]:
    """Each ``${`` that does not open a well-formed ``${name}``, with its position."""
    problems = []
    start = text.find(_OPENING)
    while start != -1:
        if not _VARIABLE.match(text, start):
            snippet = text[start : start + 20].split("\n")[0]
            problems.append(
                f"{field} has {snippet!r} at character {start + 1}, which is not a variable; "
                "write variables as ${name}, e.g. ${studyName}"
            )
        start = text.find(_OPENING, start + len(_OPENING))
    return problems


def unknown_variable_problems(text: str, field: str, known: frozenset[str]) -> list[str]:
    problems = []
    for name in dict.fromkeys(variables_in(text)):  # each once, in order of appearance
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean ${{{close[0]}}}?)" if close else ""
            problems.append(
                f"{field} uses unknown variable ${{{name}}}{hint}; "
                f"known variables are {', '.join(sorted(known))}"
            )
    return problems


@dataclass(frozen=True)
class TemplateKind:
    """What one kind of email may use, and what its body must carry to be of any use."""

    known: frozenset[str]
    body_must_carry: frozenset[str]
    missing_hint: str


SIGN_IN = TemplateKind(
    SIGN_IN_VARIABLES,
    TOKEN_VARIABLES,
    "must contain the sign-in link or code: add ${url} (or ${emailSignInUrl}, ${shortUrl}, "
    "${token}, ${code})",
)
ONBOARDING = TemplateKind(
    _COMMON_VARIABLES | {"provisioningUrl", "qrCode"},
    frozenset({"provisioningUrl", "qrCode"}),
    "must contain the provisioning link that sets the app up: add ${provisioningUrl} (or "
    "${qrCode} in an HTML template)",
)


def subject_problems(value: object, path: str, kind: TemplateKind = SIGN_IN) -> list[str]:
    """What is wrong with a template's subject (any JSON value), or nothing."""
    if not isinstance(value, str) or not value.strip():
        return [f"{path} is required and cannot be blank"]
    if len(value) > MAX_SUBJECT_LENGTH:
        return [f"{path} must be at most {MAX_SUBJECT_LENGTH} characters"]
    if has_line_break(value):
        return [f"{path} must be a single line"]
    if has_encoded_word(value):
        return [ENCODED_WORD_PROBLEM.format(field=path)]
    problems = syntax_problems(value, path) + unknown_variable_problems(value, path, kind.known)
    # Subjects show in notifications, previews and mail logs: never put the token there.
    leaking = sorted(TOKEN_VARIABLES & set(variables_in(value)))
    if leaking:
        problems.append(
            f"{path} must not contain ${{{leaking[0]}}}: "
            "subjects appear in notifications and mail logs; put it in the body"
        )
    return problems


def body_problems(
    value: object, path: str, kind: TemplateKind = SIGN_IN, mime_type: object = MIME_TYPES[0]
) -> list[str]:
    """What is wrong with a template's body (any JSON value) in a ``mime_type`` email."""
    if not isinstance(value, str) or not value.strip():
        return [f"{path} is required and cannot be blank"]
    if len(value) > MAX_BODY_LENGTH:
        return [f"{path} must be at most {MAX_BODY_LENGTH} characters"]
    problems = syntax_problems(value, path) + unknown_variable_problems(value, path, kind.known)
    used = set(variables_in(value))
    html_only = sorted(HTML_ONLY_VARIABLES & used)
    if html_only and mime_type != "text/html":
        problems.append(
            f"{path} uses ${{{html_only[0]}}}, which only works in text/html "
            "templates; set mimeType to text/html or remove it"
        )
    if kind.body_must_carry and not kind.body_must_carry & used:
        problems.append(f"{path} {kind.missing_hint}")
    return problems


def substitute(
    text: str,
    values: Mapping[str, str],
    *,
    escape_html: bool = False,
    markup: Mapping[str, str] | None = None,
) -> str:
    """Replace every ``${name}`` in one pass; values are never scanned for variables again.

    ``markup`` holds HTML the service built itself (never researcher or participant text),
    substituted without escaping.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if markup is not None and name in markup:
            return markup[name]
        value = values.get(name, "")
        return html.escape(value, quote=True) if escape_html else value

    return _VARIABLE.sub(replace, text)
