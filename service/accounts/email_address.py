"""Email address rules: what we accept, and the form we look accounts up by.

Addresses are looked up case-insensitively after trimming; the address as the participant or
researcher wrote it (trimmed) is kept for sending, because some mail systems still treat the
local part as case-sensitive. Logs only ever see :func:`masked`.

Only a plain addr-spec that the transport can deliver is accepted, so that no address can
expand into more recipients (an RFC 2047 encoded word such as ``=?utf-8?q?a=40b.test=2C?=``
decodes to a comma and a second address in the email library) or become a dead letter later:
a dot-atom local part (RFC 5322) of ASCII characters without ``?`` (no encoded word can be
written then), and a host name of letters, digits and hyphens whose last label starts with a letter.
"""

from __future__ import annotations

import re

# RFC 5321 limits: 64 octets of local part, 254 for the whole path.
MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
# The pieces as regular expressions; the OpenAPI document builds its email pattern from them,
# so the two cannot drift apart. ATEXT is RFC 5322's atext without "?".
ATEXT = r"[A-Za-z0-9!#$%&'*+/=^_`{|}~-]"
LOCAL_PART = rf"{ATEXT}+(\.{ATEXT}+)*"
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A top-level domain starts with a letter (com, de, xn--p1ai): an address at a bare IP number
# such as a@10.0.0.1 is not a host name.
TOP_LABEL = r"[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN = rf"({LABEL}\.)+{TOP_LABEL}"
_SHAPE = re.compile(rf"{LOCAL_PART}@{DOMAIN}")


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
    if not address.isascii():
        return (
            f"{field} must be written in ASCII letters, digits and punctuation; addresses with "
            "other characters cannot be delivered yet"
        )
    if "=?" in address:
        return f"{field} must be a plain address, not an encoded word (=?...?=)"
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
