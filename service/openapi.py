"""The OpenAPI 3.1 document of every endpoint, built from the validators' own constants.

Limits (lengths, ranges, patterns) come from the modules that enforce them, so the document
cannot drift from the code; ``tests/unit/test_openapi.py`` checks that every route the app
registers is documented with the same methods, and that the answers the code builds match
the schemas here. ``GET /openapi.json`` serves it (``service/routes/docs.py``).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from service import __version__
from service.accounts import email_address
from service.accounts.participant import STATUSES
from service.auth import passwords
from service.auth.requests import MAX_SECRET_LENGTH
from service.routes.auth import SESSION_HEADER
from service.routes.participant_self import MAX_CONSENT_NAME_LENGTH
from service.studies import model, templates

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


_NO_BREAK = f"[^{_regex_escape(templates.LINE_BREAKS)}]"
# One line with at least one character that is not white space.
SINGLE_LINE_NOT_BLANK = f"^{_NO_BREAK}*\\S{_NO_BREAK}*$"
SINGLE_LINE = f"^{_NO_BREAK}*$"
NOT_BLANK = "\\S"
# What address_problem() accepts (after trimming), local part length included.
EMAIL_PATTERN = (
    f"^{email_address.LOCAL_CHAR}{{1,{email_address.MAX_LOCAL_LENGTH}}}"
    f"@{email_address.LABEL_CHAR}+(\\.{email_address.LABEL_CHAR}+)+$"
)
IDENTIFIER_PATTERN = f"^{model.IDENTIFIER.pattern}$"
# Participant ids are secrets.token_urlsafe() values.
PARTICIPANT_ID_PATTERN = "^[A-Za-z0-9_-]+$"
# A template body must carry the sign-in token through one of these variables.
TOKEN_VARIABLE_PATTERN = (
    "\\$\\{(" + "|".join(sorted(templates.TOKEN_VARIABLES)) + ")\\}"
)

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


def _error(status: int, description: str, *types: str, entity_classes: tuple[str, ...] = ()) -> Json:
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
    "The body is larger than the service accepts (64 KiB unless configured otherwise).",
    "PayloadTooLargeException",
)
_UNAVAILABLE = _error(
    503, "Redis is not answering; retry after `Retry-After` seconds.", "ServiceUnavailableException"
)
_ADMIN_401 = _error(
    401,
    "No `Authorization: Bearer <MAGICLINK_ADMIN_KEY>` header, a wrong key, or the admin API is "
    "turned off.",
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


def _ok(description: str, schema: Json, headers: Json | None = None) -> Json:
    response: Json = {"description": description, "content": _json(schema)}
    if headers:
        response["headers"] = headers
    return response


def _session_answers() -> Json:
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
        "emailSignInTokenTtlSeconds": _nullable(
            {
                "type": "integer",
                "minimum": 1,
                "maximum": model.MAX_TOKEN_TTL_SECONDS,
                "default": 3600,
            }
        ),
        "emailSignInRequestIntervalSeconds": _nullable(
            {
                "type": "integer",
                "minimum": 0,
                "maximum": model.MAX_REQUEST_INTERVAL_SECONDS,
                "default": 60,
                "description": "How long an address waits before another sign-in email.",
            }
        ),
        "reauthenticationEnabled": _nullable({"type": "boolean", "default": True}),
    }

    return {
        "200": _ok("Signed in: the session.", _ref("UserSessionInfo")),
        "412": _ok(
            "Signed in, but the participant has not consented: the same live session; "
            "sign the consent with `POST /v3/consents/signature`.",
            _ref("UserSessionInfo"),
        ),
    }


def _head(get: Json) -> Json:
    """The HEAD twin of a GET operation: the same answers, without bodies."""
    head = copy.deepcopy(get)
    head["operationId"] = get["operationId"] + "Head"
    head["summary"] = "Headers only: " + get["summary"][0].lower() + get["summary"][1:]
    for response in head["responses"].values():
        response.pop("content", None)
    return head


def _schemas() -> Json:
    email = {
        "type": "string",
        "maxLength": email_address.MAX_LENGTH,
        "pattern": EMAIL_PATTERN,
        "description": (
            f"An email address, at most {email_address.MAX_LENGTH} characters with at most "
            f"{email_address.MAX_LOCAL_LENGTH} before the @. Surrounding white space is "
            "trimmed; accounts are looked up case-insensitively."
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
        return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}

    new_password = {
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

    return {
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
        "EmailTemplate": {
            "type": "object",
            "description": f"Variables: {template_fields}. The body must carry the token (one of "
            f"{token_fields}); the subject must not. An unknown variable is a 400 naming it. "
            "In text/html templates the values are HTML-escaped.",
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
                    "pattern": TOKEN_VARIABLE_PATTERN,
                },
                "mimeType": {
                    "type": "string",
                    "enum": list(templates.MIME_TYPES),
                    "default": templates.MIME_TYPES[0],
                },
                "type": read_only,
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
        "Study": {
            "type": "object",
            "required": [
                "identifier",
                "name",
                "shortName",
                "sponsorName",
                "supportEmail",
                "emailSignInEnabled",
                "emailSignInTemplate",
                "emailSignInTokenTtlSeconds",
                "emailSignInRequestIntervalSeconds",
                "reauthenticationEnabled",
                "createdOn",
                "modifiedOn",
                "type",
            ],
            "additionalProperties": False,
            "properties": {
                "identifier": {"type": "string", "pattern": IDENTIFIER_PATTERN},
                "name": {"type": "string"},
                "shortName": {"type": "string"},
                "sponsorName": {"type": "string"},
                "supportEmail": {"type": "string"},
                "emailSignInEnabled": {"type": "boolean"},
                "emailSignInTemplate": {
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
                },
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
                "createdOn": date_time,
                "modifiedOn": date_time,
                "type": {"const": "Study"},
            },
        },
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
