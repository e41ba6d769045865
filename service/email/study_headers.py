"""The headers that make an email come from the study: its name as the sender's display name,
its support address as Reply-To.

Participants recognise the study, not the service ("Sleep Study" <no-reply@signin.example.org>),
and a reply reaches people who can help rather than a no-reply box. The address itself stays
MAGICLINK_MAIL_FROM's: only that domain's SPF/DKIM/DMARC let the email through.

A study name is researcher text: it goes into the header only as the display name of an
``Address`` object, which the email library quotes (``"Sleep, \\"Study\\" <x>"``) or encodes
(RFC 2047 words, or UTF-8 in an RFC 6532 message), so no quote, comma, ``<`` or line break in
it can add an address or a header.
"""

from __future__ import annotations

import re
from email.headerregistry import Address

from service.accounts.email_address import address_problem, deliverable
from service.email.mime import parsed_addresses
from service.studies.templates import header_text

# Controls never belong in a display name (validation refuses them in study names; this
# guards names stored before it did).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")


def study_sender(sender: Address | str, study_name: str) -> Address | str:
    """``sender`` (from ``message.sender``) with ``study_name`` as its display name, when
    MAGICLINK_MAIL_FROM is one address; else ``sender`` unchanged."""
    # header_text: one line, and no "=?" that a reader would decode into another header.
    name = header_text(_CONTROLS.sub(" ", study_name)).strip()
    if not name:
        return sender
    if isinstance(sender, Address):
        address = sender
    else:
        # message.sender keeps an ASCII sender as the string given: parse its one address.
        addresses = parsed_addresses(sender)
        if len(addresses) != 1 or not addresses[0].username:
            return sender
        address = addresses[0]
    return Address(display_name=name, username=address.username, domain=address.domain)


def reply_to(support_email: str) -> Address | None:
    """The study's support address as a Reply-To, or None when it has none that is usable."""
    support = support_email.strip()
    if not support or address_problem(support) is not None:
        return None
    local, _, domain = deliverable(support).rpartition("@")
    # A local part beyond ASCII would make the email need SMTPUTF8 for a header a participant
    # may never use: better no Reply-To than an email some servers refuse.
    if not local.isascii():
        return None
    return Address(username=local, domain=domain)
