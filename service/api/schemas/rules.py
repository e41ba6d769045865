"""Validators that run the domain's rules in a model and keep every problem at once.

Pydantic stops at a field's first failure and phrases type errors its own way. The study API
promises more: every problem of a body in one answer, at its JSON path, in words that say what
to write. These helpers give a model that:

- :func:`judged` runs a domain rule ``rule(value, path) -> message(s)`` on the raw JSON value
  (before the type check, so the rule's own words name a wrong type) or, with ``typed``, on
  the checked value;
- :func:`expecting` says, instead of pydantic, what a value of the wrong JSON type should be;
- :func:`also` adds problems found in the raw value (a duplicate two items apart, say), by
  location under it, to those of the value itself;
- :func:`model_rules` does the same for a whole object, and rewords its missing and unknown
  fields.

Messages carry ``HERE`` for the path of the value they are about; the translator
(``service/api/validation.py``) writes the real path in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from service.api.schemas import HERE, problems

T = TypeVar("T")
Loc = tuple[int | str, ...]
# Problems by location under the value being validated; () is the value itself.
Found = dict[Loc, list[str]]
Rule = Callable[[Any, str], str | Sequence[str] | None]

# pydantic's errors for a JSON value of the wrong type (or outside a literal's choices).
_WRONG_TYPE = frozenset(
    {
        "string_type",
        "bool_type",
        "int_type",
        "int_from_float",
        "float_type",
        "list_type",
        "dict_type",
        "model_type",
        "model_attributes_type",
        "literal_error",
        "enum",
    }
)


def read_only(**schema: Any) -> Callable[[dict[str, Any]], None]:
    """The JSON Schema of a field a client may send back and the service ignores: ``schema``,
    marked read-only, without the default (null) that would contradict it."""

    def document(field: dict[str, Any]) -> None:
        field.pop("default", None)
        field.update(schema, readOnly=True)

    return document


def _messages(found: str | Sequence[str] | None) -> list[str]:
    if found is None:
        return []
    if isinstance(found, str):
        return [found]
    return list(found)


def judged(rule: Rule, *, typed: bool = False, null_too: bool = False) -> Any:
    """Check a value by a domain rule that returns a message, several, or None.

    The rule sees the raw JSON value and names a wrong type itself; with ``typed`` it sees the
    value after the type check. A null is left to the field's type (and so to "is required")
    unless ``null_too``.
    """

    def check(value: Any) -> Any:
        if value is None and not null_too:
            return value
        found = _messages(rule(value, HERE))
        if found:
            raise problems(*found)
        return value

    return AfterValidator(check) if typed else BeforeValidator(check)


def expecting(message: str, *, null_too: bool = False) -> WrapValidator:
    """``message`` (with HERE for the path) for a value of the wrong JSON type, instead of
    pydantic's words. A null is left to "is required" unless ``null_too``."""

    def wrap(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            if (value is None and not null_too) or not _wrong_type(exc.errors()):
                raise
            raise problems(message) from None

    return WrapValidator(wrap)


def _wrong_type(errors: Sequence[ErrorDetails]) -> bool:
    return all(error["loc"] == () and error["type"] in _WRONG_TYPE for error in errors)


def also(rule: Callable[[Any], Found]) -> WrapValidator:
    """Problems ``rule`` finds in the raw value, reported with every problem of the value."""

    def wrap(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked_with(handler, value, rule(value))

    return WrapValidator(wrap)


def checked_with(
    handler: Callable[[Any], T],
    value: Any,
    found: Found,
    reworded: Callable[[ErrorDetails], list[str] | None] | None = None,
) -> T:
    """The handler's value; or one error with its problems (``reworded`` where it says how)
    and the ``found`` ones."""
    try:
        result = handler(value)
    except ValidationError as exc:
        errors: list[InitErrorDetails] = []
        for detail in exc.errors(include_url=False):
            better = reworded(detail) if reworded is not None else None
            errors.append(_problem(detail["loc"], better) if better else _again(detail))
        raise _failure([*errors, *_found(found)]) from None
    if any(found.values()):
        raise _failure(_found(found))
    return result


def model_rules(
    handler: Callable[[Any], T],
    data: Any,
    *,
    found: Found | None = None,
    required: Mapping[str, str] | None = None,
    unknown: Callable[[str], str] | None = None,
) -> T:
    """Validate an object, adding ``found`` problems; ``required`` says how to ask for a missing
    (or null) field, by name; ``unknown`` how to name a field the object does not have."""
    asks = required or {}

    def reworded(detail: ErrorDetails) -> list[str] | None:
        loc = detail["loc"]
        if len(loc) != 1:
            return None
        name = str(loc[0])
        kind = detail["type"]
        missing = kind == "missing" or (kind in _WRONG_TYPE and detail.get("input") is None)
        if missing and name in asks:
            return [asks[name]]
        if kind == "extra_forbidden" and unknown is not None:
            return [unknown(name)]
        return None

    return checked_with(handler, data, found or {}, reworded)


def _found(found: Found) -> list[InitErrorDetails]:
    return [_problem(loc, messages) for loc, messages in found.items() if messages]


def _problem(loc: Loc, messages: Sequence[str]) -> InitErrorDetails:
    return {"type": problems(*messages), "loc": loc, "input": None}


def _again(detail: ErrorDetails) -> InitErrorDetails:
    """A pydantic error as it can be raised once more: its type, words and context kept."""
    context = detail.get("ctx")
    error = (
        PydanticCustomError(detail["type"], detail["msg"], context)
        if context
        else PydanticCustomError(detail["type"], detail["msg"])
    )
    return {"type": error, "loc": detail["loc"], "input": detail["input"]}


def _failure(errors: list[InitErrorDetails]) -> ValidationError:
    return ValidationError.from_exception_data("body", errors)
