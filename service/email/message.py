"""Building an email (sign-in or onboarding) from a study's template or the default one."""

from __future__ import annotations

import functools
import html as html_lib
from collections.abc import Sequence
from email.headerregistry import Address
from email.utils import formatdate
from urllib.parse import quote, urlsplit

from service.accounts.email_address import address_problem, deliverable, masked
from service.deeplinks.links import app_url, bridge_sign_in_url, sign_in_url
from service.deeplinks.qr import qr_png
from service.email.mime import (
    OutgoingEmail,
    header,
    inline_image,
    multipart,
    parsed_addresses,
    text_part,
)
from service.email.plaintext import html_to_text
from service.email.study_headers import reply_to, study_sender
from service.i18n.catalogs import SOURCE_LANGUAGE, direction, page_language
from service.i18n.templating import environment
from service.provisioning.study_link import study_provisioning_url
from service.studies.durations import human_period
from service.studies.model import Study
from service.studies.templates import EmailTemplate, header_text, substitute

# The text part of each built-in HTML body, written for reading as text (no "tap the button
# below" over nothing, no QR code to scan): keyed by the rendered HTML body, so a test email or
# a researcher's unchanged copy of the default gets it too.
_BUILTIN_TEXT: dict[str, str] = {}


@functools.cache
def _builtin(kind: str, language: str) -> EmailTemplate:
    """A built-in email of ``templates/email`` in a shipped language, rendered once: Jinja2
    translates its text and leaves the ``${variables}`` for :func:`substitute`."""
    language = page_language((language,))
    env = environment(language)
    context = {"lang": language, "dir": direction(language)}
    body = env.get_template(f"email/{kind}.html").render(context)
    _BUILTIN_TEXT[body] = env.get_template(f"email/{kind}.txt").render(context).strip() + "\n"
    return EmailTemplate(
        subject=env.get_template(f"email/{kind}_subject.txt").render(context).strip(),
        body=body,
        mime_type="text/html",
    )


def default_sign_in_template(language: str = SOURCE_LANGUAGE) -> EmailTemplate:
    """The sign-in email of studies that have none, in ``language`` (English if not shipped)."""
    return _builtin("sign_in", language)


def default_onboarding_template(language: str = SOURCE_LANGUAGE) -> EmailTemplate:
    """The onboarding email of studies that have none, in ``language``."""
    return _builtin("onboarding", language)


def _study_values(study: Study, email: str, base_url: str) -> dict[str, str]:
    """What every email of a study can say: who sends it, for which app, and where to get it."""
    short_name = study.short_name or study.name
    return {
        "email": email,
        "participantEmail": email,
        "studyName": study.name,
        "studyShortName": short_name,
        "studyId": study.identifier,
        # Bridge's names for the same (Bridge calls a study an app)
        "appName": study.name,
        "appShortName": short_name,
        "appId": study.identifier,
        "sponsorName": study.sponsor_name or study.name,
        "supportEmail": study.support_email,
        # Bridge's technical and consent-notification addresses: a study here has only its
        # support address, the one a participant (or a researcher's template) should write to.
        "technicalEmail": study.support_email,
        "consentEmail": study.support_email,
        "host": urlsplit(base_url).netloc,
        "appUrl": app_url(study.app_url_scheme, study.identifier, email)
        if study.app_url_scheme
        else "",
        "installUrlIos": study.install_links.ios or "",
        "installUrlAndroid": study.install_links.android or "",
    }


def onboarding_values(study: Study, email: str, base_url: str) -> dict[str, str]:
    link = study_provisioning_url(base_url, study.identifier, login_hint=email)
    values = {**_study_values(study, email, base_url), "provisioningUrl": link}
    # Without a store link, the buttons lead to the provisioning page, which has both steps.
    page = study_provisioning_url(base_url, study.identifier)
    values["installUrlIos"] = values["installUrlIos"] or page
    values["installUrlAndroid"] = values["installUrlAndroid"] or page
    return values


def sign_in_values(
    study: Study,
    email: str,
    token: str,
    code: str,
    base_url: str,
    language: str = SOURCE_LANGUAGE,
) -> dict[str, str]:
    """The values of a sign-in email, with Bridge's meanings.

    As in Bridge's sign-in emails, ``${email}`` is the address URL-encoded (``a+tag@x.org`` is
    ``a%2Btag%40x.org``), so that a template building its own link
    (``https://…/verify.html?email=${email}&token=${token}``) gets one that works;
    ``${participantEmail}`` is the address as written. ``${url}`` is Bridge's older link form
    (``/mobile/{studyId}/startSession.html``); ``${emailSignInUrl}`` and ``${shortUrl}`` the
    short one (``/s/{studyId}``). ``${emailSignInExpirationPeriod}`` is worded in the email's
    ``language`` ("1 Stunde", "15 minutos").
    """
    link = sign_in_url(base_url, study.identifier, email, token)
    return {
        **_study_values(study, email, base_url),
        "email": url_encoded(email),
        "token": token,
        "code": code,
        "url": bridge_sign_in_url(base_url, study.identifier, email, token),
        "emailSignInUrl": link,
        "shortUrl": link,
        "emailSignInExpirationPeriod": human_period(
            study.email_sign_in_token_ttl_seconds, language
        ),
        # qrCode is markup, substituted by build_message for HTML templates only
    }


def url_encoded(text: str) -> str:
    """Text made safe in any part of a URL: every character but ``A-Z a-z 0-9 _ . - ~``
    percent-encoded (UTF-8), as Bridge's ``encodeURIComponent`` does (except that a space is
    ``%20``, not ``+``, which reads the same in a path as in a query)."""
    return quote(text, safe="")


class UndeliverableAddress(ValueError):
    """An address that is not one plain addr-spec; it can never be delivered."""


def recipient(address: str) -> Address:
    """The one recipient of an email, from the address alone.

    Handing the email library a string would let it parse a display name, a list or an
    encoded word (``=?utf-8?q?a=40evil.test=2C?=b@example.org`` is two recipients); an
    addr-spec is one address or an error. The API refuses such addresses; this guards the
    ones stored before it did.
    """
    if address_problem(address) is not None:
        raise UndeliverableAddress(f"not a deliverable address: {masked(address)}")
    # The domain in punycode (an IDN needs nothing from the mail server); the local part as
    # written. Given as its two halves: the email library refuses an addr_spec with a local
    # part beyond ASCII, although RFC 6532 allows it.
    local, _, domain = deliverable(address).rpartition("@")
    one = Address(username=local, domain=domain)
    if one.addr_spec != f"{local}@{domain}":  # it would quote it: then it is no dot-atom
        raise UndeliverableAddress(f"not a deliverable address: {masked(address)}")
    return one


def _addresses(header_value: Address | str) -> tuple[Address, ...]:
    if isinstance(header_value, Address):
        return (header_value,)
    return parsed_addresses(header_value)


def needs_smtputf8(to: Address, mail_from: Address | str) -> bool:
    """Whether an email between these addresses (from :func:`recipient`, :func:`sender`) must
    be an RFC 6532 message, sent with SMTPUTF8: an address (not a display name) beyond ASCII.
    Its headers are UTF-8 then, never RFC 2047 encoded words, which are not allowed inside an
    address (``To: =?utf-8?q?j=C3=BCrgen?=@example.de`` names nobody)."""
    return not all(one.addr_spec.isascii() for one in (to, *_addresses(mail_from)))


def sender(mail_from: str) -> Address | str:
    """The From header of MAGICLINK_MAIL_FROM: its one address with the domain in punycode, so
    that an IDN sender needs no SMTPUTF8; the display name stays as written (the email
    library encodes a non-ASCII one as RFC 2047 words, or UTF-8 in an RFC 6532 message)."""
    addresses = _addresses(mail_from)
    if len(addresses) != 1 or addresses[0].domain.isascii() or not addresses[0].username:
        return mail_from  # ASCII (or not one address): as always
    (address,) = addresses
    if address_problem(address.addr_spec) is not None:
        return mail_from
    local, _, domain = deliverable(address.addr_spec).rpartition("@")
    return Address(display_name=address.display_name, username=local, domain=domain)


def build_message(
    template: EmailTemplate,
    values: dict[str, str],
    *,
    to: str,
    mail_from: str,
    message_id: str,
    extra_headers: Sequence[tuple[str, str]] = (),
) -> OutgoingEmail:
    """The email of ``template`` with ``values`` substituted, to ``to``; ``extra_headers`` are
    ASCII lines of our own (a test email's marker)."""
    to_address, from_address = recipient(to), sender(mail_from)
    international = needs_smtputf8(to_address, from_address)
    # Study names and subjects are validated (one line, no "=?"); header_text() keeps any
    # substituted value from breaking the header or being decoded into another.
    subject = header_text(substitute(template.subject, values))
    # The study's name on MAGICLINK_MAIL_FROM's address, its support address for replies.
    from_header = study_sender(from_address, values.get("studyName", ""))
    lines = [
        header("Subject", subject, international),
        header("From", str(from_header), international),
        header("To", str(to_address), international),
    ]
    support = reply_to(values.get("supportEmail", ""))
    if support is not None:
        lines.append(header("Reply-To", str(support), international))
    lines += [
        f"Date: {formatdate(localtime=False, usegmt=True)}\r\n",
        f"Message-ID: {message_id}\r\n",
        # Sign-in links must not be rewritten or followed by auto-responders.
        "Auto-Submitted: auto-generated\r\n",
        *(header(name, value) for name, value in extra_headers),
        "MIME-Version: 1.0\r\n",
    ]
    data = "".join(lines) + _body(template, values, message_id)
    return OutgoingEmail(
        envelope_from=_addr_spec(from_address),
        envelope_to=to_address.addr_spec,
        message_id=message_id,
        data=data.encode("utf-8" if international else "ascii"),
        international=international,
    )


def _body(template: EmailTemplate, values: dict[str, str], message_id: str) -> str:
    """The MIME body: text alone; or text and HTML as alternatives, the HTML with its QR code
    attached inline when it shows one (multipart/related: mail clients block data: images)."""
    if not template.is_html:
        return text_part("plain", substitute(template.body, values))
    qr_cid = f"qr.{message_id.strip('<>')}"
    qr_image = (
        f'<img src="cid:{html_lib.escape(qr_cid)}" width="180" height="180" '
        'alt="QR code of your link">'
    )
    html = substitute(template.body, values, escape_html=True, markup={"qrCode": qr_image})
    written = _BUILTIN_TEXT.get(template.body)
    text = substitute(written, values) if written else html_to_text(html)
    html_part = text_part("html", html)
    if f"cid:{qr_cid}" in html:
        link = values.get("emailSignInUrl") or values["provisioningUrl"]
        image = inline_image("png", qr_png(link), qr_cid, "qr-code.png")
        html_part = multipart("related", [html_part, image])
    return multipart("alternative", [text_part("plain", text), html_part])


def _addr_spec(address: Address | str) -> str:
    """The envelope address of a From header (MAGICLINK_MAIL_FROM, as :func:`sender` gives it)."""
    if isinstance(address, Address):
        return address.addr_spec
    (one, *_) = _addresses(address) or (Address(addr_spec=address),)
    return one.addr_spec
