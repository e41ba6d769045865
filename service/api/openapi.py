"""The OpenAPI 3.1 document of every endpoint, built from the validators' own constants.

Limits (lengths, ranges, patterns) come from the modules that enforce them, so the document
cannot drift from the code; ``tests/unit/test_openapi.py`` checks that every route the app
registers is documented with the same methods, and that the answers the code builds match
the schemas here. ``GET /openapi.json`` serves it (``service/api/routes/docs.py``).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from service import __version__
from service.accounts import email_address
from service.accounts.participant import STATUSES
from service.api.routes.auth import SESSION_HEADER
from service.api.routes.participant_self import MAX_CONSENT_NAME_LENGTH
from service.auth import passwords
from service.auth.requests import MAX_SECRET_LENGTH
from service.deeplinks import association
from service.provisioning.onboarding import MAX_PARTICIPANTS_PER_REQUEST
from service.settings import Settings
from service.studies import app_links, model, templates

Json = dict[str, Any]

OPENAPI_VERSION = "3.1.0"
ADMIN_SCHEME = "adminBearer"
SESSION_SCHEME = "bridgeSession"

# Illustrative values used in the document's examples.
EXAMPLE_STUDY_ID = "sleep-study"
EXAMPLE_EMAIL = "participant@example.org"


def _regex_escape(chars: str) -> str:
    """Characters as ``\\uXXXX`` escapes, which Python and ECMA-262 regexes both read."""
    return "".join(f"\\u{ord(char):04x}" for char in chars)


# What str.strip() removes (every white space character is in the Basic Multilingual Plane).
# Named one by one: regex engines disagree about what \s means beyond ASCII.
WHITESPACE = "".join(char for char in map(chr, range(0x10000)) if char.isspace())
_NO_BREAK = f"[^{_regex_escape(templates.LINE_BREAKS)}]"
_NOT_SPACE = f"[^{_regex_escape(WHITESPACE)}]"
# One line with at least one character that is not white space.
SINGLE_LINE_NOT_BLANK = f"^{_NO_BREAK}*{_NOT_SPACE}{_NO_BREAK}*$"
SINGLE_LINE = f"^{_NO_BREAK}*$"
NOT_BLANK = _NOT_SPACE
# The shape address_problem() accepts (after trimming); the lengths are in the description
# (a regular expression for a dot-atom cannot also bound the local part's length).
EMAIL_PATTERN = f"^{email_address.LOCAL_PART}@{email_address.DOMAIN}$"
IDENTIFIER_PATTERN = f"^{model.IDENTIFIER.pattern}$"
# Participant ids are secrets.token_urlsafe() values.
PARTICIPANT_ID_PATTERN = "^[A-Za-z0-9_-]+$"


def _carries(variables: frozenset[str]) -> str:
    """A pattern matching a text that uses at least one of ``variables``."""
    return "\\$\\{(" + "|".join(sorted(variables)) + ")\\}"


# A template body must carry the sign-in token through one of these variables.
TOKEN_VARIABLE_PATTERN = _carries(templates.TOKEN_VARIABLES)

# JSON Schema counts 60.0 as an integer; the service wants the number written without a fraction.
_WHOLE = "Write a whole number without a decimal point (60, not 60.0)."

ERROR_TYPES = (
    "BadRequestException",
    "InvalidEntityException",
    "NotAuthenticatedException",
    "EntityNotFoundException",
    "EndpointNotFoundException",
    "MethodNotAllowedException",
    "EntityAlreadyExistsException",
    "PayloadTooLargeException",
    "AccountDisabledException",
    "RateLimitExceededException",
    "ServiceUnavailableException",
)


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def _nullable(schema: Json) -> Json:
    """The schema or JSON null (sent as null, the field takes its default)."""
    return {"anyOf": [schema, {"type": "null"}]}


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


def _error(
    status: int, description: str, *types: str, entity_classes: tuple[str, ...] = ()
) -> Json:
    """A Bridge error answer: ``statusCode`` is the status, ``type`` one of ``types``."""
    refined: Json = {
        "type": "object",
        "properties": {"statusCode": {"const": status}, "type": {"enum": list(types)}},
    }
    if entity_classes:
        refined["properties"]["entityClass"] = {"enum": list(entity_classes)}
    response: Json = {
        "description": description,
        "content": _json({"allOf": [_ref("BridgeError"), refined]}),
    }
    if status in (429, 503):
        response["headers"] = copy.deepcopy(_RETRY_AFTER)
    return response


def _bad_request(entity: str) -> Json:
    return _error(
        400,
        f"The body is not a JSON object, not valid JSON, or not a valid {entity}; "
        "`errors` names each bad field and says how to fix it.",
        "BadRequestException",
        "InvalidEntityException",
    )


_TOO_LARGE = _error(
    413,
    f"The body is larger than the service accepts ({Settings.max_body_bytes // 1024} KiB).",
    "PayloadTooLargeException",
)
_UNAVAILABLE = _error(
    503, "Redis is not answering; retry after `Retry-After` seconds.", "ServiceUnavailableException"
)
_ADMIN_401 = _error(
    401,
    "No `Authorization: Bearer <key>` header, or a key that is neither MAGICLINK_ADMIN_KEY nor "
    "a live named key (`magiclink admin-key create NAME`).",
    "NotAuthenticatedException",
)
_SESSION_401 = _error(
    401,
    f"No {SESSION_HEADER} header, or the session is unknown, expired or signed out.",
    "NotAuthenticatedException",
)
_STUDY_404 = _error(
    404, "No study with this identifier.", "EntityNotFoundException", entity_classes=("Study",)
)


def _body(schema_name: str, description: str, example: Json | None = None) -> Json:
    media: Json = {"schema": _ref(schema_name)}
    if example is not None:
        media["example"] = example
    return {"description": description, "required": True, "content": {"application/json": media}}


def _ok(description: str, schema: Json) -> Json:
    return {"description": description, "content": _json(schema)}


def _session_answers() -> Json:
    return {
        "200": _ok("Signed in: the session.", _ref("UserSessionInfo")),
        "412": _ok(
            "Signed in, but the participant has not consented: the same live session; "
            "sign the consent with `POST /v3/consents/signature`.",
            _ref("UserSessionInfo"),
        ),
    }


def _every_field_required(properties: Json) -> Json:
    """An object whose every property is always present, and nothing else."""
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def _html_page(found: str, not_found: str) -> Json:
    """The answers of a page for people (the study's, or a friendly 'not valid' one)."""
    html = {"text/html": {"schema": {"type": "string"}}}
    return {
        "200": {"description": found, "content": html},
        "404": {"description": not_found, "content": html},
        "503": _UNAVAILABLE,
    }


def _head(get: Json) -> Json:
    """The HEAD twin of a GET operation: the same answers, without bodies."""
    head = copy.deepcopy(get)
    head["operationId"] = get["operationId"] + "Head"
    head["summary"] = "Headers only: " + get["summary"][0].lower() + get["summary"][1:]
    for response in head["responses"].values():
        response.pop("content", None)
    return head


# Path patterns: they start with / (or a * or ? wildcard) and hold no control character.
_PATTERN_CHARS = "[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]"
PATH_PATTERN = f"^[/*?]{_PATTERN_CHARS}*$"
LEGACY_PATH_PATTERN = f"^({app_links.NOT_PREFIX})?[/*?]{_PATTERN_CHARS}*$"
APP_ID_PATTERN = f"^{app_links.APP_ID.pattern}$"
PACKAGE_NAME_PATTERN = f"^{app_links.PACKAGE_NAME.pattern}$"
FINGERPRINT_PATTERN = f"^{app_links.FINGERPRINT.pattern}$"
PUBLISHED_FINGERPRINT_PATTERN = "^[0-9A-F]{2}(:[0-9A-F]{2}){31}$"
INSTALL_URL_PATTERN = f"^{app_links.INSTALL_URL.pattern}$"
URL_SCHEME_PATTERN = f"^{app_links.URL_SCHEME.pattern}$"


def _app_link_schemas() -> Json:
    """Study app links (requests and answers) and the association files built from them."""
    app_id = {
        "type": "string",
        "pattern": APP_ID_PATTERN,
        "maxLength": app_links.MAX_APP_ID_LENGTH,
        "description": "TEAMID.bundle.id: the 10-character team id (A-Z, 0-9), a dot, and the "
        "bundle id (App Store Connect).",
        "examples": [app_links.EXAMPLE_APP_ID],
    }
    pattern_text = {"type": "string", "maxLength": app_links.MAX_PATTERN_LENGTH}
    published_fingerprint = {"type": "string", "pattern": PUBLISHED_FINGERPRINT_PATTERN}
    return {
        "LinkComponent": {
            "type": "object",
            "description": "One of Apple's `components` rules (also Android 15's "
            "`dynamic_app_link_components`): a URL matches when its path, query and fragment "
            "match every pattern given; the first matching rule wins; `exclude` keeps the "
            "URL out of the app. `*` matches any characters, `?` one.",
            "additionalProperties": False,
            "anyOf": [{"required": ["/"]}, {"required": ["?"]}, {"required": ["#"]}],
            "properties": {
                "/": {
                    **pattern_text,
                    "pattern": PATH_PATTERN,
                    "description": "Path pattern, like /s/sleep-study/*.",
                },
                "?": {
                    "type": "object",
                    "description": "Query parameter name -> value pattern.",
                    "additionalProperties": {**pattern_text, "pattern": f"^{_PATTERN_CHARS}*$"},
                },
                "#": {**pattern_text, "pattern": f"^{_PATTERN_CHARS}*$"},
                "exclude": {"type": "boolean", "default": False},
                "comment": {
                    "type": "string",
                    "maxLength": app_links.MAX_COMMENT_LENGTH,
                    "pattern": f"^{_PATTERN_CHARS}*$",
                },
            },
        },
        "AppleAppLink": {
            "type": "object",
            "description": "An iOS app that opens the study's sign-in links: `paths` (legacy "
            "patterns; `NOT /path` excludes) or `components`, not both. The links are "
            "`/s/{studyId}?email=…&token=…`: claim `/s/{studyId}` and `/s/{studyId}/*`. An app "
            "appears once per study.",
            "required": ["appID"],
            "oneOf": [{"required": ["paths"]}, {"required": ["components"]}],
            "additionalProperties": False,
            "properties": {
                "appID": app_id,
                "paths": {
                    "type": "array",
                    "minItems": 1,
                    "items": {**pattern_text, "pattern": LEGACY_PATH_PATTERN},
                    "examples": [["/s/sleep-study", "/s/sleep-study/*"]],
                },
                "components": {"type": "array", "minItems": 1, "items": _ref("LinkComponent")},
                "type": {"const": "AppleAppLink", "readOnly": True},
            },
        },
        "AndroidAppLink": {
            "type": "object",
            "description": "An Android app that opens the study's sign-in links. A package "
            "and fingerprint appear once per study. Fingerprints are accepted in any case and "
            "stored upper-case.",
            "required": ["namespace", "package_name", "sha256_cert_fingerprints"],
            "additionalProperties": False,
            "properties": {
                "namespace": {"const": app_links.ANDROID_NAMESPACE},
                "package_name": {
                    "type": "string",
                    "pattern": PACKAGE_NAME_PATTERN,
                    "maxLength": app_links.MAX_PACKAGE_NAME_LENGTH,
                    "description": "The applicationId: two or more parts, each starting with a "
                    "letter, none a Java keyword.",
                    "examples": [app_links.EXAMPLE_PACKAGE],
                },
                "sha256_cert_fingerprints": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": app_links.MAX_FINGERPRINTS,
                    "items": {
                        "type": "string",
                        "pattern": FINGERPRINT_PATTERN,
                        "description": "SHA-256 of the signing certificate: 32 bytes as "
                        "colon-separated hex (Play Console > App integrity).",
                        "examples": [app_links.EXAMPLE_FINGERPRINT],
                    },
                },
                "type": {"const": "AndroidAppLink", "readOnly": True},
            },
        },
        "InstallLinks": {
            "type": "object",
            "description": "Where to install the app (https only).",
            "additionalProperties": False,
            "properties": {
                platform: _nullable(
                    {
                        "type": "string",
                        "pattern": INSTALL_URL_PATTERN,
                        "maxLength": app_links.MAX_INSTALL_URL_LENGTH,
                        "description": f"The app's {store} page.",
                    }
                )
                for platform, store in (("ios", "App Store"), ("android", "Google Play"))
            },
        },
        "AppleAppSiteAssociation": {
            "type": "object",
            "description": "Every study's iOS apps, each in the modern (appIDs + components) "
            "and the legacy (appID + paths) form.",
            "required": ["applinks", "webcredentials"],
            "additionalProperties": False,
            "properties": {
                "applinks": {
                    "type": "object",
                    "required": ["apps", "details"],
                    "additionalProperties": False,
                    "properties": {
                        "apps": {"type": "array", "maxItems": 0},
                        "details": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["appIDs", "components", "appID", "paths"],
                                "additionalProperties": False,
                                "properties": {
                                    "appIDs": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": 1,
                                        "items": app_id,
                                    },
                                    "components": {
                                        "type": "array",
                                        "items": _ref("LinkComponent"),
                                    },
                                    "appID": app_id,
                                    "paths": {
                                        "type": "array",
                                        "items": {**pattern_text, "pattern": LEGACY_PATH_PATTERN},
                                    },
                                },
                            },
                        },
                    },
                },
                "webcredentials": {
                    "type": "object",
                    "required": ["apps"],
                    "additionalProperties": False,
                    "properties": {"apps": {"type": "array", "items": app_id}},
                },
            },
        },
        "AssetLinks": {
            "type": "array",
            "description": "One statement per Android app, limited (Android 15+) to its "
            "studies' sign-in paths.",
            "items": {
                "type": "object",
                "required": ["relation", "relation_extensions", "target"],
                "additionalProperties": False,
                "properties": {
                    "relation": {
                        "type": "array",
                        "items": {"enum": list(association.RELATIONS)},
                    },
                    "relation_extensions": {
                        "type": "object",
                        "required": [association.HANDLE_ALL_URLS],
                        "additionalProperties": False,
                        "properties": {
                            association.HANDLE_ALL_URLS: {
                                "type": "object",
                                "required": ["dynamic_app_link_components"],
                                "additionalProperties": False,
                                "properties": {
                                    "dynamic_app_link_components": {
                                        "type": "array",
                                        "items": _ref("LinkComponent"),
                                    }
                                },
                            }
                        },
                    },
                    "target": {
                        "type": "object",
                        "required": ["namespace", "package_name", "sha256_cert_fingerprints"],
                        "additionalProperties": False,
                        "properties": {
                            "namespace": {"const": app_links.ANDROID_NAMESPACE},
                            "package_name": {"type": "string", "pattern": PACKAGE_NAME_PATTERN},
                            "sha256_cert_fingerprints": {
                                "type": "array",
                                "minItems": 1,
                                "items": published_fingerprint,
                            },
                        },
                    },
                },
            },
        },
    }


def _template_schema(description: str, body_pattern: str, read_only: Json) -> Json:
    """A researcher's email template: subject, body that must carry something, mime type."""
    return {
        "type": "object",
        "description": description,
        "required": ["subject", "body"],
        "additionalProperties": False,
        "properties": {
            "subject": {
                "type": "string",
                "minLength": 1,
                "maxLength": templates.MAX_SUBJECT_LENGTH,
                "pattern": SINGLE_LINE_NOT_BLANK,
            },
            "body": {
                "type": "string",
                "minLength": 1,
                "maxLength": templates.MAX_BODY_LENGTH,
                "pattern": body_pattern,
            },
            "mimeType": {
                "type": "string",
                "enum": list(templates.MIME_TYPES),
                "default": templates.MIME_TYPES[0],
            },
            "type": read_only,
        },
    }


def _schemas() -> Json:
    # A template as a study answers it: filled in, or null for the service's default.
    stored_template: Json = {
        "anyOf": [
            {
                "type": "object",
                "required": ["subject", "body", "mimeType"],
                "additionalProperties": False,
                "properties": {
                    "subject": {"type": "string"},
                    "body": {"type": "string"},
                    "mimeType": {"type": "string", "enum": list(templates.MIME_TYPES)},
                },
            },
            {"type": "null"},
        ]
    }
    email = {
        "type": "string",
        "maxLength": email_address.MAX_LENGTH,
        "pattern": EMAIL_PATTERN,
        "description": (
            f"An email address, at most {email_address.MAX_LENGTH} characters with at most "
            f"{email_address.MAX_LOCAL_LENGTH} before the @: a plain address in ASCII, without "
            "'?' or RFC 2047 encoded words. Surrounding white space is trimmed; accounts are "
            "looked up case-insensitively."
        ),
        "examples": [EXAMPLE_EMAIL],
    }
    study_ref = {
        "type": "string",
        "minLength": 1,
        "pattern": NOT_BLANK,
        "description": "The study's identifier (Bridge clients may name it `appId` instead).",
        "examples": [EXAMPLE_STUDY_ID],
    }
    app_id = {**study_ref, "description": "Newer Bridge clients' name for `study`; wins if both."}
    names_the_study: Json = {"anyOf": [{"required": ["study"]}, {"required": ["appId"]}]}

    def secret(description: str, max_length: int = MAX_SECRET_LENGTH) -> Json:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": max_length,
            "description": description,
        }

    new_password: Json = {
        "type": "string",
        "minLength": passwords.MIN_LENGTH,
        "maxLength": passwords.MAX_LENGTH,
        "description": (
            f"A password of {passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} characters "
            "(stored as an argon2id hash)."
        ),
    }
    read_only = {"type": "string", "readOnly": True}
    date_time = {
        "type": "string",
        "format": "date-time",
        "description": "UTC with milliseconds, e.g. 2020-08-28T14:28:13.386Z.",
    }
    status = {"type": "string", "enum": list(STATUSES)}
    strings = {"type": "array", "items": {"type": "string"}}
    template_fields = ", ".join(f"${{{name}}}" for name in sorted(templates.SIGN_IN_VARIABLES))
    token_fields = ", ".join(f"${{{name}}}" for name in sorted(templates.TOKEN_VARIABLES))

    study_fields: Json = {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": model.MAX_NAME_LENGTH,
            "pattern": SINGLE_LINE_NOT_BLANK,
        },
        "shortName": _nullable(
            {
                "type": "string",
                "maxLength": model.MAX_SHORT_NAME_LENGTH,
                "pattern": SINGLE_LINE,
            }
        ),
        "sponsorName": _nullable(
            {"type": "string", "maxLength": model.MAX_NAME_LENGTH, "pattern": SINGLE_LINE}
        ),
        "supportEmail": _nullable({"anyOf": [{"const": ""}, email]}),
        "emailSignInEnabled": _nullable({"type": "boolean", "default": False}),
        "emailSignInTemplate": _nullable(
            {
                **_ref("EmailTemplate"),
                "description": "Left out or null: the service's default email.",
            }
        ),
        "onboardingTemplate": _nullable(
            {
                **_ref("OnboardingTemplate"),
                "description": "The onboarding email; left out or null: the service's default.",
            }
        ),
        "emailSignInTokenTtlSeconds": _nullable(
            {
                "type": "integer",
                "minimum": 1,
                "maximum": model.MAX_TOKEN_TTL_SECONDS,
                "default": 3600,
                "description": f"How long a sign-in token works, in seconds. {_WHOLE}",
            }
        ),
        "emailSignInRequestIntervalSeconds": _nullable(
            {
                "type": "integer",
                "minimum": 0,
                "maximum": model.MAX_REQUEST_INTERVAL_SECONDS,
                "default": 60,
                "description": "How long an address waits before another sign-in email, in "
                f"seconds. {_WHOLE}",
            }
        ),
        "reauthenticationEnabled": _nullable({"type": "boolean", "default": True}),
        "appleAppLinks": _nullable(
            {
                "type": "array",
                "items": _ref("AppleAppLink"),
                "description": "The iOS apps that open the study's sign-in links (published in "
                "/.well-known/apple-app-site-association). Refused (400) when the file would "
                f"grow past Apple's {association.MAX_AASA_BYTES // 1024} KB limit.",
            }
        ),
        "androidAppLinks": _nullable(
            {
                "type": "array",
                "items": _ref("AndroidAppLink"),
                "description": "The Android apps that open the study's sign-in links "
                "(published in /.well-known/assetlinks.json).",
            }
        ),
        "installLinks": _nullable(_ref("InstallLinks")),
        "appUrlScheme": _nullable(
            {
                "type": "string",
                "pattern": URL_SCHEME_PATTERN,
                "maxLength": app_links.MAX_URL_SCHEME_LENGTH,
                "description": "The app's custom URL scheme (lower case), for a fallback link "
                "that carries no secret. Not a scheme the system owns: "
                + ", ".join(sorted(app_links.RESERVED_SCHEMES))
                + ".",
                "examples": ["sleepstudy"],
            }
        ),
    }

    return {
        **_app_link_schemas(),
        "BridgeError": {
            "type": "object",
            "description": "Every error answer, in the Bridge shape.",
            "required": ["statusCode", "message", "type"],
            "additionalProperties": False,
            "properties": {
                "statusCode": {"type": "integer", "minimum": 400, "maximum": 599},
                "message": {"type": "string", "minLength": 1},
                "type": {"type": "string", "enum": list(ERROR_TYPES)},
                "errors": {
                    "type": "object",
                    "description": "Field path -> what is wrong with it and how to fix it.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "entityClass": {
                    "type": "string",
                    "description": "What was not found: Study, Account, StudyParticipant.",
                },
            },
            "examples": [
                {
                    "statusCode": 400,
                    "message": "EmailSignInRequest is invalid: email is required",
                    "type": "InvalidEntityException",
                    "errors": {"email": ["email is required"]},
                }
            ],
        },
        "StatusMessage": {
            "type": "object",
            "required": ["message", "type"],
            "additionalProperties": False,
            "properties": {
                "message": {"type": "string", "minLength": 1},
                "type": {"const": "StatusMessage"},
            },
        },
        "EmailSignInRequest": {
            "type": "object",
            "description": "Ask for a sign-in email. Other fields are ignored.",
            "required": ["email"],
            **names_the_study,
            "properties": {
                "study": study_ref,
                "appId": app_id,
                "email": email,
                "type": read_only,
            },
        },
        "EmailSignIn": {
            "type": "object",
            "description": "Trade the token from a sign-in email for a session.",
            "required": ["email", "token"],
            **names_the_study,
            "properties": {
                "study": study_ref,
                "appId": app_id,
                "email": email,
                "token": secret("The token from the link in the email."),
                "password": {
                    **new_password,
                    "description": "Optional: becomes the participant's password. "
                    + new_password["description"],
                },
                "type": read_only,
            },
        },
        "SignUp": {
            "type": "object",
            "required": ["email", "password"],
            **names_the_study,
            "properties": {
                "study": study_ref,
                "appId": app_id,
                "email": email,
                "password": new_password,
                "type": read_only,
            },
        },
        "SignIn": {
            "type": "object",
            "required": ["email", "password"],
            **names_the_study,
            "properties": {
                "study": study_ref,
                "appId": app_id,
                "email": email,
                "password": secret("The password.", passwords.MAX_LENGTH),
                "type": read_only,
            },
        },
        "Reauthentication": {
            "type": "object",
            "required": ["email", "reauthToken"],
            **names_the_study,
            "properties": {
                "study": study_ref,
                "appId": app_id,
                "email": email,
                "reauthToken": secret("The reauthToken of the last session; it works once."),
                "type": read_only,
            },
        },
        "ConsentSignature": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_CONSENT_NAME_LENGTH,
                    "pattern": NOT_BLANK,
                    "description": "The participant's name as signed.",
                },
            },
        },
        "UserSessionInfo": {
            "type": "object",
            "description": "A session (Bridge UserSessionInfo). Send `sessionToken` in the "
            f"{SESSION_HEADER} header.",
            "required": [
                "type",
                "authenticated",
                "sessionToken",
                "id",
                "email",
                "consented",
                "signedMostRecentConsent",
                "status",
                "createdOn",
                "emailVerified",
                "roles",
                "dataGroups",
                "studyIds",
                "attributes",
                "externalIds",
                "languages",
                "dataSharing",
                "sharingScope",
                "notifyByEmail",
            ],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "UserSessionInfo"},
                "authenticated": {"const": True},
                "sessionToken": {"type": "string", "minLength": 1},
                "reauthToken": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Only at sign-in, when the study has reauthentication on.",
                },
                "id": {"type": "string", "pattern": PARTICIPANT_ID_PATTERN},
                "email": {"type": "string"},
                "consented": {"type": "boolean"},
                "signedMostRecentConsent": {"type": "boolean"},
                "status": status,
                "createdOn": date_time,
                "emailVerified": {"type": "boolean"},
                "roles": strings,
                "dataGroups": strings,
                "studyIds": strings,
                "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
                "externalIds": {"type": "object", "additionalProperties": {"type": "string"}},
                "languages": strings,
                "dataSharing": {"type": "boolean"},
                "sharingScope": {
                    "type": "string",
                    "enum": ["no_sharing", "sponsors_and_partners", "all_qualified_researchers"],
                },
                "notifyByEmail": {"type": "boolean"},
            },
        },
        "StudyParticipant": {
            "type": "object",
            "required": [
                "id",
                "email",
                "status",
                "consented",
                "emailVerified",
                "createdOn",
                "studyIds",
                "roles",
                "dataGroups",
                "type",
            ],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": PARTICIPANT_ID_PATTERN},
                "email": {"type": "string"},
                "status": status,
                "consented": {"type": "boolean"},
                "emailVerified": {"type": "boolean"},
                "createdOn": date_time,
                "studyIds": strings,
                "roles": strings,
                "dataGroups": strings,
                "type": {"const": "StudyParticipant"},
            },
        },
        "ParticipantInput": {
            "type": "object",
            "description": "A researcher's create (email required) or change of a participant; "
            "fields left out stay as they are (or take their defaults). The read-only fields "
            "of a StudyParticipant may be sent back and are ignored; any other field is a 400.",
            "additionalProperties": False,
            "properties": {
                "email": email,
                "password": _nullable(new_password),
                "consented": _nullable({"type": "boolean", "default": False}),
                "status": _nullable({**status, "default": "enabled"}),
                "emailVerified": _nullable(
                    {
                        "type": "boolean",
                        "default": False,
                        "description": "A changed address is unverified unless this says so.",
                    }
                ),
            },
        },
        "NewParticipant": {
            "allOf": [_ref("ParticipantInput")],
            "required": ["email"],
            "description": "A participant to add: `email` is required.",
        },
        "EmailTemplate": _template_schema(
            f"Variables: {template_fields}. The body must carry the token (one of "
            f"{token_fields}); the subject must not. An unknown variable is a 400 naming it. "
            "In text/html templates the values are HTML-escaped.",
            TOKEN_VARIABLE_PATTERN,
            read_only,
        ),
        "OnboardingTemplate": _template_schema(
            "Variables: "
            + ", ".join(f"${{{name}}}" for name in sorted(templates.ONBOARDING.known))
            + ". The body must carry ${provisioningUrl} (or ${qrCode} in text/html).",
            _carries(templates.ONBOARDING.body_must_carry),
            read_only,
        ),
        "OnboardingRequest": {
            "type": "object",
            "required": ["participants"],
            "additionalProperties": False,
            "properties": {
                "participants": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_PARTICIPANTS_PER_REQUEST,
                    "items": {
                        "type": "object",
                        "required": ["email"],
                        "properties": {"email": email},
                    },
                },
                "force": {
                    "type": "boolean",
                    "default": False,
                    "description": "Send again to participants who had their email.",
                },
            },
        },
        "OnboardingResult": {
            "type": "object",
            "required": ["queued", "skipped", "created", "type"],
            "additionalProperties": False,
            "properties": {
                "queued": {"type": "integer", "minimum": 0},
                "skipped": {"type": "integer", "minimum": 0},
                "created": {"type": "integer", "minimum": 0},
                "type": {"const": "OnboardingResult"},
            },
        },
        "StudyInput": {
            "type": "object",
            "description": "A new study as a researcher writes it. Read-only fields (type, "
            "createdOn, modifiedOn, version) are ignored; any other unknown field is a 400 "
            "naming it.",
            "required": ["identifier", "name"],
            "additionalProperties": False,
            "properties": {
                "identifier": {
                    "type": "string",
                    "pattern": IDENTIFIER_PATTERN,
                    "description": "2 to 60 characters of a-z, 0-9 and -.",
                    "examples": [EXAMPLE_STUDY_ID],
                },
                **study_fields,
            },
        },
        "StudyUpdate": {
            "type": "object",
            "description": "The whole study, replacing the stored one: fields left out take "
            "their defaults. The identifier is the URL's (clients may send it back unchanged; "
            "a different one is a 400).",
            "required": ["name"],
            "additionalProperties": False,
            "properties": study_fields,
        },
        "Study": _every_field_required(
            {
                "identifier": {"type": "string", "pattern": IDENTIFIER_PATTERN},
                "name": {"type": "string"},
                "shortName": {"type": "string"},
                "sponsorName": {"type": "string"},
                "supportEmail": {"type": "string"},
                "emailSignInEnabled": {"type": "boolean"},
                "emailSignInTemplate": stored_template,
                "onboardingTemplate": stored_template,
                "emailSignInTokenTtlSeconds": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": model.MAX_TOKEN_TTL_SECONDS,
                },
                "emailSignInRequestIntervalSeconds": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": model.MAX_REQUEST_INTERVAL_SECONDS,
                },
                "reauthenticationEnabled": {"type": "boolean"},
                "appleAppLinks": {"type": "array", "items": _ref("AppleAppLink")},
                "androidAppLinks": {"type": "array", "items": _ref("AndroidAppLink")},
                "installLinks": {
                    **_ref("InstallLinks"),
                    "required": ["ios", "android"],
                },
                "appUrlScheme": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "createdOn": date_time,
                "modifiedOn": date_time,
                "type": {"const": "Study"},
            }
        ),
        "StudyList": {
            "type": "object",
            "required": ["items", "total", "type"],
            "additionalProperties": False,
            "properties": {
                "items": {"type": "array", "items": _ref("Study")},
                "total": {"type": "integer", "minimum": 0},
                "type": {"const": "ResourceList"},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "additionalProperties": False,
            "properties": {"status": {"const": "ok"}},
        },
        "Readiness": {
            "type": "object",
            "required": ["status", "redis"],
            "additionalProperties": False,
            "properties": {
                "status": {"type": "string", "enum": ["ready", "unavailable"]},
                "redis": {"type": "string", "description": "ok, or why Redis is not answering."},
            },
        },
    }


def _study_id(description: str = "The study's identifier.") -> Json:
    return {
        "name": "study_id",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": IDENTIFIER_PATTERN},
        "example": EXAMPLE_STUDY_ID,
    }


_PARTICIPANT_ID = {
    "name": "participant_id",
    "in": "path",
    "required": True,
    "description": "The participant's `id`.",
    "schema": {"type": "string", "pattern": PARTICIPANT_ID_PATTERN},
}
_ADMIN: list[dict[str, list[str]]] = [{ADMIN_SCHEME: []}]
_SESSION: list[dict[str, list[str]]] = [{SESSION_SCHEME: []}]


def _operations_paths() -> Json:
    health = {
        "operationId": "health",
        "tags": ["Operations"],
        "summary": "Liveness: 200 while the process is up.",
        "security": [],
        "responses": {"200": _ok("The process is up.", _ref("Health"))},
    }
    ready = {
        "operationId": "ready",
        "tags": ["Operations"],
        "summary": "Readiness: 200 only while Redis answers (point load balancers here).",
        "security": [],
        "responses": {
            "200": _ok("Redis answers.", _ref("Readiness")),
            "503": _ok("Redis does not answer.", _ref("Readiness")),
        },
    }
    document = {
        "operationId": "openapi",
        "tags": ["Documentation"],
        "summary": "This OpenAPI document.",
        "security": [],
        "responses": {
            "200": _ok(
                "The OpenAPI 3.1 document.",
                {"type": "object", "required": ["openapi", "info", "paths"]},
            )
        },
    }
    landing = {
        "operationId": "signInLanding",
        "tags": ["Sign-in links"],
        "summary": "The page a sign-in link opens in a browser; it never uses up the token.",
        "description": "Mail scanners fetch every link before the person taps it, so this page "
        "only reads and never looks at the token. Tailored to the device (User-Agent): an "
        "'Open the app' button on another host or the custom scheme, store links, an Android "
        "intent link, a QR code of the link on computers, and advice for in-app browsers.",
        "security": [],
        "parameters": [
            _study_id(),
            {"name": "email", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "token", "in": "query", "required": False, "schema": {"type": "string"}},
        ],
        "responses": _html_page(
            "The page for the study.", "No such study: a page saying the link is not valid."
        ),
    }
    return {
        "/health": {"get": health, "head": _head(health)},
        "/ready": {"get": ready, "head": _head(ready)},
        "/openapi.json": {"get": document, "head": _head(document)},
        "/s/{study_id}": {"get": landing, "head": _head(landing)},
        # Bridge's older link format opens the same page.
        "/mobile/{study_id}/startSession.html": {
            "get": {**landing, "operationId": "legacySignInLanding"},
            "head": {**_head(landing), "operationId": "legacySignInLandingHead"},
        },
    }


def _auth_paths() -> Json:
    study_or_endpoint_404 = _error(
        404,
        "Unknown study (`EntityNotFoundException`, entityClass Study), or the study has email "
        "sign-in turned off (`EndpointNotFoundException`).",
        "EntityNotFoundException",
        "EndpointNotFoundException",
        entity_classes=("Study",),
    )
    account_404 = _error(
        404,
        "`Account not found.`: a wrong, expired or used secret and an unknown account look the "
        "same; also an unknown study (entityClass Study) and, for email sign-in, a study with "
        "email sign-in off (`EndpointNotFoundException`).",
        "EntityNotFoundException",
        "EndpointNotFoundException",
        entity_classes=("Account", "Study"),
    )
    disabled = _error(423, "The account is disabled.", "AccountDisabledException")
    failed_429 = _error(
        429,
        "The client made too many failed sign-ins (MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP); "
        "retry after `Retry-After` seconds.",
        "RateLimitExceededException",
    )
    password_429 = _error(
        429,
        "Too many failed sign-ins from the client, or too many password attempts from the "
        "client or for the address (MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP, "
        "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP, MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS); an "
        "emailed link still signs the owner in.",
        "RateLimitExceededException",
    )
    password_503 = _error(
        503,
        "Redis is not answering, or more passwords are being checked than the service takes "
        "at once; retry after `Retry-After` seconds.",
        "ServiceUnavailableException",
    )
    example = {"study": EXAMPLE_STUDY_ID, "email": EXAMPLE_EMAIL}
    return {
        "/v3/auth/email": {
            "post": {
                "operationId": "requestEmailSignIn",
                "tags": ["Authentication"],
                "summary": "Email a sign-in link (and token) to the participant.",
                "description": "The answer is the same for known and unknown addresses; an email "
                "goes only to an enabled participant.",
                "security": [],
                "requestBody": _body("EmailSignInRequest", "Who asks, in which study.", example),
                "responses": {
                    "202": _ok("Accepted: the email (if any) is queued.", _ref("StatusMessage")),
                    "400": _bad_request("EmailSignInRequest"),
                    "404": study_or_endpoint_404,
                    "413": _TOO_LARGE,
                    "429": _error(
                        429,
                        "The address asked within the study's emailSignInRequestIntervalSeconds "
                        "(whether or not it has an account), or the client's network used up "
                        "its sign-in request budget (MAGICLINK_RATE_LIMIT_PER_IP). An address "
                        "past its emails of the day is answered 202 like any other.",
                        "RateLimitExceededException",
                    ),
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/v3/auth/email/signIn": {
            "post": {
                "operationId": "signInViaEmail",
                "tags": ["Authentication"],
                "summary": "Trade the token from a sign-in email for a session.",
                "description": "A correct token marks the address verified and uses up every "
                "outstanding token of the address; `password`, when given, becomes the password.",
                "security": [],
                "requestBody": _body("EmailSignIn", "The address and the emailed token."),
                "responses": {
                    **_session_answers(),
                    "400": _bad_request("EmailSignIn"),
                    "404": account_404,
                    "413": _TOO_LARGE,
                    "423": disabled,
                    "429": failed_429,
                    "503": password_503,
                },
            }
        },
        "/v3/auth/signUp": {
            "post": {
                "operationId": "signUp",
                "tags": ["Authentication"],
                "summary": "Create an account with a password.",
                "description": "201 also when the address has an account (nothing changes then). "
                "The password signs nobody in until the address is proven: the first sign-in by "
                "link or code drops it, unless that sign-in sends a new `password`.",
                "security": [],
                "requestBody": _body("SignUp", "The new account."),
                "responses": {
                    "201": _ok("Signed up.", _ref("StatusMessage")),
                    "400": _bad_request("SignUp"),
                    "404": _STUDY_404,
                    "413": _TOO_LARGE,
                    "429": password_429,
                    "503": password_503,
                },
            }
        },
        "/v3/auth/signIn": {
            "post": {
                "operationId": "signIn",
                "tags": ["Authentication"],
                "summary": "Sign in with a password.",
                "security": [],
                "requestBody": _body("SignIn", "The credentials."),
                "responses": {
                    **_session_answers(),
                    "400": _bad_request("SignIn"),
                    "404": account_404,
                    "413": _TOO_LARGE,
                    "423": disabled,
                    "429": password_429,
                    "503": password_503,
                },
            }
        },
        "/v3/auth/reauth": {
            "post": {
                "operationId": "reauthenticate",
                "tags": ["Authentication"],
                "summary": "Trade a reauth token for a new session and a new reauth token.",
                "description": "Each reauth token works once. 404 when the study has "
                "reauthentication off.",
                "security": [],
                "requestBody": _body("Reauthentication", "The address and the reauth token."),
                "responses": {
                    **_session_answers(),
                    "400": _bad_request("SignIn"),
                    "404": account_404,
                    "413": _TOO_LARGE,
                    "423": disabled,
                    "429": failed_429,
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/v4/auth/signOut": {
            "post": {
                "operationId": "signOut",
                "tags": ["Authentication"],
                "summary": "End the session.",
                "description": f"200 also for an unknown session; 400 without the "
                f"{SESSION_HEADER} header. The body is ignored.",
                "security": _SESSION,
                "responses": {
                    "200": _ok("Signed out.", _ref("StatusMessage")),
                    "400": _error(400, f"No {SESSION_HEADER} header.", "BadRequestException"),
                    "503": _UNAVAILABLE,
                },
            }
        },
    }


def _participant_paths() -> Json:
    get_self = {
        "operationId": "getUsersParticipantRecord",
        "tags": ["Participants"],
        "summary": "The signed-in participant.",
        "security": _SESSION,
        "responses": {
            "200": _ok("The participant.", _ref("StudyParticipant")),
            "401": _SESSION_401,
            "503": _UNAVAILABLE,
        },
    }
    return {
        "/v3/participants/self": {"get": get_self, "head": _head(get_self)},
        "/v3/consents/signature": {
            "post": {
                "operationId": "createConsentSignature",
                "tags": ["Consents"],
                "summary": "Sign the study's consent.",
                "description": "Answers the refreshed session, now consented; the session "
                "token stays the same and no reauth token is handed out.",
                "security": _SESSION,
                "requestBody": _body("ConsentSignature", "The signature.", {"name": "Ada"}),
                "responses": {
                    "201": _ok("Consented: the session.", _ref("UserSessionInfo")),
                    "400": _bad_request("ConsentSignature"),
                    "401": _SESSION_401,
                    "413": _TOO_LARGE,
                    "503": _UNAVAILABLE,
                },
            }
        },
    }


def _study_paths() -> Json:
    update: Json = {
        "tags": ["Studies"],
        "summary": "Replace the study (fields left out take their defaults).",
        "security": _ADMIN,
        "parameters": [_study_id()],
        "requestBody": _body("StudyUpdate", "The whole study."),
        "responses": {
            "200": _ok("The stored study.", _ref("Study")),
            "400": _bad_request("Study"),
            "401": _ADMIN_401,
            "404": _STUDY_404,
            "413": _TOO_LARGE,
            "503": _UNAVAILABLE,
        },
    }
    get_study = {
        "operationId": "getStudy",
        "tags": ["Studies"],
        "summary": "One study.",
        "security": _ADMIN,
        "parameters": [_study_id()],
        "responses": {
            "200": _ok("The study.", _ref("Study")),
            "401": _ADMIN_401,
            "404": _STUDY_404,
            "503": _UNAVAILABLE,
        },
    }
    list_studies = {
        "operationId": "getStudies",
        "tags": ["Studies"],
        "summary": "Every study.",
        "security": _ADMIN,
        "responses": {
            "200": _ok("The studies.", _ref("StudyList")),
            "401": _ADMIN_401,
            "503": _UNAVAILABLE,
        },
    }
    example = {
        "identifier": EXAMPLE_STUDY_ID,
        "name": "Sleep Study",
        "shortName": "Sleep",
        "emailSignInEnabled": True,
        "emailSignInTokenTtlSeconds": 3600,
        "emailSignInRequestIntervalSeconds": 60,
        "appleAppLinks": [
            {
                "appID": app_links.EXAMPLE_APP_ID,
                "paths": [f"/s/{EXAMPLE_STUDY_ID}", f"/s/{EXAMPLE_STUDY_ID}/*"],
            }
        ],
        "androidAppLinks": [
            {
                "namespace": app_links.ANDROID_NAMESPACE,
                "package_name": app_links.EXAMPLE_PACKAGE,
                "sha256_cert_fingerprints": [app_links.EXAMPLE_FINGERPRINT],
            }
        ],
        "installLinks": {
            "ios": "https://apps.apple.com/app/id123456789",
            "android": f"https://play.google.com/store/apps/details?id={app_links.EXAMPLE_PACKAGE}",
        },
        "appUrlScheme": "sleepstudy",
    }
    return {
        "/v3/studies": {
            "get": list_studies,
            "head": _head(list_studies),
            "post": {
                "operationId": "createStudy",
                "tags": ["Studies"],
                "summary": "Create a study.",
                "security": _ADMIN,
                "requestBody": _body("StudyInput", "The new study.", example),
                "responses": {
                    "201": _ok("The stored study.", _ref("Study")),
                    "400": _bad_request("Study"),
                    "401": _ADMIN_401,
                    "409": _error(409, "The identifier is taken.", "EntityAlreadyExistsException"),
                    "413": _TOO_LARGE,
                    "503": _UNAVAILABLE,
                },
            },
        },
        "/v3/studies/{study_id}": {
            "get": get_study,
            "head": _head(get_study),
            "put": {**update, "operationId": "updateStudy"},
            "post": {
                **update,
                "operationId": "updateStudyWithPost",
                "description": "The same as PUT (Bridge SDKs update with POST).",
            },
            "delete": {
                "operationId": "deleteStudy",
                "tags": ["Studies"],
                "summary": "Delete the study and its participants.",
                "security": _ADMIN,
                "parameters": [_study_id()],
                "responses": {
                    "200": _ok("Deleted.", _ref("StatusMessage")),
                    "401": _ADMIN_401,
                    "404": _STUDY_404,
                    "503": _UNAVAILABLE,
                },
            },
        },
    }


def _provisioning_export_paths() -> Json:
    """A study's managed app configuration for MDM/EMM consoles (routes/provisioning_exports)."""
    missing_app = _error(
        400,
        "The study lacks an app link the format needs (the AppConfig specfile names the iOS app "
        "by the bundle id of the first `appleAppLinks` entry); `errors` names the field.",
        "InvalidEntityException",
    )
    exports = (
        (
            "appconfig.xml",
            "getStudyAppConfigSpecfile",
            "The AppConfig Community specfile for the study's iOS app.",
            "`managedAppConfiguration` with `version`, `bundleId` (from the first "
            "`appleAppLinks` entry), `dict` (each key with its type and default) and "
            "`presentation` (labels for the MDM console). Upload it to an MDM that reads "
            "AppConfig specfiles.",
            "application/xml",
            True,
        ),
        (
            "managed-config.plist",
            "getStudyManagedConfigPlist",
            "The managed app configuration an MDM pushes to the study's iOS app.",
            "A flat property list (`com.apple.configuration.managed`) with every key filled in: "
            "`serverUrl`, `studyId`, `allowOtherServers`, `username` (an MDM variable for the "
            "user's email address; see the README for each MDM's spelling).",
            "application/x-plist",
            False,
        ),
        (
            "app_restrictions.xml",
            "getStudyAppRestrictions",
            "The Android managed-configuration schema for the study's app.",
            "`restrictions` with one `restriction` per key (`android:key`, "
            "`android:restrictionType`, `android:title`, `android:defaultValue`): the app's "
            "`res/xml/app_restrictions.xml`.",
            "application/xml",
            False,
        ),
    )
    paths: Json = {}
    for filename, operation_id, summary, description, media_type, needs_apple in exports:
        responses: Json = {
            "200": {
                "description": "The file (sent as an attachment).",
                "content": {media_type: {"schema": {"type": "string"}}},
            },
            "401": _ADMIN_401,
            "404": _STUDY_404,
            "503": _UNAVAILABLE,
        }
        if needs_apple:
            responses["400"] = missing_app
        get: Json = {
            "operationId": operation_id,
            "tags": ["Studies"],
            "summary": summary,
            "description": description,
            "security": _ADMIN,
            "parameters": [_study_id()],
            "responses": responses,
        }
        paths[f"/v3/studies/{{study_id}}/provisioning/{filename}"] = {
            "get": get,
            "head": _head(get),
        }
    return paths


def _provisioning_link_paths() -> Json:
    """A study's provisioning link: its page, and its summary for researchers
    (routes/provisioning)."""
    page = {
        "operationId": "provisioningLanding",
        "tags": ["Provisioning"],
        "summary": "The page a study's provisioning link opens in a browser; it carries no secret.",
        "description": "Step 1: install the app (the study's store links). Step 2: open it with "
        "the link (an 'Open the app' button on another host or the custom scheme, an Android "
        "intent link, a QR code of the link on computers). `login_hint` is shown only masked.",
        "security": [],
        "parameters": [
            _study_id(),
            {"name": "login_hint", "in": "query", "required": False, "schema": {"type": "string"}},
        ],
        "responses": _html_page(
            "The page for the study.", "No such study: a page saying the link is not valid."
        ),
    }
    url = {"type": "string", "format": "uri"}
    summary = {
        "type": "object",
        "required": ["link", "qrCodeSvg", "exports", "type"],
        "additionalProperties": False,
        "properties": {
            "link": {**url, "description": "`{base}/p/{studyId}`: the study's provisioning link."},
            "qrCodeSvg": {"type": "string", "description": "The link's QR code, an <svg> element."},
            "exports": {
                "type": "object",
                "required": ["appconfig", "managedConfig", "appRestrictions"],
                "additionalProperties": False,
                "properties": {
                    "appconfig": url,
                    "managedConfig": url,
                    "appRestrictions": url,
                },
            },
            "type": {"const": "StudyProvisioning"},
        },
    }
    get: Json = {
        "operationId": "getStudyProvisioning",
        "tags": ["Studies"],
        "summary": "The study's provisioning link, its QR code and the URLs of its MDM exports.",
        "security": _ADMIN,
        "parameters": [_study_id()],
        "responses": {
            "200": _ok("The study's provisioning.", summary),
            "401": _ADMIN_401,
            "404": _STUDY_404,
            "503": _UNAVAILABLE,
        },
    }
    return {
        "/p/{study_id}": {"get": page, "head": _head(page)},
        "/v3/studies/{study_id}/provisioning": {"get": get, "head": _head(get)},
    }


def _study_participant_paths() -> Json:
    participant_404 = _error(
        404,
        "No such study, or no participant with this id in it.",
        "EntityNotFoundException",
        entity_classes=("Study", "StudyParticipant"),
    )
    taken = _error(
        409, "A participant of the study has this address.", "EntityAlreadyExistsException"
    )
    update: Json = {
        "tags": ["Participants"],
        "summary": "Change the participant (also the address); fields left out stay.",
        "description": "A new address ends the participant's sessions and outstanding tokens.",
        "security": _ADMIN,
        "parameters": [_study_id(), _PARTICIPANT_ID],
        "requestBody": _body("ParticipantInput", "The fields to change."),
        "responses": {
            "200": _ok("The stored participant.", _ref("StudyParticipant")),
            "400": _bad_request("StudyParticipant"),
            "401": _ADMIN_401,
            "404": participant_404,
            "409": taken,
            "413": _TOO_LARGE,
            "503": _UNAVAILABLE,
        },
    }
    get_participant = {
        "operationId": "getParticipant",
        "tags": ["Participants"],
        "summary": "One participant.",
        "security": _ADMIN,
        "parameters": [_study_id(), _PARTICIPANT_ID],
        "responses": {
            "200": _ok("The participant.", _ref("StudyParticipant")),
            "401": _ADMIN_401,
            "404": participant_404,
            "503": _UNAVAILABLE,
        },
    }
    onboarding = {
        "operationId": "startOnboarding",
        "tags": ["Participants"],
        "summary": "Email each listed participant how to set up the app (once each).",
        "description": "Participants are created when missing. Each gets one email (the "
        "study's onboardingTemplate): the app's install links and the provisioning link with "
        "their address as login hint. Running the same list again sends nobody a second "
        "email unless force is true.",
        "security": _ADMIN,
        "parameters": [_study_id()],
        "requestBody": _body(
            "OnboardingRequest",
            "Who to onboard.",
            {"participants": [{"email": EXAMPLE_EMAIL}]},
        ),
        "responses": {
            "202": _ok(
                "Queued; how many were queued, skipped and created.", _ref("OnboardingResult")
            ),
            "400": _bad_request("Onboarding"),
            "401": _ADMIN_401,
            "404": _STUDY_404,
            "413": _TOO_LARGE,
            "503": _UNAVAILABLE,
        },
    }
    return {
        "/v3/studies/{study_id}/onboarding": {"post": onboarding},
        "/v3/studies/{study_id}/participants": {
            "post": {
                "operationId": "createParticipant",
                "tags": ["Participants"],
                "summary": "Add a participant to the study (email required).",
                "security": _ADMIN,
                "parameters": [_study_id()],
                "requestBody": _body(
                    "NewParticipant",
                    "The new participant; `email` is required.",
                    {"email": EXAMPLE_EMAIL, "consented": True, "emailVerified": True},
                ),
                "responses": {
                    "201": _ok("The stored participant, with its id.", _ref("StudyParticipant")),
                    "400": _bad_request("StudyParticipant"),
                    "401": _ADMIN_401,
                    "404": _STUDY_404,
                    "409": taken,
                    "413": _TOO_LARGE,
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/v3/studies/{study_id}/participants/{participant_id}": {
            "get": get_participant,
            "head": _head(get_participant),
            "put": {**update, "operationId": "updateParticipant"},
            "post": {
                **update,
                "operationId": "updateParticipantWithPost",
                "description": "The same as PUT. " + update["description"],
            },
            "delete": {
                "operationId": "deleteParticipant",
                "tags": ["Participants"],
                "summary": "Delete the participant, its sessions and tokens.",
                "security": _ADMIN,
                "parameters": [_study_id(), _PARTICIPANT_ID],
                "responses": {
                    "200": _ok("Deleted.", _ref("StatusMessage")),
                    "401": _ADMIN_401,
                    "404": participant_404,
                    "503": _UNAVAILABLE,
                },
            },
        },
    }


def _association_paths() -> Json:
    cache_headers = {
        "ETag": {
            "description": "A strong validator: a hash of the file.",
            "required": True,
            "schema": {"type": "string", "pattern": '^"[0-9a-f]{32}"$'},
        },
        "Cache-Control": {
            "description": "Caches may keep the file a few minutes.",
            "required": True,
            "schema": {"type": "string"},
        },
    }

    def operation(operation_id: str, summary: str, description: str, schema: str) -> Json:
        return {
            "operationId": operation_id,
            "tags": ["App links"],
            "summary": summary,
            "description": description + " Served at exactly this URL (no redirect) as exactly "
            "`application/json`, built from every study; a study change shows at once.",
            "security": [],
            "parameters": [
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "description": "The ETag of a copy you have: 304 while it is current.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": {
                    "description": "The file.",
                    "headers": copy.deepcopy(cache_headers),
                    "content": _json(_ref(schema)),
                },
                "304": {
                    "description": "The copy named by If-None-Match is current.",
                    "headers": copy.deepcopy(cache_headers),
                },
                "503": _UNAVAILABLE,
            },
        }

    apple = operation(
        "appleAppSiteAssociation",
        "The iOS apps that open sign-in links as universal links.",
        "Apple's CDN fetches it (at most "
        f"{association.MAX_AASA_BYTES // 1024} KB): each study's appleAppLinks, in both the "
        "modern and the legacy form, plus webcredentials.",
        "AppleAppSiteAssociation",
    )
    android = operation(
        "assetLinks",
        "The Android apps that open sign-in links as App Links.",
        "Android verifies App Links against it: one statement per app of the studies' "
        "androidAppLinks (handle_all_urls and get_login_creds), limited on Android 15+ to the "
        "studies' sign-in paths.",
        "AssetLinks",
    )
    return {
        association.AASA_PATH: {"get": apple, "head": _head(apple)},
        association.ASSETLINKS_PATH: {"get": android, "head": _head(android)},
    }


_DESCRIPTION = f"""\
Passwordless ("magic link") sign-in for mobile research apps, speaking the Bridge REST contract.

Every error is a JSON body in the Bridge shape (`BridgeError`):
`{{"statusCode": 400, "message": "...", "type": "InvalidEntityException", "errors": {{...}}}}`.
A method a path does not list answers 405 (`MethodNotAllowedException`) with an `Allow` header;
a path that does not exist answers 404 (`EndpointNotFoundException`). Any endpoint that needs
Redis answers 503 (`ServiceUnavailableException`) with `Retry-After` while Redis is unavailable.

Participants send their session in the `{SESSION_HEADER}` header; the researcher API needs
`Authorization: Bearer <MAGICLINK_ADMIN_KEY>`.
"""


@cache
def _document() -> Json:
    paths: Json = {
        **_operations_paths(),
        **_auth_paths(),
        **_participant_paths(),
        **_study_paths(),
        **_provisioning_export_paths(),
        **_provisioning_link_paths(),
        **_study_participant_paths(),
        **_association_paths(),
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "magiclink",
            "version": __version__,
            "description": _DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [
            {"name": "Authentication", "description": "Public sign-in endpoints (Bridge)."},
            {
                "name": "Participants",
                "description": "A participant's own record, and the "
                "researcher API for a study's participants.",
            },
            {"name": "Consents", "description": "Consent signatures."},
            {"name": "Studies", "description": "Researcher API: studies."},
            {"name": "Sign-in links", "description": "Pages that sign-in links open."},
            {"name": "Provisioning", "description": "Pages that provisioning links open."},
            {
                "name": "App links",
                "description": "The files that let iOS and Android apps open sign-in links.",
            },
            {"name": "Operations", "description": "Liveness and readiness."},
            {"name": "Documentation", "description": "This document."},
        ],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "responses": {
                "MethodNotAllowed": _error(
                    405,
                    "The path does not support the method; `Allow` lists the methods it does.",
                    "MethodNotAllowedException",
                ),
                "EndpointNotFound": _error(
                    404, "No endpoint at this path.", "EndpointNotFoundException"
                ),
            },
            "securitySchemes": {
                ADMIN_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A researcher/admin API key: MAGICLINK_ADMIN_KEY or a named "
                    "key made by `magiclink admin-key create NAME`.",
                },
                SESSION_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": SESSION_HEADER,
                    "description": "The sessionToken of a UserSessionInfo.",
                },
            },
        },
    }


def openapi_document(base_url: str | None = None) -> Json:
    """The document (a fresh copy), naming ``base_url`` as its server when given."""
    document = copy.deepcopy(_document())
    if base_url:
        document["servers"] = [{"url": base_url}]
    return document
