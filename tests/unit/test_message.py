"""Building the sign-in email from a study's template."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from service.deeplinks.qr import qr_png
from service.email.message import (
    UndeliverableAddress,
    build_message,
    default_sign_in_template,
    sign_in_values,
)
from service.email.mime import OutgoingEmail
from service.errors import Invalid
from service.studies.model import Study
from service.studies.templates import HTML_ONLY_VARIABLES, SIGN_IN_VARIABLES, EmailTemplate
from tests.support.study_bodies import read_study, template_problems

BASE_URL = "https://signin.example.org"
TO = "Alice@Example.org"
TOKEN = "tok_" + "A1b2C3d4" * 8  # long enough to push the link past 76 characters
CODE = "K7M2QX9P"
MAIL_FROM = "Study Team <study@example.org>"
MESSAGE_ID = "<1700000000000-0.study-a@signin.example.org>"
# ${url}: Bridge's older link form; ${emailSignInUrl} and ${shortUrl}: the short one.
LINK = (
    f"{BASE_URL}/mobile/study-a/startSession.html"
    f"?email=Alice%40Example.org&study=study-a&appId=study-a&token={TOKEN}"
)
SHORT_LINK = f"{BASE_URL}/s/study-a?email=Alice%40Example.org&token={TOKEN}"


def _study(**fields: object) -> Study:
    data: dict[str, object] = {"identifier": "study-a", "name": "Study A"}
    data.update(fields)
    return read_study(data)


def _built(template: EmailTemplate, study: Study | None = None) -> OutgoingEmail:
    values = sign_in_values(study or _study(), TO, TOKEN, CODE, BASE_URL)
    return build_message(template, values, to=TO, mail_from=MAIL_FROM, message_id=MESSAGE_ID)


def _build(template: EmailTemplate, study: Study | None = None) -> EmailMessage:
    """The email as a mail client reads it: its bytes parsed by the library."""
    return _built(template, study).parsed()


def _text(part: EmailMessage) -> str:
    content = part.get_content()
    assert isinstance(content, str)
    return content


def _parts(message: EmailMessage) -> list[EmailMessage]:
    parts = list(message.iter_parts())
    assert all(isinstance(p, EmailMessage) for p in parts)
    return [p for p in parts if isinstance(p, EmailMessage)]


# --- values --------------------------------------------------------------------------------


def test_sign_in_values_cover_every_known_variable() -> None:
    values = sign_in_values(_study(), TO, TOKEN, CODE, BASE_URL)
    # qrCode is markup that build_message puts in itself (HTML templates only)
    assert set(values) == SIGN_IN_VARIABLES - HTML_ONLY_VARIABLES
    assert values["token"] == TOKEN
    assert values["url"] == LINK
    assert values["emailSignInUrl"] == values["shortUrl"] == SHORT_LINK
    assert values["email"] == "Alice%40Example.org"  # URL-encoded, as Bridge does
    assert values["participantEmail"] == TO
    assert values["studyId"] == "study-a"
    assert values["host"] == "signin.example.org"
    assert values["emailSignInExpirationPeriod"] == "1 hour"


def test_short_and_sponsor_names_fall_back_to_the_study_name() -> None:
    values = sign_in_values(_study(), TO, TOKEN, CODE, BASE_URL)
    assert values["studyName"] == values["studyShortName"] == values["sponsorName"] == "Study A"
    values = sign_in_values(_study(shortName="A", sponsorName="Lab"), TO, TOKEN, CODE, BASE_URL)
    assert (values["studyShortName"], values["sponsorName"]) == ("A", "Lab")


def test_expiration_period_follows_the_study_ttl() -> None:
    values = sign_in_values(_study(emailSignInTokenTtlSeconds=900), TO, TOKEN, CODE, BASE_URL)
    assert values["emailSignInExpirationPeriod"] == "15 minutes"


# --- plain text ----------------------------------------------------------------------------


def test_plain_template_gives_a_single_text_part() -> None:
    template = EmailTemplate("Sign in to ${studyName}", "Hello ${participantEmail},\nopen ${url}\n")
    message = _build(template)
    assert not message.is_multipart()
    assert message.get_content_type() == "text/plain"
    assert message["Content-Transfer-Encoding"] == "7bit"
    assert _text(message) == f"Hello {TO},\nopen {LINK}\n"


def test_headers_are_set() -> None:
    message = _build(EmailTemplate("Sign in to ${studyName} (${studyId})", "${url}"))
    assert message["Subject"] == "Sign in to Study A (study-a)"
    # MAGICLINK_MAIL_FROM's address, the study's name (tests/unit/test_email_study_headers.py)
    assert message["From"] == "Study A <study@example.org>"
    assert message["To"] == TO
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]


def test_plain_values_are_not_escaped() -> None:
    study = _study(name="<b>Tom & Jerry</b>")
    message = _build(EmailTemplate("${studyName}", "${studyName} ${url}"), study)
    assert _text(message).startswith("<b>Tom & Jerry</b> ")
    assert message["Subject"] == "<b>Tom & Jerry</b>"


def test_plain_link_is_not_broken_by_soft_line_breaks() -> None:
    message = _build(EmailTemplate("Sign in", "Open ${url}"))
    raw = message.get_payload()
    assert isinstance(raw, str)
    assert LINK in raw
    assert "=\n" not in raw


def test_non_ascii_body_is_quoted_printable_and_decodes_intact() -> None:
    message = _build(EmailTemplate("Étude", "Öffnen Sie ${url}"), _study(name="Étude"))
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert _text(message) == f"Öffnen Sie {LINK}\n"
    assert message["Subject"] == "Étude"


def test_ascii_line_over_998_characters_is_quoted_printable() -> None:
    message = _build(EmailTemplate("Sign in", "${url} " + "x" * 1000))
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert _text(message).startswith(LINK)


# --- HTML ----------------------------------------------------------------------------------


def test_html_template_gives_text_and_html_alternatives() -> None:
    template = EmailTemplate(
        "Sign in to ${studyName}",
        '<p>Hello,</p><p><a href="${url}">Sign in to ${studyName}</a></p>',
        "text/html",
    )
    message = _build(template)
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = _parts(message)
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    assert _text(text_part) == f"Hello,\n\nSign in to Study A ({LINK})\n"
    assert f'href="{LINK.replace("&", "&amp;")}"' in _text(html_part)
    assert message["Subject"] == "Sign in to Study A"


def test_html_values_are_escaped_in_the_html_part_only() -> None:
    study = _study(name="<script>alert(1)</script>", sponsorName="\"&'")
    template = EmailTemplate(
        "${studyName}", "<p>${studyName} by ${sponsorName}</p><p>${url}</p>", "text/html"
    )
    message = _build(template, study)
    text_part, html_part = _parts(message)
    html = _text(html_part)
    assert "<script>" not in html
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; by &quot;&amp;&#x27;</p>" in html
    assert _text(text_part).startswith("<script>alert(1)</script> by \"&'\n")
    assert message["Subject"] == "<script>alert(1)</script>"  # subjects are not HTML


def test_default_template_text_part_carries_the_link_unbroken() -> None:
    message = _build(default_sign_in_template())
    assert message["Subject"] == "Your sign-in link for Study A"
    text_part, related = _parts(message)
    assert related.get_content_type() == "multipart/related"  # the html and its QR image
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    assert text_part["Content-Transfer-Encoding"] == "7bit"
    raw = text_part.get_payload()
    assert isinstance(raw, str)
    assert SHORT_LINK in raw  # the default template links to the short form
    assert "=\n" not in raw
    assert f"sign in to the Study A app:\n{SHORT_LINK}\n" in _text(text_part)
    assert "expire in 1 hour" in _text(text_part)
    assert f"type this code:\n{CODE}\n" in _text(text_part)  # alone: easy to copy
    assert "${" not in _text(text_part)
    assert "${" not in _text(html_part)
    assert "<style" not in _text(text_part)


# --- what validation accepts must build ----------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c"])
def test_every_subject_that_validation_accepts_builds_a_message(separator: str) -> None:
    template, errors = template_problems(
        {"subject": f"Sign in{separator}now", "body": "${url}"}, "emailSignInTemplate"
    )
    if template is None:  # rejected at save time: fine
        assert "emailSignInTemplate.subject" in errors
        return
    message = _build(template)
    assert len(str(message["Subject"]).splitlines()) == 1


@pytest.mark.parametrize(
    ("field", "variable"),
    [("name", "studyName"), ("shortName", "studyShortName"), ("sponsorName", "sponsorName")],
)
def test_every_study_that_validation_accepts_builds_its_email(field: str, variable: str) -> None:
    template = {"subject": f"Sign in to ${{{variable}}}", "body": "${url}"}
    data = {"identifier": "study-a", "name": "Study A", "emailSignInTemplate": template}
    data[field] = "Study\nBcc: someone@example.org"
    try:
        study = read_study(data)
    except Invalid as rejected:  # rejected at save time: fine
        rejected_fields = set(rejected.errors)
    else:
        assert study.email_sign_in_template is not None
        message = _build(study.email_sign_in_template, study)
        assert "Bcc" not in message
        assert len(str(message["Subject"]).splitlines()) == 1
        return
    assert field in rejected_fields


def test_the_qr_code_is_an_inline_image_of_the_link() -> None:
    template = EmailTemplate("Sign in", "<p>Scan: ${qrCode}</p><p>${url}</p>", "text/html")
    message = _build(template)
    html_part = message.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert '<img src="cid:qr.' in html
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    (image,) = images
    assert image["Content-ID"].strip("<>") in html  # the html refers to the attached image
    payload = image.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.startswith(b"\x89PNG")
    text_part = message.get_body(("plain",))
    assert isinstance(text_part, EmailMessage)
    assert "cid:" not in _text(text_part)  # no dangling image reference in the text


def test_install_and_app_links_are_substituted() -> None:
    study = _study(
        installLinks={"ios": "https://apps.apple.com/app/x/id123"},
        appUrlScheme="examplestudy",
    )
    values = sign_in_values(study, TO, TOKEN, CODE, BASE_URL)
    assert values["installUrlIos"] == "https://apps.apple.com/app/x/id123"
    assert values["installUrlAndroid"] == ""
    assert values["appUrl"].startswith("examplestudy://sign-in?study=")
    assert TOKEN not in values["appUrl"]  # a custom scheme can be claimed by any app


# --- headers no value can break ------------------------------------------------------------

ENCODED_CRLF = "=?utf-8?q?x=0D=0ABcc:_attacker@evil.test?="


def _raw_header_names(message: OutgoingEmail) -> list[str]:
    head = message.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.splitlines() if line[:1] not in (" ", "\t")]


def test_an_encoded_line_break_in_a_subject_never_becomes_a_header_of_its_own() -> None:
    # The attack: a subject (or a study name substituted into it) holding an encoded CR LF
    # became a raw "Bcc:" line. Stored before validation refused it, or arriving through a
    # value, it now reads literally.
    template = EmailTemplate(f"Sign in {ENCODED_CRLF} now", "Tap ${url}", "text/plain")
    built = _built(template)
    message = built.parsed()
    assert "Bcc" not in _raw_header_names(built)
    assert message["Bcc"] is None
    subject = str(message["Subject"])
    assert "\n" not in subject
    assert "\r" not in subject
    assert subject.replace("\u2060", "") == f"Sign in {ENCODED_CRLF} now"


def test_a_substituted_value_cannot_open_an_encoded_word_either() -> None:
    study = Study(**{**_study().__dict__, "name": f"Study {ENCODED_CRLF}"})
    template = EmailTemplate("Sign in to ${studyName}", "Tap ${url}", "text/plain")
    built = _built(template, study)
    assert built.parsed()["Bcc"] is None
    assert "Bcc" not in _raw_header_names(built)


def test_the_recipient_is_one_address_or_the_email_is_not_built() -> None:
    template = EmailTemplate("Sign in", "Tap ${url}", "text/plain")
    message = _build(template)
    assert [a.addr_spec for a in message["To"].addresses] == [TO]
    for stored in ("=?utf-8?q?attacker=40evil.test=2C?=victim@example.org", "a@b.org, c@d.org"):
        values = sign_in_values(_study(), stored, TOKEN, CODE, BASE_URL)
        with pytest.raises(UndeliverableAddress):
            build_message(template, values, to=stored, mail_from=MAIL_FROM, message_id=MESSAGE_ID)


@pytest.mark.parametrize("field", ["name", "shortName", "sponsorName"])
def test_study_names_with_encoded_words_are_refused(field: str) -> None:
    with pytest.raises(Invalid) as refused:
        _study(**{"name": "Study A", field: "=?utf-8?q?=0D=0ABcc:_a@e.test?="})
    assert refused.value.errors == {
        field: [
            f"{field} must not contain =? (email programs would read what follows as encoded text)"
        ]
    }


def test_subjects_with_encoded_words_are_refused() -> None:
    template, errors = template_problems(
        {"subject": f"Hi {ENCODED_CRLF}", "body": "${url}", "mimeType": "text/plain"},
        "emailSignInTemplate",
    )
    assert template is None
    assert list(errors) == ["emailSignInTemplate.subject"]
    assert "=?" in errors["emailSignInTemplate.subject"][0]


# --- templates written for Bridge ----------------------------------------------------------

PLUS = "a+tag@example.org"


def test_bridges_study_variables_have_bridges_meanings() -> None:
    study = _study(
        name="Sleep Study", shortName="Sleep", sponsorName="Lab", supportEmail="help@example.org"
    )
    values = sign_in_values(study, TO, TOKEN, CODE, BASE_URL)
    assert (values["appName"], values["appShortName"], values["appId"]) == (
        "Sleep Study",
        "Sleep",
        "study-a",
    )
    # our study has one address; Bridge's technical and consent addresses are it
    assert values["technicalEmail"] == values["consentEmail"] == "help@example.org"


def test_url_is_bridges_start_session_link_and_short_url_the_short_one() -> None:
    values = sign_in_values(_study(), PLUS, TOKEN, CODE, BASE_URL)
    url = urlsplit(values["url"])
    assert url.path == "/mobile/study-a/startSession.html"
    assert parse_qs(url.query, strict_parsing=True) == {
        "email": [PLUS],
        "study": ["study-a"],
        "appId": ["study-a"],
        "token": [TOKEN],
    }
    for name in ("emailSignInUrl", "shortUrl"):
        short = urlsplit(values[name])
        assert short.path == "/s/study-a"
        assert parse_qs(short.query) == {"email": [PLUS], "token": [TOKEN]}


def test_email_is_url_encoded_as_bridge_does_and_participant_email_is_as_written() -> None:
    values = sign_in_values(_study(), PLUS, TOKEN, CODE, BASE_URL)
    assert values["email"] == "a%2Btag%40example.org"
    assert values["participantEmail"] == PLUS
    odd = "o'brien&co/x~y@example.org"
    assert unquote(sign_in_values(_study(), odd, TOKEN, CODE, BASE_URL)["email"]) == odd


def test_a_link_the_template_builds_with_email_works_for_a_plus_address() -> None:
    body = "Tap https://myApp.example.org/mobile/verify.html?email=${email}&token=${token}\n"
    for mime_type in ("text/plain", "text/html"):
        values = sign_in_values(_study(), PLUS, TOKEN, CODE, BASE_URL)
        message = build_message(
            EmailTemplate("Sign in as ${participantEmail}", body, mime_type),
            values,
            to=PLUS,
            mail_from=MAIL_FROM,
            message_id=MESSAGE_ID,
        ).parsed()
        text_part = message.get_body(("plain",))
        assert isinstance(text_part, EmailMessage)
        (link,) = re.findall(r"https://\S+", _text(text_part))
        assert parse_qs(urlsplit(link).query) == {"email": [PLUS], "token": [TOKEN]}
        assert message["Subject"] == f"Sign in as {PLUS}"


def test_the_encoded_email_is_still_html_escaped() -> None:
    # quote() leaves nothing HTML-special, but escaping is applied to every value all the same
    values = {**sign_in_values(_study(), PLUS, TOKEN, CODE, BASE_URL), "email": "a&b"}
    template = EmailTemplate("Hi", '<a href="x?email=${email}">${url}</a>', "text/html")
    message = build_message(
        template, values, to=PLUS, mail_from=MAIL_FROM, message_id=MESSAGE_ID
    ).parsed()
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    assert 'href="x?email=a&amp;b"' in _text(html_part)
    assert LINK.replace("Alice%40Example.org", "a%2Btag%40example.org").replace(
        "&", "&amp;"
    ) in _text(html_part)


def test_the_qr_code_is_of_the_short_link() -> None:
    values = sign_in_values(_study(), TO, TOKEN, CODE, BASE_URL)
    template = EmailTemplate("Sign in", "<p>${qrCode}</p><p>${url}</p>", "text/html")
    message = build_message(
        template, values, to=TO, mail_from=MAIL_FROM, message_id=MESSAGE_ID
    ).parsed()
    (image,) = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert image.get_payload(decode=True) == qr_png(SHORT_LINK)
