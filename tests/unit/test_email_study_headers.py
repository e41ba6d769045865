"""A sign-in email comes from the study: sender name, Reply-To, a real text part, the QR code
shown inline, and a raw link that wraps on a narrow phone."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from service.email.message import (
    build_message,
    default_onboarding_template,
    default_sign_in_template,
    onboarding_values,
    sign_in_values,
)
from service.email.mime import OutgoingEmail
from service.i18n.catalogs import shipped
from service.studies.model import Study
from tests.support.study_bodies import read_study

BASE_URL = "https://signin.example.org"
TO = "ann@example.org"
MAIL_FROM = "magiclink <no-reply@signin.example.org>"


def _study(**fields: object) -> Study:
    return read_study({"identifier": "sleep", "name": "Sleep Study", **fields})


def _sign_in(study: Study, language: str = "en", mail_from: str = MAIL_FROM) -> OutgoingEmail:
    values = sign_in_values(study, TO, "tok123", "K7M2QX9P", BASE_URL, language)
    return build_message(
        default_sign_in_template(language),
        values,
        to=TO,
        mail_from=mail_from,
        message_id="<1.sleep@signin.example.org>",
    )


def _reparsed(message: OutgoingEmail) -> EmailMessage:
    """The email as a mail client reads it: its bytes parsed."""
    return message.parsed()


def test_the_sender_is_the_studys_name_on_the_configured_address() -> None:
    parsed = _reparsed(_sign_in(_study()))
    assert str(parsed["From"]) == "Sleep Study <no-reply@signin.example.org>"


@pytest.mark.parametrize(
    "name",
    [
        'Sleep "Study", <evil@attacker.test>',
        "Schlafstudie Über Nacht",
        "Estudio, del sueño <b>",
        "دراسة النوم",
    ],
)
def test_no_study_name_adds_an_address_or_a_header(name: str) -> None:
    parsed = _reparsed(_sign_in(_study(name=name)))
    addresses = parsed["From"].addresses
    assert len(addresses) == 1
    assert addresses[0].display_name == name
    assert addresses[0].addr_spec == "no-reply@signin.example.org"
    assert parsed["Bcc"] is None
    assert parsed["Cc"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == [TO]
    # Non-ASCII names are encoded words: the header itself stays ASCII.
    raw_from = next(
        line for line in _sign_in(_study(name=name)).data.split(b"\r\n") if b"From:" in line
    )
    assert raw_from.isascii()


def test_reply_to_is_the_support_address_and_absent_without_one() -> None:
    parsed = _reparsed(_sign_in(_study(supportEmail="help@sleep.example.org")))
    assert [a.addr_spec for a in parsed["Reply-To"].addresses] == ["help@sleep.example.org"]
    assert _reparsed(_sign_in(_study()))["Reply-To"] is None


def test_the_qr_code_is_inline_inside_multipart_related() -> None:
    parsed = _reparsed(_sign_in(_study()))
    related = next(p for p in parsed.walk() if p.get_content_type() == "multipart/related")
    images = [p for p in related.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0].get_content_disposition() == "inline"
    assert not list(parsed.iter_attachments())  # clients list no attachment


@pytest.mark.parametrize("language", sorted(shipped()))
def test_the_text_part_is_written_for_text(language: str) -> None:
    parsed = _reparsed(_sign_in(_study(), language))
    text = parsed.get_body(("plain",))
    assert text is not None
    content = text.get_content()
    link = f"{BASE_URL}/s/sleep?email=ann%40example.org&token=tok123"
    assert f"\n{link}\n" in content  # on a line of its own, whole
    assert "K7M2QX9P" in content
    assert "${" not in content
    if language == "en":
        assert "button" not in content
        assert "Scan" not in content
        assert "below" not in content


def test_the_onboarding_text_part_lists_the_links() -> None:
    study = _study()
    values = onboarding_values(study, TO, BASE_URL)
    message = build_message(
        default_onboarding_template(), values, to=TO, mail_from=MAIL_FROM, message_id="<2@x>"
    )
    text = _reparsed(message).get_body(("plain",))
    assert text is not None
    content = text.get_content()
    assert f"\n{BASE_URL}/p/sleep?login_hint=ann%40example.org\n" in content
    assert "Scan" not in content


def test_the_raw_link_wraps_on_a_narrow_screen() -> None:
    html = _reparsed(_sign_in(_study())).get_body(("html",))
    assert html is not None
    # A 300-character link in one unbreakable word would widen a 320 px screen; these let the
    # mail client break it anywhere.
    assert "word-break: break-all" in html.get_content()
    assert "overflow-wrap: anywhere" in html.get_content()
