"""Validation of responses against the Bridge REST definitions the mobile apps are built from."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft4Validator

CONTRACT = Path(__file__).resolve().parent.parent / "contracts" / "bridge-auth-api.json"

# Fields every session we hand out carries (the contract marks none as required).
SESSION_FIELDS = (
    "type",
    "authenticated",
    "sessionToken",
    "id",
    "email",
    "consented",
    "status",
    "createdOn",
    "emailVerified",
    "roles",
    "dataGroups",
    "studyIds",
)


@cache
def _definitions() -> dict[str, Any]:
    definitions: dict[str, Any] = json.loads(CONTRACT.read_text())["definitions"]
    return definitions


def assert_session_info(body: dict[str, Any], *, reauth: bool | None = True) -> None:
    """The body is a UserSessionInfo by the contract and has every field we promise."""
    Draft4Validator(_definitions()["user_session_info"]).validate(body)
    missing = [name for name in SESSION_FIELDS if name not in body]
    assert not missing, f"session lacks {missing}"
    assert body["type"] == "UserSessionInfo"
    assert body["authenticated"] is True
    if reauth is not None:
        assert ("reauthToken" in body) is reauth
    # date-time as Bridge writes it: UTC with milliseconds, e.g. 2020-08-28T14:28:13.386Z
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["createdOn"])


def assert_bridge_error(response: httpx.Response, status: int, type_name: str) -> dict[str, Any]:
    """The Bridge error shape: statusCode, a message, the exception type, as JSON."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["statusCode"] == status
    assert body["type"] == type_name
    assert isinstance(body["message"], str)
    assert body["message"].strip()
    return body


def assert_invalid(response: httpx.Response, *fields: str) -> dict[str, list[str]]:
    """400 InvalidEntityException whose ``errors`` names exactly ``fields``."""
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    errors: dict[str, list[str]] = body["errors"]
    assert set(errors) == set(fields), errors
    for messages in errors.values():
        assert messages
        assert all(isinstance(m, str) and m for m in messages)
    return errors
