"""The rules of a study's languages: its default language and the keys of its localized
templates (``localizedEmailSignInTemplates.de``), each message naming the JSON path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from service.i18n.tags import canonical, tag_problem
from service.studies.model import MAX_LOCALIZED_TEMPLATES

Loc = tuple[int | str, ...]
T = TypeVar("T")


def language_problem(value: object, path: str) -> str | None:
    """What is wrong with ``defaultLanguage``, or None."""
    return tag_problem(value, path)


def localized_key_problems(value: object, path: str) -> dict[Loc, list[str]]:
    """Problems of the languages a map of localized templates is keyed by, by key: a tag that
    is not one, two keys for one language (``de`` and ``DE``), too many languages.

    ``path`` stands for the path of each problem's location (the map's, or a key's): see
    ``service/api/schemas/rules.py``."""
    if not isinstance(value, Mapping):
        return {}  # the type check says what it should be
    found: dict[Loc, list[str]] = {}
    if len(value) > MAX_LOCALIZED_TEMPLATES:
        found[()] = [
            f"{path} may hold at most {MAX_LOCALIZED_TEMPLATES} languages; it has {len(value)}"
        ]
    seen: dict[str, str] = {}
    for key in value:
        problem = tag_problem(key, path)
        if problem:
            found[(str(key),)] = [problem]
            continue
        tag = canonical(str(key))
        assert tag is not None
        if tag in seen:
            found[(str(key),)] = [f"{path} is the same language as {seen[tag]!r}; keep one"]
        seen[tag] = str(key)
    return found


def default_language_clash(
    default_language: str, localized: Mapping[str, object], path: str, default_field: str
) -> str | None:
    """A localized template in the default language would compete with ``default_field``."""
    if default_language in localized:
        return (
            f"{path}.{default_language} is in the defaultLanguage, whose email is "
            f"{default_field}: put it there, or change defaultLanguage"
        )
    return None


def canonical_keys(templates: Mapping[str, T]) -> dict[str, T]:
    """The map keyed by canonical tags (``DE-ch`` -> ``de-CH``); keys were checked before."""
    return {canonical(key) or key: template for key, template in templates.items()}
