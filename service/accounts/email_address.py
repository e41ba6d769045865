"""Email address rules: what we accept, the form we send to, and the form we look accounts up by.

Addresses are looked up case-insensitively after trimming; the address as the participant or
researcher wrote it (trimmed) is kept, and sent with only its domain converted to the form DNS
knows (see :func:`deliverable`), because some mail systems still treat the local part as
case-sensitive. Logs only ever see :func:`masked`.

Only a plain addr-spec that the transport can deliver is accepted, so that no address can
expand into more recipients (an RFC 2047 encoded word such as ``=?utf-8?q?a=40b.test=2C?=``
decodes to a comma and a second address in the email library) or become a dead letter later:
a dot-atom local part (RFC 5322) without ``?`` (no encoded word can be written then), and a
host name of letters, digits and hyphens whose last label starts with a letter.

Beyond ASCII (RFC 6531/6532):

* A domain such as ``münchen.de`` is an internationalized domain name: it is converted with
  IDNA 2008 and the UTS 46 mapping (``münchen.de`` -> ``xn--mnchen-3ya.de``, full-width and
  upper-case letters mapped, ``ß`` kept) and the result must pass the ASCII host-name rule. The
  envelope, the ``To`` header and the account key all use that one converted form, so what is
  looked up and what is delivered to can never differ. It needs nothing from the mail server.
* A local part such as ``jürgen`` may hold letters, marks, digits, punctuation and symbols
  beyond ASCII (RFC 6531's UTF-8 atext), never controls, spaces, format characters (bidi
  overrides, zero-width joiners) or other invisible ones; a mark may not start an atom. Its
  compatibility form (NFKC) must pass the same rule, so that nothing which some mail system
  folds into ``@``, ``,``, ``"``, ``?`` or a space (the full-width and small commercial
  at signs U+FF20 and U+FE6B, ...) gets in.
  It is sent in NFC (RFC 6532 3.1) and needs SMTPUTF8 from the mail server.
* RFC 5321's limits count octets: 64 before the ``@`` and 254 in all, as sent (UTF-8 local
  part, punycode domain).

ASCII addresses take the same path as before (one regular expression); the Unicode work is
done only for the rare address that is not ASCII, so the hot path stays as fast as it was.
"""

from __future__ import annotations

import re
import unicodedata

import idna

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
_LOCAL_PART = re.compile(LOCAL_PART)
_DOMAIN = re.compile(DOMAIN)
_ASCII_ATEXT = re.compile(ATEXT)

# Non-ASCII letters the OpenAPI document names (a regular expression for clients and test
# generators cannot say "any letter"): Latin-1 letters, Greek, Cyrillic, kana, CJK ideographs
# and Hangul syllables. Every one is accepted in a local part and, being valid in IDNA 2008
# and left to right, in a domain label. The rule itself accepts more (any script).
DOCUMENTED_LETTERS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0391-\u03a1\u03a3-\u03a9\u03b1-\u03c9"
    "\u0410-\u044f\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\uac00-\ud7a3"
)

# Characters a local part beyond ASCII may hold, by Unicode general category: letters,
# marks, numbers, punctuation, symbols. Not C* (controls, format characters such as bidi
# overrides and zero-width joiners, unassigned, private use, surrogates) nor Z* (spaces).
_ALLOWED_CATEGORIES = frozenset("LMNPS")
# Default_Ignorable_Code_Point characters (Unicode DerivedCoreProperties) and the braille
# blank that are letters, marks or symbols, yet show nothing: Hangul fillers, variation
# selectors, the combining grapheme joiner, Mongolian free variation selectors.
_INVISIBLE = frozenset(
    [
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800),
        *(0x3164, 0xFFA0),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)


def _ascii_domain(domain: str) -> str | None:
    """A domain beyond ASCII converted for DNS (IDNA 2008, UTS 46 mapping, lower case), or None
    when it is no valid host name. ``std3_rules`` keeps to letters, digits and hyphens; the
    non-transitional mapping keeps ``ß`` and ``ς`` (IDNA 2008), as registries now do."""
    try:
        converted = idna.encode(domain, uts46=True, std3_rules=True, transitional=False)
    except (idna.IDNAError, UnicodeError):
        return None
    text = converted.decode("ascii").lower()
    # The mapping also turns full stops such as U+3002 into dots and may yield an ASCII name
    # (from full-width letters): the result passes the same rule as any ASCII domain.
    return text if _DOMAIN.fullmatch(text) else None


def _too_long_once_encoded(domain: str) -> bool:
    """Whether a domain IDNA refused has labels that are each fine and only too many octets in
    all as punycode (idna refuses a name over 253): the participant should hear that."""
    labels = [_ascii_domain(f"{label}.de") for label in domain.replace("\u3002", ".").split(".")]
    return None not in labels and sum(len(label) - 2 for label in labels if label) > MAX_LENGTH


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def deliverable(address: str) -> str:
    """The address as it is sent (envelope and ``To``) of an acceptable address: trimmed, the
    local part as written (in NFC), the domain in its ASCII (punycode) form.

    ASCII addresses are returned trimmed and otherwise unchanged, as before.
    """
    trimmed = address.strip()
    if trimmed.isascii():
        return trimmed
    local, _, domain = trimmed.rpartition("@")
    ascii_domain = domain if domain.isascii() else _ascii_domain(domain)
    if ascii_domain is None:
        raise ValueError("not an acceptable address")  # callers check address_problem first
    return f"{_nfc(local)}@{ascii_domain}"


def normalized(address: str) -> str:
    """The lookup form (the account key): trimmed, the local part lower-cased, the domain in its
    ASCII (punycode) form and lower case.

    ASCII addresses normalize exactly as they always have (trimmed, ``str.lower()``), so every
    account stored so far keeps its key: no migration. Beyond ASCII:

    * the domain is the punycode form that is also sent, so ``anna@münchen.de`` and
      ``anna@xn--mnchen-3ya.de`` are one account (punycode rather than Unicode because it is
      what DNS and the envelope use, and the form every ASCII key already has);
    * the local part is put in NFC (the same word typed on two keyboards is one account) and
      lower-cased with ``str.lower()``, not ``casefold()``: casefolding turns ``ß`` into
      ``ss``, which would make ``straße@`` and ``strasse@`` (two mailboxes a server may well
      tell apart) one account; on ASCII the two are the same.

    Text that is no acceptable address (legacy data, a probe) still gets a stable form.
    """
    trimmed = address.strip()
    if trimmed.isascii():
        return trimmed.lower()
    local, at, domain = trimmed.rpartition("@")
    if not at:
        return _nfc(_nfc(trimmed).lower())
    ascii_domain = domain.lower() if domain.isascii() else _ascii_domain(domain)
    if ascii_domain is None:
        ascii_domain = _nfc(_nfc(domain).lower())
    return f"{_nfc(_nfc(local).lower())}@{ascii_domain}"


def _invisible(char: str) -> bool:
    """A control, format, separator (but the plain space), unassigned or private character, or
    one that shows nothing: refused with a message of its own, as nobody can see it."""
    if ord(char) in _INVISIBLE:
        return True
    return unicodedata.category(char)[0] not in _ALLOWED_CATEGORIES and char != " "


def _international_local_part(local: str) -> bool:
    """RFC 6531 UTF-8 dot-atom: atoms of ASCII atext or allowed characters beyond ASCII; a mark
    never starts an atom (it would join the dot or the start)."""
    for atom in local.split("."):
        if not atom or unicodedata.category(atom[0]).startswith("M"):
            return False
        for char in atom:
            if char.isascii():
                if not _ASCII_ATEXT.fullmatch(char):
                    return False
            elif (
                unicodedata.category(char)[0] not in _ALLOWED_CATEGORIES or ord(char) in _INVISIBLE
            ):
                return False
    return True


def _international_problem(address: str, field: str) -> str | None:
    """The rules for an address that is not ASCII (the slow path)."""
    shape = f"{field} must be an email address like name@example.org"
    compatible = unicodedata.normalize("NFKC", address)
    if "=?" in compatible:
        return f"{field} must be a plain address, not an encoded word (=?...?=)"
    for char in address:
        if _invisible(char):
            return (
                f"{field} must not contain invisible or control characters "
                f"(found U+{ord(char):04X})"
            )
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return shape
    # The local part as written, and as a system folding compatibility characters would see it.
    if not _international_local_part(local) or not _international_local_part(
        unicodedata.normalize("NFKC", local)
    ):
        return shape
    if domain.isascii():
        ascii_domain: str | None = domain if _DOMAIN.fullmatch(domain) else None
    else:
        ascii_domain = _ascii_domain(domain)
    if ascii_domain is None and not _too_long_once_encoded(domain):
        return shape
    sent_local = _nfc(local).encode()
    if len(sent_local) > MAX_LOCAL_LENGTH:
        return (
            f"{field} must have at most {MAX_LOCAL_LENGTH} bytes before the @ (a character "
            "beyond ASCII takes 2 to 4)"
        )
    if ascii_domain is None or len(sent_local) + 1 + len(ascii_domain) > MAX_LENGTH:
        return (
            f"{field} must be at most {MAX_LENGTH} bytes as sent (a character beyond ASCII "
            "takes 2 to 4, a domain beyond ASCII is sent as xn--...)"
        )
    return None


def address_problem(value: object, field: str = "email") -> str | None:
    """Why a value is not an acceptable address, or None. Messages name the field."""
    if value is None:
        return f"{field} is required"
    if not isinstance(value, str):
        return f"{field} must be a string"
    address = value.strip()
    if not address:
        return f"{field} is required"
    # Characters never outnumber octets, so this bounds the work of every later rule too.
    if len(address) > MAX_LENGTH:
        return f"{field} must be at most {MAX_LENGTH} characters"
    if not address.isascii():
        return _international_problem(address, field)
    if "=?" in address:
        return f"{field} must be a plain address, not an encoded word (=?...?=)"
    if not _SHAPE.fullmatch(address):
        return f"{field} must be an email address like name@example.org"
    if len(address.rsplit("@", 1)[0]) > MAX_LOCAL_LENGTH:
        return f"{field} must have at most {MAX_LOCAL_LENGTH} characters before the @"
    return None


def _printable(text: str) -> str:
    """Text safe in a log line and in Redis: anything unprintable (a line break, a bidi
    override, a lone surrogate, which UTF-8 cannot even encode) as an escape."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)


def masked(address: str) -> str:
    """A log-safe form: first character of the local part, then the domain."""
    local, _, domain = address.strip().rpartition("@")
    if not local:
        return "***"
    return f"{_printable(local[0])}***@{_printable(domain)}"
