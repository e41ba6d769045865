"""What a study's sign-in email will look like, built exactly as the worker builds it.

A preview and a test email use a sample token and code that were never stored: their links and
code sign nobody in. The preview's HTML carries the QR code as a ``data:`` image (an email
attaches it instead, which a browser showing the preview cannot follow).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from email.message import EmailMessage

from service.email.message import build_message, sign_in_values
from service.i18n.catalogs import SOURCE_LANGUAGE
from service.studies.model import Study
from service.studies.templates import TOKEN_VARIABLES, EmailTemplate, variables_in

SAMPLE_EMAIL = "participant@example.org"
# Shaped like real ones (48 hex characters; 8 characters of the code alphabet), never stored.
SAMPLE_TOKEN = "5a3f" * 12
SAMPLE_CODE = "TEST2345"
TEST_SUBJECT_PREFIX = "[Test] "
# A test email says what it is to the mail client and to whoever reads its headers.
TEST_HEADER = "X-Magiclink-Test"

# Values that are empty unless the study sets them, and the setting that fills each.
_FILLED_BY = {
    "supportEmail": "supportEmail",
    "technicalEmail": "supportEmail",
    "consentEmail": "supportEmail",
    "appUrl": "appUrlScheme",
    "installUrlIos": "installLinks.ios",
    "installUrlAndroid": "installLinks.android",
}
_LINKS = frozenset({"url", "emailSignInUrl", "shortUrl", "qrCode"})


@dataclass(frozen=True)
class Preview:
    subject: str
    language: str
    html: str | None  # None for a plain-text template
    text: str
    warnings: list[str]


def sample_values(
    study: Study, email: str, base_url: str, language: str = SOURCE_LANGUAGE
) -> dict[str, str]:
    """A sign-in email's values with the sample token and code, worded in ``language``."""
    return sign_in_values(study, email, SAMPLE_TOKEN, SAMPLE_CODE, base_url, language)


def warnings(template: EmailTemplate, values: dict[str, str]) -> list[str]:
    """What would surprise a participant in a valid template: an empty value, no link."""
    used = set(variables_in(template.subject)) | set(variables_in(template.body))
    found = [
        f"${{{name}}} is empty for this study: set its {_FILLED_BY[name]} to fill it"
        for name in sorted(used & _FILLED_BY.keys())
        if not values.get(name)
    ]
    if used & TOKEN_VARIABLES and not used & _LINKS:
        found.append(
            "The email has no sign-in link (${emailSignInUrl}, ${url} or ${qrCode}): "
            "participants will have to type the code or token"
        )
    return found


def marked_as_test(template: EmailTemplate) -> EmailTemplate:
    """The template of a test email: the same, its subject marked."""
    return replace(template, subject=TEST_SUBJECT_PREFIX + template.subject)


def preview(
    study: Study,
    template: EmailTemplate,
    *,
    base_url: str,
    mail_from: str,
    language: str = SOURCE_LANGUAGE,
) -> Preview:
    values = sample_values(study, SAMPLE_EMAIL, base_url, language)
    message = build_message(
        template, values, to=SAMPLE_EMAIL, mail_from=mail_from, message_id="<preview@magiclink>"
    ).parsed()
    return Preview(
        subject=str(message["Subject"]),
        language=language,
        html=_html_with_inline_images(message),
        text=_part(message, "plain") or "",
        warnings=warnings(template, values),
    )


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body((subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    assert isinstance(part, EmailMessage)
    content: str = part.get_content()
    return content


def _html_with_inline_images(message: EmailMessage) -> str | None:
    html = _part(message, "html")
    if html is None:
        return None
    for part in message.walk():
        content_id = part.get("Content-ID")
        if content_id and part.get_content_maintype() == "image":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            data = base64.b64encode(payload).decode()
            uri = f"data:{part.get_content_type()};base64,{data}"
            html = html.replace(f"cid:{content_id.strip('<>')}", uri)
    return html
