"""Our ``/v3`` and ``/v4`` operations against Bridge's whole REST definition.

Bridge's SDKs are generated from ``tests/contracts/bridge-rest-api.json.gz``, so every operation
we serve under Bridge's version prefixes is one of its operations (same path and method), or
one of our own extensions, listed below with the reason. For Bridge's operations, our request
body declares every property Bridge's body marks required (a generated client sends them), and
our answers carry no property Bridge's answer lacks (a generated model would not know it).

Our side is read from the OpenAPI document the service publishes (``/openapi.json``), which is
generated from the operation table.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from service.api.document import openapi_document

DEFINITION = Path(__file__).resolve().parents[1] / "contracts" / "bridge-rest-api.json.gz"
BRIDGE_PREFIXES = ("/v3/", "/v4/")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

_ADMIN = "our researcher API (admin key): studies are configured in the service, not in Bridge"
# (method, path) -> why we serve it although Bridge's definition does not have it.
EXTENSIONS: dict[tuple[str, str], str] = {
    ("POST", "/v3/auth/signOut"): "Bridge's deprecated sign-out, absent from its definition, "
    "still called by Bridge's iOS SDK",
    ("POST", "/v3/consents/signature"): "Bridge's deprecated consent to the default "
    "subpopulation (BridgeServer2's ConsentController still serves it), absent from its "
    "definition",
    ("POST", "/v3/consents/signature/withdraw"): "Bridge's deprecated withdrawal from the "
    "default subpopulation (BridgeServer2's ConsentController still serves it), absent from "
    "its definition",
    ("POST", "/v3/studies"): _ADMIN,
    ("GET", "/v3/studies"): _ADMIN,
    ("GET", "/v3/studies/{}"): _ADMIN,
    ("PUT", "/v3/studies/{}"): _ADMIN,
    ("POST", "/v3/studies/{}"): _ADMIN,
    ("DELETE", "/v3/studies/{}"): _ADMIN,
    ("PATCH", "/v3/studies/{}"): _ADMIN,
    ("GET", "/v3/outbox/deadLetters"): _ADMIN,
    ("POST", "/v3/outbox/deadLetters/retry"): _ADMIN,
    ("POST", "/v3/outbox/deadLetters/purge"): _ADMIN,
    ("POST", "/v3/studies/{}/emailSignInTemplate/preview"): _ADMIN,
    ("POST", "/v3/studies/{}/emailSignInTemplate/test"): _ADMIN,
    ("POST", "/v3/studies/{}/participants"): _ADMIN,
    ("GET", "/v3/studies/{}/participants"): _ADMIN,
    ("PATCH", "/v3/studies/{}/participants/{}"): _ADMIN,
    ("GET", "/v3/studies/{}/participants/{}"): _ADMIN,
    ("PUT", "/v3/studies/{}/participants/{}"): _ADMIN,
    ("POST", "/v3/studies/{}/participants/{}"): _ADMIN,
    ("DELETE", "/v3/studies/{}/participants/{}"): _ADMIN,
    ("POST", "/v3/studies/{}/onboarding"): _ADMIN,
    ("GET", "/v3/studies/{}/stats"): _ADMIN,
    ("GET", "/v3/studies/{}/provisioning"): _ADMIN,
    ("GET", "/v3/studies/{}/provisioning/appconfig.xml"): _ADMIN,
    ("GET", "/v3/studies/{}/provisioning/managed-config.plist"): _ADMIN,
    ("GET", "/v3/studies/{}/provisioning/app_restrictions.xml"): _ADMIN,
    ("GET", "/v3/provisioning/sametime"): _ADMIN,
}

# "OurModel.property path" -> why our answers have a property Bridge's answer lacks (a client
# generated from Bridge's definition drops it). Listed so that no other one slips in.
EXTRA_ANSWER_PROPERTIES: dict[str, str] = {
    "UserSessionInfo.username": "the address again: older Bridge servers wrote it and older "
    "Bridge SDKs read it; no longer in Bridge's definition",
}


def _shape(path: str) -> str:
    """A path with its parameters unnamed: Bridge's ``{subpopulationGuid}`` is our ``{guid}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


@cache
def _bridge() -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(gzip.decompress(DEFINITION.read_bytes()))
    return definition


@cache
def _ours() -> dict[str, Any]:
    return openapi_document()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` (Bridge's ``#/definitions/…`` and ``#/responses/…``, our
    ``#/components/schemas/…``) to the object it names."""
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _object_schemas(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and every part it combines (allOf, and for ours anyOf: ``X | None``)."""
    schema = _resolve(document, schema)
    found = [schema]
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combined, ()):
            found.extend(_object_schemas(document, part))
    return found


def _properties(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in _object_schemas(document, schema):
        merged.update(part.get("properties", {}))
    return merged


def _required(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    return {name for part in _object_schemas(document, schema) for name in part.get("required", ())}


def _nested(document: dict[str, Any], schema: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The schema of a map's values (``additionalProperties``) or of a list's items."""
    for part in _object_schemas(document, schema):
        nested = part.get(key)
        if isinstance(nested, dict):
            return nested
    return None


def _extra_properties(ours: dict[str, Any], bridges: dict[str, Any], where: str) -> list[str]:
    """Property paths of our schema that Bridge's schema does not have, nested objects too."""
    extra: list[str] = []
    theirs = _properties(_bridge(), bridges)
    for name, schema in _properties(_ours(), ours).items():
        at = f"{where}.{name}" if where else name
        if name not in theirs:
            extra.append(at)
        else:
            extra.extend(_extra_properties(schema, theirs[name], at))
    for key, mark in (("additionalProperties", "{*}"), ("items", "[]")):
        ours_nested, bridges_nested = _nested(_ours(), ours, key), _nested(_bridge(), bridges, key)
        if ours_nested is not None and bridges_nested is not None:
            extra.extend(_extra_properties(ours_nested, bridges_nested, where + mark))
    return extra


def _served() -> dict[tuple[str, str], dict[str, Any]]:
    """Our operations under Bridge's prefixes: (METHOD, path shape) -> the operation.

    The HEAD we document beside a GET is that GET without its body (HTTP itself says so), and
    stands or falls with it: Bridge's Swagger 2.0 definition lists no HEAD at all.
    """
    return {
        (method.upper(), _shape(path)): operation
        for path, item in _ours()["paths"].items()
        if path.startswith(BRIDGE_PREFIXES)
        for method, operation in item.items()
        if method in METHODS and not (method == "head" and "get" in item)
    }


def _bridges() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), _shape(path)): operation
        for path, item in _bridge()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


SHARED = sorted(_served().keys() & _bridges().keys())


def _name(key: tuple[str, str]) -> str:
    return " ".join(key)


def test_every_operation_under_bridges_prefixes_is_bridges_or_a_listed_extension() -> None:
    unexplained = sorted(
        _name(key) for key in _served().keys() - _bridges().keys() - EXTENSIONS.keys()
    )
    assert not unexplained, (
        "served under /v3 or /v4 but not in Bridge's definition; list each in EXTENSIONS with "
        f"the reason: {unexplained}"
    )


def test_every_listed_extension_is_served_and_not_bridges() -> None:
    # A stale entry would let the next unexplained operation of that name through.
    not_served = sorted(_name(key) for key in EXTENSIONS.keys() - _served().keys())
    assert not not_served, f"listed in EXTENSIONS but not served: {not_served}"
    bridges = sorted(_name(key) for key in EXTENSIONS.keys() & _bridges().keys())
    assert not bridges, f"listed in EXTENSIONS but in Bridge's definition: {bridges}"


def test_bridges_operations_are_found_at_all() -> None:
    # The checks below are per shared operation: an empty list would pass them all.
    assert ("POST", "/v3/auth/email/signIn") in SHARED
    assert ("POST", "/v4/auth/signOut") in SHARED


@pytest.mark.parametrize("key", SHARED, ids=_name)
def test_our_body_declares_every_property_bridge_requires(key: tuple[str, str]) -> None:
    bridge = _bridges()[key]
    bodies = [
        parameter["schema"]
        for parameter in (_resolve(_bridge(), p) for p in bridge.get("parameters", ()))
        if parameter.get("in") == "body"
    ]
    required = set().union(*(_required(_bridge(), body) for body in bodies))
    ours = _served()[key].get("requestBody", {}).get("content", {}).get("application/json")
    accepted = set(_properties(_ours(), ours["schema"])) if ours else set()
    missing = sorted(required - accepted)
    assert not missing, f"{_name(key)}: Bridge requires {missing}, our body does not declare them"


def _answer_extras(key: tuple[str, str]) -> list[str]:
    """``Model.property`` paths of our successful answers to the operation that Bridge's
    answers lack."""
    theirs = _bridges()[key]["responses"]
    extra: list[str] = []
    for status, answer in _served()[key]["responses"].items():
        body = answer.get("content", {}).get("application/json")
        if body is None or int(status) >= 400:
            # Bridge's definition calls its errors Message (message, type), though Bridge sends
            # statusCode and entityClass too, as we do (tests/support/contract.py checks them).
            continue
        bridges = _resolve(_bridge(), theirs[status]) if status in theirs else None
        assert bridges is not None, f"{_name(key)}: Bridge does not answer {status}"
        assert "schema" in bridges, f"{_name(key)}: Bridge's {status} answer has no body"
        model = body["schema"]["$ref"].rpartition("/")[2]  # every answer of ours is a model
        extra.extend(_extra_properties(body["schema"], bridges["schema"], model))
    return extra


@pytest.mark.parametrize("key", SHARED, ids=_name)
def test_our_answers_have_only_bridges_properties(key: tuple[str, str]) -> None:
    unexplained = sorted(set(_answer_extras(key)) - EXTRA_ANSWER_PROPERTIES.keys())
    assert not unexplained, (
        f"{_name(key)}: properties of our answers that Bridge's answers lack; list each in "
        f"EXTRA_ANSWER_PROPERTIES with the reason: {unexplained}"
    )


def test_every_listed_answer_property_is_ours_and_not_bridges() -> None:
    # A stale entry would let the property back in unnoticed once it is gone.
    extra = {found for key in SHARED for found in _answer_extras(key)}
    stale = sorted(EXTRA_ANSWER_PROPERTIES.keys() - extra)
    assert not stale, f"listed in EXTRA_ANSWER_PROPERTIES but in no answer beyond Bridge's: {stale}"
