"""What the page behind a study's provisioning link offers, decided per device. Pure: no I/O.

``/p/{studyId}[?login_hint=<email>]`` carries no secret. The page has two steps: install the
app (the study's store links), then open it with the link (a button on another host, where a
tap fires universal links, else the study's custom scheme; a QR code of the link on a
computer). The login hint is an address: the page shows it only masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from service.accounts.email_address import masked
from service.deeplinks.landing import LandingPage, LinkRequest, app_page
from service.deeplinks.platform import Platform
from service.studies.model import Study


def provision_app_url(scheme: str, study_id: str, login_hint: str | None) -> str:
    """The custom-scheme link: ``{scheme}://provision?study=..[&login_hint=..]``."""
    query = {"study": study_id}
    if login_hint:
        query["login_hint"] = login_hint
    return f"{scheme}://provision?{urlencode(query, quote_via=quote)}"


@dataclass(frozen=True)
class ProvisioningPage(LandingPage):
    masked_login_hint: str | None


def provisioning_page(
    study: Study,
    platform: Platform,
    opened: LinkRequest,
    alt_base_url: str | None,
    login_hint: str | None,
) -> ProvisioningPage:
    scheme_link = (
        provision_app_url(study.app_url_scheme, study.identifier, login_hint)
        if study.app_url_scheme
        else None
    )
    title = "QR code of the provisioning link"
    page = app_page(study, platform, opened, alt_base_url, scheme_link, title)
    return ProvisioningPage(
        **vars(page), masked_login_hint=masked(login_hint) if login_hint else None
    )
