"""The OpenAPI 3.1 document, generated from the operation table and the models.

Each operation's request body and answers come from its models (``model_json_schema``); the
error answers every operation can give (a bad body, a missing key, Redis away) are derived
from what the operation declares, so they cannot be forgotten.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from service import __version__
from service.api.errors import ERROR_TYPES
from service.api.operations import Access, Answer, Failure, Operation
from service.api.schemas.common import BridgeError
from service.api.session_auth import SESSION_HEADER as SESSION_HEADER  # re-exported
from service.settings import Settings

Json = dict[str, Any]

OPENAPI_VERSION = "3.1.0"
ADMIN_SCHEME = "adminBearer"
SESSION_SCHEME = "bridgeSession"

_DESCRIPTION = """\
Passwordless sign-in for mobile research apps, speaking the Bridge REST contract.

An app asks `POST /v3/auth/email`; the participant gets an email with a link (and a short
code); the app trades the token at `POST /v3/auth/email/signIn` for a session, sent back in
the `Bridge-Session` header. Errors are JSON in Bridge's shape (`BridgeError`); an invalid
body's `errors` names each bad field and says how to fix it.
"""

_TAGS = [
    {"name": "Authentication", "description": "Public sign-in endpoints (Bridge)."},
    {
        "name": "Participants",
        "description": "A participant's own record, and the researcher API for a study's "
        "participants.",
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
]

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}

_MAX_BODY_BYTES: int = Settings.model_fields["max_body_bytes"].default
_UNAVAILABLE = Failure(
    "Redis is not answering; retry after `Retry-After` seconds.", ("ServiceUnavailableException",)
)
_TOO_LARGE = Failure(
    f"The body is larger than the service accepts ({_MAX_BODY_BYTES // 1024} KiB).",
    ("PayloadTooLargeException",),
)
_UNAUTHENTICATED = {
    Access.ADMIN: Failure(
        "No `Authorization: Bearer <key>` header, or a key that is neither MAGICLINK_ADMIN_KEY "
        "nor a live named key (`magiclink admin-key create NAME`).",
        ("NotAuthenticatedException",),
    ),
    Access.PARTICIPANT: Failure(
        f"No {SESSION_HEADER} header, or the session is unknown, expired or signed out.",
        ("NotAuthenticatedException",),
    ),
}
_SECURITY = {
    Access.ADMIN: ADMIN_SCHEME,
    Access.PARTICIPANT: SESSION_SCHEME,
    Access.SESSION_OPTIONAL: SESSION_SCHEME,
}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(status: int, failure: Failure, names: dict[type[BaseModel], str] | None = None) -> Json:
    """A Bridge error answer: ``statusCode`` is the status, ``type`` one of the failure's; the
    body is the failure's own model (``names`` has its schema's name), else BridgeError."""
    model = names.get(failure.model) if failure.model is not None and names else None
    base = _ref(model or "BridgeError")
    refined: Json = {
        "type": "object",
        "properties": {"statusCode": {"const": status}, "type": {"enum": list(failure.types)}},
    }
    if failure.entity_classes:
        refined["properties"]["entityClass"] = {"enum": list(failure.entity_classes)}
    response: Json = {
        "description": failure.description,
        "content": {"application/json": {"schema": {"allOf": [base, refined]}}},
    }
    headers = {**(_RETRY_AFTER if status in (429, 503) else {}), **failure.headers}
    if headers:
        response["headers"] = copy.deepcopy(headers)
    return response


def _failures(operation: Operation) -> dict[int, Failure]:
    """The error answers the table's own machinery gives, then the operation's own."""
    found: dict[int, Failure] = {}
    if operation.body is not None:
        entity = operation.entity or operation.body.__name__
        found[400] = Failure(
            f"The body is not a JSON object, not valid JSON, or not a valid {entity}; "
            "`errors` names each bad field and says how to fix it.",
            ("BadRequestException", "InvalidEntityException"),
        )
        found[413] = (
            Failure(
                "The body is larger than this operation accepts "
                f"({operation.max_body_bytes // 1024} KiB).",
                ("PayloadTooLargeException",),
            )
            if operation.max_body_bytes
            else _TOO_LARGE
        )
    if operation.access in _UNAUTHENTICATED:
        found[401] = _UNAUTHENTICATED[operation.access]
    if operation.uses_redis:
        found[503] = _UNAVAILABLE
    return {**found, **operation.failures}


def _answer(answer: Answer, names: dict[type[BaseModel], str]) -> Json:
    response: Json = {"description": answer.description}
    schema: Json | None = None
    if answer.model is not None:
        schema = _ref(names[answer.model])
    elif answer.schema is not None:
        schema = copy.deepcopy(dict(answer.schema))
    if schema is not None:
        media: Json = {"schema": schema}
        if answer.example is not None:
            media["example"] = answer.example
        response["content"] = {answer.media_type: media}
    if answer.headers:
        response["headers"] = copy.deepcopy(dict(answer.headers))
    if answer.links:
        response["links"] = copy.deepcopy(dict(answer.links))
    return response


def _parameters(operation: Operation) -> list[Json]:
    found: list[Json] = []
    for parameter in operation.parameters:
        item: Json = {
            "name": parameter.name,
            "in": parameter.where,
            "description": parameter.description,
            "required": parameter.required or parameter.where == "path",
            "schema": copy.deepcopy(dict(parameter.schema)),
        }
        if parameter.example is not None:
            item["example"] = parameter.example
        found.append(item)
    return found


def _operation(operation: Operation, names: dict[type[BaseModel], str]) -> Json:
    item: Json = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
    }
    if operation.description:
        item["description"] = operation.description
    parameters = _parameters(operation)
    if parameters:
        item["parameters"] = parameters
    # An empty list says "anyone may call": the document has no global default.
    scheme = _SECURITY.get(operation.access)
    item["security"] = [{scheme: []}] if scheme else []
    if operation.access is Access.SESSION_OPTIONAL:
        item["security"].append({})  # {} is "or none at all"
    if operation.body is not None:
        media: Json = {"schema": _ref(names[operation.body])}
        if operation.body_example is not None:
            media["example"] = operation.body_example
        item["requestBody"] = {
            "description": operation.body_description,
            "required": True,
            "content": {
                media_type: copy.deepcopy(media) for media_type in operation.body_media_types
            },
        }
    responses: Json = {
        str(status): _answer(answer, names) for status, answer in operation.answers.items()
    }
    for status, failure in _failures(operation).items():
        responses[str(status)] = _error(status, failure, names)
    item["responses"] = dict(sorted(responses.items()))
    return item


def _head(get: Json) -> Json:
    """The HEAD twin of a GET operation: the same answers, without bodies."""
    head = copy.deepcopy(get)
    head["operationId"] = get["operationId"] + "Head"
    head["summary"] = "Headers only: " + get["summary"][0].lower() + get["summary"][1:]
    for response in head["responses"].values():
        response.pop("content", None)
    return head


def _without_titles(schema: Any) -> Any:
    """pydantic titles every property after its Python name; the descriptions say more."""
    if isinstance(schema, dict):
        return {
            key: _without_titles(value)
            for key, value in schema.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(schema, list):
        return [_without_titles(item) for item in schema]
    return schema


Mode = Literal["validation", "serialization"]


def _schemas(operations: Sequence[Operation]) -> tuple[Json, dict[type[BaseModel], str]]:
    wanted: dict[tuple[type[BaseModel], Mode], None] = {(BridgeError, "serialization"): None}
    for operation in operations:
        if operation.body is not None:
            wanted[(operation.body, "validation")] = None
        for answer in operation.answers.values():
            if answer.model is not None:
                wanted[(answer.model, "serialization")] = None
        for failure in operation.failures.values():
            if failure.model is not None:
                wanted[(failure.model, "serialization")] = None
    refs, definitions = models_json_schema(
        list(wanted), by_alias=True, ref_template="#/components/schemas/{model}"
    )
    names = {
        model: ref["$ref"].rsplit("/", 1)[1]
        for (model, _), ref in refs.items()
        if isinstance(model, type) and issubclass(model, BaseModel)
    }
    schemas: Json = _without_titles(definitions.get("$defs", {}))
    for model, name in names.items():
        if issubclass(model, BridgeError):  # BridgeError and the richer error bodies
            schemas[name]["properties"]["type"]["enum"] = list(ERROR_TYPES)
    return schemas, names


def build_document(operations: Iterable[Operation]) -> Json:
    table = list(operations)
    schemas, names = _schemas(table)
    paths: Json = {}
    for operation in table:
        methods = paths.setdefault(operation.path, {})
        get = _operation(operation, names)
        methods[operation.method.lower()] = get
        if operation.method == "GET" and operation.answers_head:
            methods["head"] = _head(get)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "magiclink",
            "version": __version__,
            "description": _DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": copy.deepcopy(_TAGS),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "MethodNotAllowed": _error(
                    405,
                    Failure(
                        "The path does not support the method; `Allow` lists the methods it does.",
                        ("MethodNotAllowedException",),
                    ),
                ),
                "EndpointNotFound": _error(
                    404, Failure("No endpoint at this path.", ("EndpointNotFoundException",))
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


@cache
def _built() -> str:
    from service.api.table import OPERATIONS  # the table imports every handler module

    return json.dumps(build_document(OPERATIONS))


def openapi_document(base_url: str | None = None) -> Json:
    """The document (a fresh copy), naming ``base_url`` as its server when given."""
    document: Json = json.loads(_built())
    if base_url:
        document["servers"] = [{"url": base_url}]
    return document
