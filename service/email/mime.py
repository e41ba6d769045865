"""An email's bytes, written directly: RFC 5322 headers and the MIME parts of our emails.

The standard library's ``EmailMessage`` parses every header into a tree when it is set and
refolds each one when the message is written out, and its generator compiles a regular
expression per boundary: about 9 ms an email, most of a worker's time (profiled). Our emails
have a few fixed shapes (text; text and HTML; text, HTML and an inline image), so they are
written as bytes here. A header that is not a short ASCII line still goes through the
library's folding and RFC 2047 encoding, one header at a time. The tests read every shape back
with the library's parser.
"""

from __future__ import annotations

import base64
import binascii
import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser, Parser

# RFC 5322: a line should have at most 78 characters; SMTP allows 998.
_FOLD_AT = 78
_MAX_LINE = 998

# Headers beyond the fast path: parsed and folded by the library, encoded words for what is
# not ASCII; in an RFC 6532 message (an address beyond ASCII, sent with SMTPUTF8), UTF-8.
_ASCII_HEADERS = email_policy.SMTP.clone(refold_source="all")
_UTF8_HEADERS = _ASCII_HEADERS.clone(utf8=True)


@dataclass(frozen=True)
class OutgoingEmail:
    """A built email: its envelope and its bytes (CRLF line ends), ready for SMTP."""

    envelope_from: str  # addr-spec of MAIL FROM
    envelope_to: str  # addr-spec of the one RCPT TO
    message_id: str
    data: bytes
    # An address beyond ASCII: an RFC 6532 message that needs the server's SMTPUTF8.
    international: bool = False

    def parsed(self) -> EmailMessage:
        """The email as a mail client reads it (previews and tests): lines end in LF, as
        Python's parser gives them back (it keeps a CRLF in the content)."""
        data = self.data.replace(b"\r\n", b"\n")
        if self.international:
            # As text: the bytes parser would leave surrogate escapes in UTF-8 headers.
            message = Parser(policy=email_policy.default).parsestr(data.decode("utf-8"))
        else:
            message = BytesParser(policy=email_policy.default).parsebytes(data)
        assert isinstance(message, EmailMessage)
        return message


@functools.lru_cache(maxsize=64)
def parsed_addresses(header_value: str) -> tuple[Address, ...]:
    """The addresses of a From-like header value. Cached: the values are MAGICLINK_MAIL_FROM,
    parsed for every email, and the library's parser takes a good part of a millisecond."""
    parsed = email_policy.default.header_factory("From", header_value)
    return tuple(getattr(parsed, "addresses", ()))


def header(name: str, value: str, international: bool = False) -> str:
    """One header line (folded if long), CRLF-terminated. ``value`` must be one line already
    (callers pass validated addresses and :func:`header_text` values)."""
    if value.isascii() and len(name) + 2 + len(value) <= _FOLD_AT and value.isprintable():
        return f"{name}: {value}\r\n"
    policy = _UTF8_HEADERS if international else _ASCII_HEADERS
    folded: bytes = policy.fold_binary(name, value)
    return folded.decode("utf-8" if international else "ascii")


def _ended(text: str) -> str:
    """Text with LF line ends, ending in one (as ``EmailMessage.set_content`` makes it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _crlf(text: str) -> str:
    """LF line ends (of ``_ended`` text, or of base64 and quoted-printable output) as CRLF."""
    return text.replace("\n", "\r\n")


def text_part(subtype: str, text: str) -> str:
    """A text/plain or text/html part in UTF-8: 7bit when it is ASCII with lines SMTP takes
    (so a link is never split by soft line breaks), quoted-printable otherwise."""
    ended = _ended(text)
    if ended.isascii() and all(len(line) <= _MAX_LINE for line in ended.split("\n")):
        encoding, body = "7bit", ended
    else:
        encoding, body = "quoted-printable", binascii.b2a_qp(ended.encode(), istext=True).decode()
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{_crlf(body)}"
    )


def inline_image(subtype: str, data: bytes, content_id: str, filename: str) -> str:
    """An image shown in the HTML (``cid:``), not listed as an attachment."""
    body = _crlf(base64.encodebytes(data).decode("ascii"))
    return (
        f"Content-Type: image/{subtype}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f"Content-ID: <{content_id}>\r\n"
        f'Content-Disposition: inline; filename="{filename}"\r\n\r\n{body}'
    )


def multipart(subtype: str, parts: Sequence[str]) -> str:
    """A multipart/``subtype`` entity of ``parts``, with a random boundary none of them holds."""
    while True:
        boundary = f"=_{secrets.token_hex(16)}"
        if not any(boundary in part for part in parts):
            break
    inner = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n{inner}--{boundary}--\r\n'
    )
