"""Patterns that document the text rules in JSON Schema, built from the rules' own constants.

JSON Schema patterns are ECMA-262 regular expressions; these spell every character they name
as a ``\\uXXXX`` escape, which Python and ECMA-262 read alike.
"""

from __future__ import annotations

from service.studies.templates import LINE_BREAKS


def _escaped(chars: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in chars)


# What str.strip() removes (every white space character is in the Basic Multilingual Plane).
# Named one by one: regex engines disagree about what \s means beyond ASCII.
WHITESPACE = "".join(char for char in map(chr, range(0x10000)) if char.isspace())
_NO_BREAK = f"[^{_escaped(LINE_BREAKS)}]"
_NOT_SPACE = f"[^{_escaped(WHITESPACE)}]"
# At least one character that is not white space, anywhere.
NOT_BLANK = _NOT_SPACE
# One line with at least one character that is not white space.
SINGLE_LINE_NOT_BLANK = f"^{_NO_BREAK}*{_NOT_SPACE}{_NO_BREAK}*$"
# One line (possibly empty).
SINGLE_LINE = f"^{_NO_BREAK}*$"
