"""Email address rules: what we accept, and the form we look accounts up by.

Addresses are looked up case-insensitively after trimming; the address as the participant or
researcher wrote it (trimmed) is kept for sending, because some mail systems still treat the
local part as case-sensitive. Logs only ever see :func:`masked`.
"""

from __future__ import annotations

import re

# RFC 5321 limits: 64 octets of local part, 254 for the whole path.
MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
# No whitespace or control characters (they break SMTP commands), and none of the characters
# that separate or quote addresses in a header (a comma would make two recipients).
# One character of the local part and of a domain label, as regular expression classes (the
# OpenAPI document builds its email pattern from these, so the two cannot drift apart). \x85
# is in Python's \s but not in ECMA-262's, so it is named for the document's readers.
LOCAL_CHAR = r'[^@\s\x00-\x1f\x7f\x85,;:<>()\[\]\\"]'
LABEL_CHAR = r'[^@.\s\x00-\x1f\x7f\x85,;:<>()\[\]\\"]'
_SHAPE = re.compile(rf"{LOCAL_CHAR}+@{LABEL_CHAR}+(\.{LABEL_CHAR}+)+")


def normalized(address: str) -> str:
    """The lookup form: trimmed and case-folded."""
    return address.strip().lower()


def address_problem(value: object, field: str = "email") -> str | None:
    """Why a value is not an acceptable address, or None. Messages name the field."""
    if value is None:
        return f"{field} is required"
    if not isinstance(value, str):
        return f"{field} must be a string"
    address = value.strip()
    if not address:
        return f"{field} is required"
    if len(address) > MAX_LENGTH:
        return f"{field} must be at most {MAX_LENGTH} characters"
    if not _SHAPE.fullmatch(address):
        return f"{field} must be an email address like name@example.org"
    if len(address.rsplit("@", 1)[0]) > MAX_LOCAL_LENGTH:
        return f"{field} must have at most {MAX_LOCAL_LENGTH} characters before the @"
    return None


def masked(address: str) -> str:
    """A log-safe form: first character of the local part, then the domain."""
    local, _, domain = address.strip().rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"
