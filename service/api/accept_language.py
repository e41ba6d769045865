"""The languages a device asks for, from its ``Accept-Language`` header.

``de-CH,de;q=0.9,en;q=0.5`` gives the tags ``("de-CH", "de", "en")`` (for choosing an email's
or a page's language, where ``de-CH`` may have a template of its own) and the languages
``("de", "en")``, as Bridge keeps them on a participant: primary subtags, lower case. Both are
most wanted first, each once. Anything that is not a language range (``*``, garbage) is
skipped; the header is the client's, so the lists are bounded.
"""

from __future__ import annotations

import re

from service.i18n.tags import canonical, truncations

MAX_LANGUAGES = 10
_RANGE = re.compile(r"^([A-Za-z]{2,3})(?:-[A-Za-z0-9]{1,8})*$")


def _weight(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                return 0.0
            return weight if 0.0 <= weight <= 1.0 else 0.0
    return 1.0


def _tag(language_range: str) -> str:
    """The range as a tag this service reads: ``de-DE-1996`` is taken as ``de-DE``."""
    for candidate in truncations(language_range):
        tag = canonical(candidate)
        if tag is not None:
            return tag
    return language_range.split("-")[0].lower()  # unreachable: _RANGE checked the language


def tags(header: str | None) -> tuple[str, ...]:
    """The language tags asked for, best first (``("es-MX", "es", "en")``)."""
    if not header:
        return ()
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[: MAX_LANGUAGES * 4]):
        language_range, *parameters = item.strip().split(";")
        match = _RANGE.match(language_range.strip())
        weight = _weight(parameters)
        if match and weight > 0:
            ranked.append((-weight, position, _tag(language_range.strip())))
    ordered = dict.fromkeys(tag for _, _, tag in sorted(ranked))
    return tuple(ordered)[:MAX_LANGUAGES]


def languages(header: str | None) -> tuple[str, ...]:
    """The primary languages asked for, as Bridge keeps them (``("es", "en")``)."""
    return primary(tags(header))


def primary(found: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag.split("-")[0] for tag in found))
