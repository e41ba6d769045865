"""The request and answer bodies of the API as pydantic models, with Bridge's JSON names.

One model gives a body its validation and its OpenAPI schema. The rules a value must follow
stay domain functions (``address_problem``, ``app_id_problem``, the template rules, ...): a
model calls them through :func:`checked`, so the messages researchers read are the domain's,
and documents the same rule with ``json_schema_extra`` (a pattern, a length) for clients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

# Stands for the field's path in a message; the translator (service/api/validation.py) writes
# the real path, e.g. ``appleAppLinks[0].appId``, in its place.
HERE = "\x1fpath\x1f"
# Separates the messages of one field when a rule finds several problems at once.
AND = "\x1e"


class Schema(BaseModel):
    """A JSON body: camelCase names, exact types (no "1" for 1), read-only answers."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        strict=True,
        frozen=True,
        extra="forbid",
        # An answer always carries every field, defaults included.
        json_schema_serialization_defaults_required=True,
    )


class LenientSchema(Schema):
    """A body Bridge's SDKs send with extra fields (``type``, ``clientInfo``...): extras ignored."""

    model_config = ConfigDict(extra="ignore")


def problems(*messages: str) -> PydanticCustomError:
    """A validation error carrying one or more of the domain's messages for the field."""
    return PydanticCustomError("problem", AND.join(messages))


def checked(problem: Callable[[Any, str], str | None]) -> AfterValidator:
    """Run a domain rule ``problem(value, field_path) -> message or None`` as a validator."""

    def check(value: Any) -> Any:
        message = problem(value, HERE)
        if message:
            raise problems(message)
        return value

    return AfterValidator(check)
