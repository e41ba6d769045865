"""Bridge's field errors (``{"field.path": ["message"]}``) placed next to the console's fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def by_field(
    errors: Mapping[str, list[str]], fields: Iterable[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Each error under the longest form field its path starts with (``appleAppLinks[0].paths[1]``
    goes to ``appleAppLinks[0].paths``); the ones no field shows, as "path: message" lines."""
    names = sorted(fields, key=len, reverse=True)
    placed: dict[str, list[str]] = {}
    left: list[str] = []
    for path, messages in errors.items():
        owner = next((name for name in names if _under(path, name)), None)
        if owner is None:
            left += [f"{path}: {message}" if path else message for message in messages]
        else:
            placed.setdefault(owner, []).extend(messages)
    return placed, left


def _under(path: str, name: str) -> bool:
    return path == name or (path.startswith(name) and path[len(name)] in ".[")
