"""The languages a device asks for, from its ``Accept-Language`` header, as Bridge keeps them.

``de-DE,de;q=0.9,en;q=0.5`` gives ``("de", "en")``: primary language subtags, lower case, most
wanted first, each once. Anything that is not a language range (``*``, garbage) is skipped;
the header is the client's, so the list is bounded.
"""

from __future__ import annotations

import re

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


def languages(header: str | None) -> tuple[str, ...]:
    if not header:
        return ()
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[: MAX_LANGUAGES * 4]):
        language_range, *parameters = item.strip().split(";")
        match = _RANGE.match(language_range.strip())
        weight = _weight(parameters)
        if match and weight > 0:
            ranked.append((-weight, position, match.group(1).lower()))
    ordered = dict.fromkeys(language for _, _, language in sorted(ranked))
    return tuple(ordered)[:MAX_LANGUAGES]
