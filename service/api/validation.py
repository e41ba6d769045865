"""A request body through its model, every problem reported at once in Bridge's shape.

Pydantic's errors become ``Invalid(entity, {"appleAppLinks[0].paths[1]": ["..."]})``: the
path as a researcher finds it in their JSON, each message saying what to write instead.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from service.api.schemas import AND, HERE
from service.errors import Invalid

M = TypeVar("M", bound=BaseModel)

# What a value of the wrong JSON type should have been, by pydantic's error type.
_EXPECTED = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "list_type": "must be a list",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
}


def validated(model: type[M], data: Any, entity: str | None = None) -> M:
    """``data`` as ``model``, or :class:`Invalid` naming every bad field of ``entity``."""
    name = entity or model.__name__
    if not isinstance(data, dict):
        raise Invalid(name, {"": [f"{name} must be a JSON object"]})
    try:
        # By the JSON names only: Python's snake_case names are not part of the contract.
        return model.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise Invalid(name, _errors(model, exc.errors(include_url=False))) from None


def _errors(model: type[BaseModel], details: list[ErrorDetails]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for detail in details:
        loc = _without_union_branches(detail["loc"])
        if detail["type"] == "extra_forbidden" and detail["loc"]:
            # The last part is the unknown key as the client wrote it, whatever it holds
            # ("a[0]" is a key here, not a branch pydantic tried).
            loc = _without_union_branches(detail["loc"][:-1]) + detail["loc"][-1:]
        path = _path(loc)
        for message in _messages(model, detail, loc, path):
            if message not in found.setdefault(path, []):
                found[path].append(message)
    return found


def _without_union_branches(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # pydantic names the branch it tried (``function-after[...]``, ``str``, ``list[...]``);
    # a researcher's JSON has no such level.
    return tuple(
        part for part in loc if isinstance(part, int) or ("[" not in part and part != "str")
    )


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _messages(
    model: type[BaseModel], detail: ErrorDetails, loc: tuple[int | str, ...], path: str
) -> list[str]:
    kind = detail["type"]
    if kind == "problem":
        return [part.replace(HERE, path) for part in detail["msg"].split(AND)]
    if kind == "missing":
        return [f"{path} is required"]
    if kind == "extra_forbidden":
        return [_unknown_field(model, loc)]
    if kind in _EXPECTED and detail.get("input", ...) is None:
        return [f"{path} is required"]  # Bridge's clients send null for a field they lack
    if kind in _EXPECTED:
        expected = (detail.get("ctx") or {}).get("expected", "")
        return [f"{path} {_EXPECTED[kind].format(expected=expected)}"]
    if kind == "value_error":  # a validator's ValueError: its text is written for people
        return [str((detail.get("ctx") or {}).get("error", detail["msg"])).replace(HERE, path)]
    return [f"{path}: {detail['msg']}"]


def _unknown_field(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    path, name = _path(loc), str(loc[-1])
    owner = _model_at(model, loc[:-1])
    if owner is None:
        return f"{path} is not a known field"
    names = [field.alias or field_name for field_name, field in owner.model_fields.items()]
    what = str(owner.model_config.get("title") or owner.__name__)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]}?" if close else f"; the fields are {', '.join(names)}"
    return f"{path} is not {_article(what)} {what} field{hint}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model that holds the fields at ``loc`` (list indexes and optionals looked through)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            current = _item_model(current)
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (info for name, info in current.model_fields.items() if part in (name, info.alias)),
                None,
            )
            current = _item_model(field.annotation) if field is not None else None
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _item_model(annotation: Any) -> Any:
    """The model inside ``X | None``, ``list[X]``, ``tuple[X, ...]`` or ``Annotated[X, ...]``."""
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple, typing.Annotated):
        for arg in get_args(annotation):
            inner = _item_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return annotation
