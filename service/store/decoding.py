"""Replies as text. The client decodes responses, but redis-py types them as bytes | str."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def text_dict(record: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    return {text(key): text(value) for key, value in record.items()}


def text_set(values: Iterable[bytes | str]) -> set[str]:
    return {text(value) for value in values}


def flat(record: Mapping[str, str]) -> list[str]:
    """``{"a": "1", "b": "2"}`` -> ``["a", "1", "b", "2"]``, the argument form of HSET."""
    return [item for pair in record.items() for item in pair]
