"""BCP 47 language tags as researchers and devices write them, and choosing among them.

A practical subset of BCP 47: a language (``de``), optionally a script (``zh-Hant``) and a
region (``de-CH``, ``es-419``). Tags compare case-insensitively; :func:`canonical` writes them
as the registry does (``de-CH``, ``zh-Hant-TW``). Choosing is RFC 4647 "lookup": each wanted tag
in order, then its truncations (``de-CH`` then ``de``), before the next wanted tag.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

MAX_TAG_LENGTH = 35
# language, script, region (documented in the OpenAPI document as this pattern).
PATTERN = "[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?"
_TAG = re.compile(r"([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?")
EXAMPLE = "de-CH"


def canonical(tag: str) -> str | None:
    """The tag in the registry's case, or None when it is not one this service reads."""
    match = _TAG.fullmatch(tag.strip())
    if match is None:
        return None
    language, script, region = match.groups()
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


def tag_problem(value: object, path: str) -> str | None:
    """What is wrong with a language tag a researcher wrote, or None.

    Any well-formed tag is taken, as the OpenAPI pattern says, whether or not CLDR names its
    language: a tag nobody's device sends is never chosen, and the study's default language
    is used instead (the preview shows which template a language gets).
    """
    if not isinstance(value, str) or not value.strip():
        return f"{path} must be a language tag such as en, de or {EXAMPLE}"
    tag = canonical(value) if len(value) <= MAX_TAG_LENGTH else None
    if tag is None:
        return (
            f"{path} is {value[:40]!r}, which is not a language tag; write a language code, "
            f"optionally with a region, such as en, de or {EXAMPLE}"
        )
    return None


def truncations(tag: str) -> list[str]:
    """``zh-Hant-TW`` -> ``["zh-Hant-TW", "zh-Hant", "zh"]``: the tag, then ever more general."""
    parts = tag.split("-")
    return ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]


def choose(wanted: Iterable[str], available: Collection[str]) -> str | None:
    """The first of ``wanted`` (in order, each with its truncations) in ``available``.

    ``available`` holds canonical tags; ``wanted`` may be written in any case, and what is not
    a tag is skipped.
    """
    for item in wanted:
        tag = canonical(item)
        if tag is None:
            continue
        for candidate in truncations(tag):
            if candidate in available:
                return candidate
    return None
