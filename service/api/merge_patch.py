"""JSON merge patch (RFC 7396): the document a patch makes of another one."""

from __future__ import annotations

from typing import Any


def merged(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` applied: an object patch changes the members it names (null
    removes one) and leaves the others; anything else replaces the target whole."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merged(result.get(name), value)
    return result
