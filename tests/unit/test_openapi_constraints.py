"""The generated OpenAPI document keeps every constraint of the hand-written one it replaced.

``tests/contracts/openapi-before-issue-11.json`` is the document as it was written by hand
before the models and the operation table generated it. Every operation, every answer and
every constraint on a body (type, pattern, length, range, enum, required fields, no extra
fields) that it documented must still be in the generated document, at the same place: a
constraint may only be added, never silently dropped. Growth is not loss: a field added to a
`required` list, or an error type added to what an answer may carry, passes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.api.document import openapi_document
from service.api.schemas.auth import EMAIL_PATTERN

BEFORE = json.loads(
    (Path(__file__).parents[1] / "contracts" / "openapi-before-issue-11.json").read_text()
)
AFTER = openapi_document()
BEFORE_EMAIL_PATTERN = BEFORE["components"]["schemas"]["EmailSignInRequest"]["properties"]["email"][
    "pattern"
]
METHODS = ("get", "put", "post", "delete", "head", "patch")
CONSTRAINTS = (
    "type",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "enum",
    "const",
    "required",
    "additionalProperties",
    "format",
)
Constraint = tuple[str, str, str]

# Operations renamed on purpose, old -> new operationId, each with its reason.
RENAMED = {
    # Bridge's operationId for signing a consent belongs to the subpopulation path
    # (/v3/subpopulations/{subpopulationGuid}/consents/signature), added in issue 12.
    "createConsentSignature": "createDefaultConsentSignature",
}

# Constraints changed on purpose, old -> new (keyword, JSON value), each with its reason.
CHANGED_ON_PURPOSE = {
    # The email pattern: a last label that starts with a letter (the code's rule now says so
    # too), and a local part of one to four atoms that stay within 64 characters, a stand-in for
    # "at most 64 characters" that generators of test data can follow (no look-ahead).
    ("pattern", json.dumps(BEFORE_EMAIL_PATTERN)): ("pattern", json.dumps(EMAIL_PATTERN)),
}


def _resolve(document: dict[str, Any], schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _constraints(
    document: dict[str, Any], schema: Any, path: str = "", *, answer: bool = False
) -> Iterator[Constraint]:
    """Each constraint at its place; ``answer``: of an answer, where an enum may grow."""
    schema = _resolve(document, schema)
    if not isinstance(schema, dict):
        return
    for keyword in CONSTRAINTS:
        if keyword not in schema:
            continue
        value = schema[keyword]
        if keyword == "required" or (keyword == "enum" and answer):
            # One constraint per item: more required fields, or more values an answer may
            # carry, lose nothing.
            yield from ((path, keyword, json.dumps(item)) for item in value)
            continue
        if keyword == "enum":
            value = sorted(value, key=json.dumps)
        if keyword == "additionalProperties" and isinstance(value, dict):
            yield from _constraints(document, value, f"{path}.*", answer=answer)
            continue
        keyword, text = CHANGED_ON_PURPOSE.get(
            (keyword, json.dumps(value, sort_keys=True)),
            (keyword, json.dumps(value, sort_keys=True)),
        )
        yield (path, keyword, text)
    for branch in ("anyOf", "allOf", "oneOf"):
        for item in schema.get(branch, []):
            yield from _constraints(document, item, path, answer=answer)
    for name, item in schema.get("properties", {}).items():
        yield from _constraints(document, item, f"{path}.{name}", answer=answer)
    if "items" in schema:
        yield from _constraints(document, schema["items"], f"{path}[]", answer=answer)


def _operations() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, item in BEFORE["paths"].items()
        for method in METHODS
        if method in item
    ]


@pytest.mark.parametrize(("path", "method"), _operations())
def test_no_operation_lost_an_answer_or_a_constraint(path: str, method: str) -> None:
    before = BEFORE["paths"][path][method]
    after = AFTER["paths"].get(path, {}).get(method)
    assert after is not None, f"{method.upper()} {path} is no longer documented"
    assert after["operationId"] == RENAMED.get(before["operationId"], before["operationId"])
    assert set(before["responses"]) <= set(after["responses"])
    # Who may call may only widen where the old document was wrong (sign-out answers 200
    # without a session too: its session became optional, `{}`).
    assert all(requirement in after["security"] for requirement in before["security"])
    lost: set[Constraint] = set()
    if "requestBody" in before:
        media = before["requestBody"]["content"]["application/json"]
        new_media = after["requestBody"]["content"]["application/json"]
        lost |= set(_constraints(BEFORE, media["schema"])) - set(
            _constraints(AFTER, new_media["schema"])
        )
    for status, answer in before["responses"].items():
        for media_type, media in answer.get("content", {}).items():
            new_media = after["responses"][status].get("content", {}).get(media_type)
            assert new_media is not None, f"{status} {media_type} is no longer documented"
            found = set(_constraints(AFTER, new_media["schema"], answer=True))
            lost |= {
                (f"{status}{where}", keyword, value)
                for where, keyword, value in set(_constraints(BEFORE, media["schema"], answer=True))
                - found
            }
    assert lost == set(), "constraints the generated document dropped"
