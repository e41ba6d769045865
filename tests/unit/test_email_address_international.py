"""Addresses beyond ASCII: IDN domains (punycode), UTF-8 local parts (RFC 6531/6532), one
account per mailbox, and the email headers built for them."""

from __future__ import annotations

import email
import email.policy
import string
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.accounts.email_address import (
    address_problem,
    deliverable,
    masked,
    normalized,
)
from service.email.failures import SMTPUTF8_MISSING, SmtpUtf8Missing, classify
from service.email.message import build_message, needs_smtputf8, recipient, sender
from service.email.mime import OutgoingEmail
from service.studies.templates import EmailTemplate

SHAPE = "email must be an email address like name@example.org"
BOUNDED = settings(max_examples=300, deadline=None, database=None)


@pytest.mark.parametrize(
    "address",
    [
        "anna@münchen.de",
        "ANNA@MÜNCHEN.DE",
        "jürgen@example.de",
        "日本@example.jp",
        "δοκιμή@παράδειγμα.δοκιμή",
        "почта@пример.рф",
        "用户@例子.广告",
        "straße@straße.de",
        "anna@bücher.münchen.de",
        "o'brien.müller+studie@example.org",
        "ju\u0308rgen@example.de",  # decomposed (NFD), as some keyboards write it
        # Full-width letters and an ideographic full stop (UTS 46 maps them):
        "anna@\uff4d\u00fc\uff4e\uff43\uff48\uff45\uff4e\u3002de",
        "  jürgen@example.de\n",
        "\u05e9\u05dc\u05d5\u05dd@example.co.il",  # Hebrew (right to left) in a local part
        "x@\u05e9\u05dc\u05d5\u05dd.example",  # and a right-to-left label (IDNA bidi rule)
    ],
)
def test_addresses_beyond_ascii_are_accepted(address: str) -> None:
    assert address_problem(address) is None


def _invisible(code: int) -> str:
    return f"email must not contain invisible or control characters (found U+{code:04X})"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("jür gen@example.de", SHAPE),
        ("jürgen@exa mple.de", SHAPE),
        ('"jürgen"@example.de', SHAPE),
        ('"jür gen"@example.de', SHAPE),
        ("jürgen?@example.de", SHAPE),
        ("jürgen\uff1f@example.de", SHAPE),  # full-width "?", a "?" once folded (NFKC)
        ("jürgen,anna@example.de", SHAPE),
        ("jürgen<anna@example.de", SHAPE),
        ("jürgen\uff0canna@example.de", SHAPE),  # full-width comma: a list once folded
        ("anna\uff20evil.test@example.de", SHAPE),  # full-width "@": two addresses once folded
        ("anna\ufe6bevil.test@example.de", SHAPE),  # small commercial at
        ("jürgen..x@example.de", SHAPE),
        ("jürgen.\u2024x@example.de", SHAPE),  # one-dot leader: ".." once folded
        ("\u0308jürgen@example.de", SHAPE),  # a mark may not start an atom
        ("jürgen.\u0308x@example.de", SHAPE),
        ("jürgen@example.de@evil.test", SHAPE),
        ("jürgen@", SHAPE),
        ("@münchen.de", SHAPE),
        ("münchen.de", SHAPE),
        ("anna@münchen", SHAPE),  # the top-level label must be one, as for ASCII
        ("anna@-münchen.de", SHAPE),
        ("anna@mü--nchen.de", SHAPE),  # IDNA: no hyphens in the 3rd and 4th positions
        ("anna@ab--ü.de", SHAPE),
        ("anna@mü_nchen.de", SHAPE),
        ("anna@münchen..de", SHAPE),
        ("anna@münchen.de.", SHAPE),
        (
            "anna@a\u05e9\u05dc\u05d5\u05dd.example",
            SHAPE,
        ),  # IDNA's bidi rule: left to right and right to left
        (
            "anna@\uff11\uff0e\uff12\uff0e\uff13\uff0e\uff14",
            SHAPE,
        ),  # a full-width IP number maps to an IP number
        ("anna@xn--zz.münchen.de", SHAPE),  # not punycode at all
        ("anna@mü\u00adnchen.de", _invisible(0xAD)),  # soft hyphen
        ("jür\u200bgen@example.de", _invisible(0x200B)),  # zero-width space
        ("jür\u200dgen@example.de", _invisible(0x200D)),  # zero-width joiner
        ("jürgen\u202e@example.de", _invisible(0x202E)),  # right-to-left override
        ("jür\u2066gen@example.de", _invisible(0x2066)),  # left-to-right isolate
        ("jür\ufeffgen@example.de", _invisible(0xFEFF)),
        ("jür\u3164gen@example.de", _invisible(0x3164)),  # Hangul filler (a "letter")
        ("jür\ufe0fgen@example.de", _invisible(0xFE0F)),  # variation selector
        ("jür\u00a0gen@example.de", _invisible(0xA0)),
        ("jür\tgen@example.de", _invisible(0x09)),
        ("jür\ngen@example.de", _invisible(0x0A)),
        ("jür\x00gen@example.de", _invisible(0x00)),
        ("jür\ud800gen@example.de", _invisible(0xD800)),  # a lone surrogate
        ("jür\ue000gen@example.de", _invisible(0xE000)),  # private use
    ],
)
def test_addresses_beyond_ascii_that_are_refused(value: str, message: str) -> None:
    assert address_problem(value) == message


def test_limits_count_octets_as_sent() -> None:
    # 21 three-octet characters are 63 octets before the @, 22 are 66: RFC 5321 counts octets.
    assert address_problem("日" * 21 + "@example.jp") is None
    assert address_problem("日" * 22 + "@example.jp") == (
        "email must have at most 64 bytes before the @ (a character beyond ASCII takes 2 to 4)"
    )
    # 100 characters, but punycode makes the domain longer than the 254 octets of a path.
    label = "".join(chr(0x4E00 + 997 * i) for i in range(15))  # 49 octets in punycode
    long_domain = ".".join([label] * 6) + ".de"
    assert len("a@" + long_domain) == 100
    assert len(deliverable_domain(long_domain)) > 254
    assert address_problem("a@" + long_domain) == (
        "email must be at most 254 bytes as sent (a character beyond ASCII takes 2 to 4, a "
        "domain beyond ASCII is sent as xn--...)"
    )


def deliverable_domain(domain: str) -> str:
    """The punycode of a domain, whatever its length (for the test above)."""
    import idna

    # Label by label: idna refuses to encode a name over 253 octets at once.
    return ".".join(idna.encode(label, uts46=True).decode() for label in domain.split("."))


def test_unicode_and_punycode_forms_are_one_account() -> None:
    key = "anna@xn--mnchen-3ya.de"
    for written in [
        "anna@münchen.de",
        "anna@xn--mnchen-3ya.de",
        "Anna@MÜNCHEN.de",
        "ANNA@XN--MNCHEN-3YA.DE",
        " anna@\uff4d\u00fc\uff4e\uff43\uff48\uff45\uff4e\u3002de ",
    ]:
        assert normalized(written) == key, written


def test_the_local_part_is_one_account_however_it_is_typed() -> None:
    assert normalized("JÜRGEN@Example.DE") == "jürgen@example.de"
    assert normalized("ju\u0308rgen@example.de") == normalized("jürgen@example.de")
    # Lower-cased, not casefolded: ß and ss may be two mailboxes, so two accounts.
    assert normalized("straße@example.de") != normalized("strasse@example.de")
    # Domains follow IDNA 2008 (non-transitional): straße.de is not strasse.de either.
    assert normalized("a@straße.de") == "a@xn--strae-oqa.de"


def test_ascii_addresses_normalize_exactly_as_before() -> None:
    # The keys of every account stored so far (trimmed, str.lower()) stay the same.
    for address in ["Alice.Smith@Example.ORG", " a@xn--MNCHEN-3ya.de ", "x@a.b", "no-at-sign"]:
        assert normalized(address) == address.strip().lower()


def test_what_is_sent() -> None:
    assert deliverable("anna@münchen.de") == "anna@xn--mnchen-3ya.de"
    assert deliverable(" Anna@MÜNCHEN.de ") == "Anna@xn--mnchen-3ya.de"  # local part as written
    assert deliverable("ju\u0308rgen@Example.DE") == "jürgen@Example.DE"  # NFC, RFC 6532
    assert deliverable("  Alice@Example.org ") == "Alice@Example.org"


# --- properties ----------------------------------------------------------------------------

# No "ß" (it has tests of its own): its upper case is "SS", which lower-cases to "ss" (a
# case mapping, not a bug).
LOCAL_CHARS = string.ascii_letters + string.digits + "!#$%&'+-/=^_`{|}~" + "éÜжΩ日本한\u0308"
LABEL_CHARS = string.ascii_lowercase + string.digits + "éüжω日本한"
international = st.builds(
    "{}@{}.{}".format,
    st.lists(st.text(LOCAL_CHARS, min_size=1, max_size=8), min_size=1, max_size=3).map(".".join),
    st.text(LABEL_CHARS, min_size=1, max_size=12),
    st.sampled_from(["de", "org", "jp", "рф", "日本", "MÜNCHEN"]),
).filter(lambda address: address_problem(address) is None)


@BOUNDED
@given(international)
def test_what_is_sent_is_the_account_that_is_looked_up(address: str) -> None:
    sent = deliverable(address)
    assert address_problem(sent) is None
    assert deliverable(sent) == sent
    assert normalized(sent) == normalized(address)
    assert sent.rpartition("@")[2].isascii()
    assert recipient(address).addr_spec == sent


@BOUNDED
@given(international, st.text(" \t\n\u3000", max_size=2))
def test_normalized_is_idempotent_and_ignores_case(address: str, pad: str) -> None:
    key = normalized(address)
    assert normalized(key) == key
    assert normalized(pad + address.upper() + pad) == normalized(address.lower()) == key


@BOUNDED
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=20))
def test_masked_is_always_printable(local: str, domain: str) -> None:
    shown = masked(f"{local}@{domain}")
    assert shown.isprintable()
    shown.encode("utf-8")  # no lone surrogate: a log line and Redis both take it


def test_masked_beyond_ascii() -> None:
    assert masked("jürgen@münchen.de") == "j***@münchen.de"
    assert masked("日本@example.jp") == "日***@example.jp"
    assert masked("\ud800x@example.de\n") == "\\ud800***@example.de"
    assert masked("a@evil.test\r\nBcc: x") == "a***@evil.test\\u000d\\u000aBcc: x"


# --- the email ------------------------------------------------------------------------------

TEMPLATE = EmailTemplate(subject="Sign in", body="Your link: ${url}", mime_type="text/plain")


def _email(to: str, mail_from: str = "Study Team <study@example.org>") -> OutgoingEmail:
    return build_message(
        TEMPLATE,
        {"url": "https://signin.example.org/s/x"},
        to=to,
        mail_from=mail_from,
        message_id="<m1@signin.example.org>",
    )


def _reread(message: OutgoingEmail) -> tuple[bytes, EmailMessage]:
    """The email's bytes (with LF line ends, to read), and the email Python's parser reads
    back from them (as UTF-8 text: the bytes parser would leave surrogate escapes in RFC 6532
    headers)."""
    assert b"\n" not in message.data.replace(b"\r\n", b"")  # CRLF line ends only
    data = message.data.replace(b"\r\n", b"\n")
    parsed = email.message_from_string(data.decode("utf-8"), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return data, parsed


def _head(data: bytes) -> str:
    return data.decode("utf-8").split("\n\n", 1)[0]


def test_an_idn_recipient_is_written_in_punycode() -> None:
    data, parsed = _reread(_email("anna@münchen.de"))
    assert "\nTo: anna@xn--mnchen-3ya.de\n" in _head(data)
    assert data.isascii()  # an ordinary message: no SMTPUTF8 needed
    assert [a.addr_spec for a in parsed["To"].addresses] == ["anna@xn--mnchen-3ya.de"]
    assert parsed["To"].defects == ()


def test_a_local_part_beyond_ascii_is_written_in_utf8_never_as_an_encoded_word() -> None:
    for address in ["jürgen@example.de", "日本@example.jp", "jürgen@münchen.de"]:
        message = _email(address)
        data, parsed = _reread(message)
        head = _head(data)
        assert "=?" not in head.split("\nTo:", 1)[1].split("\n", 1)[0], head
        # (Python's parser notes a non-ASCII local part as a defect of RFC 5322; RFC 6532
        # allows it, and the address reads back exactly.)
        assert [a.addr_spec for a in parsed["To"].addresses] == [deliverable(address)]
        assert f"\nTo: {deliverable(address)}\n".encode() in data
        assert needs_smtputf8(recipient(address), "Study Team <study@example.org>")


def test_a_display_name_beyond_ascii_round_trips_in_both_kinds_of_message() -> None:
    mail_from = "Équipe d'étude <study@example.org>"
    ascii_message = _head(_reread(_email("anna@münchen.de", mail_from))[0])
    assert "From: =?utf-8?q?" in ascii_message  # RFC 2047 words, in the display name only
    for to in ["anna@münchen.de", "jürgen@example.de"]:
        _, parsed = _reread(_email(to, mail_from))
        (address,) = parsed["From"].addresses
        assert address.display_name == "Équipe d'étude"
        assert address.addr_spec == "study@example.org"
        assert not needs_smtputf8(recipient("anna@münchen.de"), mail_from)


def test_an_idn_sender_is_written_in_punycode() -> None:
    assert str(sender("Études <étude@université.fr>")) == "Études <étude@xn--universit-j4a.fr>"
    _, parsed = _reread(_email("anna@example.org", "Team <study@université.fr>"))
    assert parsed["From"].addresses[0].addr_spec == "study@xn--universit-j4a.fr"
    assert sender("Study Team <study@example.org>") == "Study Team <study@example.org>"


def test_no_server_without_smtputf8_is_a_permanent_failure() -> None:
    failure = classify(SmtpUtf8Missing())
    assert failure.permanent
    expected = "the mail server does not accept internationalized addresses (SMTPUTF8)"
    assert failure.reason == expected
    assert failure.reason == SMTPUTF8_MISSING
