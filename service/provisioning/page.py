"""What the page behind a study's provisioning link offers, decided per device. Pure: no I/O.

``/p/{studyId}[?login_hint=<email>]`` carries no secret. The page has two steps: install the
app (the study's store links), then open it with the link (a button on another host, where a
tap fires universal links, else the study's custom scheme; a QR code of the link on a
computer). The login hint is an address: the page shows it only masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from markupsafe import Markup

from service.accounts.email_address import masked
from service.deeplinks.landing import LinkRequest, app_opening
from service.deeplinks.platform import Platform
from service.deeplinks.qr import qr_svg
from service.studies.model import Study


def provision_app_url(scheme: str, study_id: str, login_hint: str | None) -> str:
    """The custom-scheme link: ``{scheme}://provision?study=..[&login_hint=..]``."""
    query = {"study": study_id}
    if login_hint:
        query["login_hint"] = login_hint
    return f"{scheme}://provision?{urlencode(query, quote_via=quote)}"


@dataclass(frozen=True)
class ProvisioningPage:
    platform: Platform
    study_name: str
    support_email: str
    open_app_url: str | None
    intent_url: str | None
    app_store_url: str | None
    play_store_url: str | None
    smart_banner: str | None
    qr_code: Markup | None
    masked_login_hint: str | None

    def context(self) -> dict[str, object]:
        return {"page": self}


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
    opening = app_opening(study, platform, opened, alt_base_url, scheme_link)
    return ProvisioningPage(
        platform=platform,
        study_name=study.name,
        support_email=study.support_email,
        open_app_url=opening.open_app_url,
        intent_url=opening.intent_url,
        app_store_url=study.install_links.ios,
        play_store_url=study.install_links.android,
        smart_banner=opening.smart_banner,
        qr_code=None if platform.is_phone else _qr(opened.link),
        masked_login_hint=masked(login_hint) if login_hint else None,
    )


def _qr(link: str) -> Markup:
    # The QR carries the link itself: scanned with the phone, it opens the app there.
    svg = qr_svg(link, title="QR code of the provisioning link")
    return Markup(svg)  # noqa: S704 - segno's own SVG, the link is its data
