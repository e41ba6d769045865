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
from service.deeplinks.landing import PLAY_STORE_PAGE, LinkRequest
from service.deeplinks.links import android_intent, app_store_id, on_other_host
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
    install = study.install_links
    claimed = study.apple_app_links if platform.os == "ios" else study.android_app_links
    open_app: str | None = None
    if alt_base_url and claimed:
        open_app = on_other_host(alt_base_url, opened.path, opened.query)
    elif study.app_url_scheme:
        open_app = provision_app_url(study.app_url_scheme, study.identifier, login_hint)

    intent = None
    if platform.os == "android" and study.android_app_links:
        package = study.android_app_links[0].package_name
        fallback = install.android or f"{PLAY_STORE_PAGE}?{urlencode({'id': package})}"
        intent = android_intent(opened.link, package, fallback)

    banner = None
    store_id = app_store_id(install.ios)
    if platform.os == "ios" and store_id:
        banner = f"app-id={store_id}, app-argument={opened.link}"

    return ProvisioningPage(
        platform=platform,
        study_name=study.name,
        support_email=study.support_email,
        open_app_url=open_app,
        intent_url=intent,
        app_store_url=install.ios,
        play_store_url=install.android,
        smart_banner=banner,
        qr_code=None if platform.is_phone else _qr(opened.link),
        masked_login_hint=masked(login_hint) if login_hint else None,
    )


def _qr(link: str) -> Markup:
    # The QR carries the link itself: scanned with the phone, it opens the app there.
    svg = qr_svg(link, title="QR code of the provisioning link")
    return Markup(svg)  # noqa: S704 - segno's own SVG, the link is its data
