"""What the page behind a sign-in link offers, decided per device. Pure: no I/O.

The page never looks at the token (scanners fetch links; an expired or used token must not
be revealed); it only helps the person get the link into the app:

- iOS: a Smart App Banner, an "Open the app" button on another host (universal links do not
  fire for taps on the page's own host) or the custom scheme, and the App Store.
- Android: an ``intent://`` link that opens the app, or the Play Store when it is missing.
- A computer: the same link as a QR code to scan with the phone, and the code to type.
- In-app browsers of mail and social apps: how to open the page in the system browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup

from service.deeplinks.links import (
    android_intent,
    app_store_id,
    app_url,
    on_other_host,
)
from service.deeplinks.platform import Platform
from service.deeplinks.qr import qr_svg
from service.studies.model import Study

PLAY_STORE_PAGE = "https://play.google.com/store/apps/details"


@dataclass(frozen=True)
class LinkRequest:
    """The link as it was opened: path and query, and the public base URL it belongs to."""

    base_url: str
    path: str
    query: str
    email: str

    @property
    def link(self) -> str:
        return f"{self.base_url}{self.path}" + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class LandingPage:
    platform: Platform
    study_name: str
    support_email: str
    open_app_url: str | None
    intent_url: str | None
    app_store_url: str | None
    play_store_url: str | None
    smart_banner: str | None  # content of the apple-itunes-app meta tag
    qr_code: Markup | None
    # On a Mac user agent (maybe an iPad): the same page as iOS would get, shown beside.
    ipad: LandingPage | None

    def context(self) -> dict[str, object]:
        return {"page": self}

    @property
    def lacks_store_link(self) -> bool:
        """No store link for this device (on a computer, for either): the page then offers
        the support address as the way to the app (templates/no_install_link.html), and the
        footer's "Need help?" would only say it twice."""
        if self.platform.os == "ios":
            return not self.app_store_url
        if self.platform.os == "android":
            return not self.play_store_url
        return not (self.app_store_url or self.play_store_url)


@dataclass(frozen=True)
class AppOpening:
    """How a page can hand its own link to the study's app on the device that opened it."""

    open_app_url: str | None  # never the page's own host
    intent_url: str | None  # Android
    smart_banner: str | None  # iOS: content of the apple-itunes-app meta tag


def app_opening(
    study: Study,
    platform: Platform,
    opened: LinkRequest,
    alt_base_url: str | None,
    scheme_link: str | None,
) -> AppOpening:
    """The device rules both link pages share; ``scheme_link`` is the custom-scheme fallback."""
    install = study.install_links
    # The link on the second host opens the app only if the study has an app that claims it on
    # this device; otherwise the button would merely load this page again, from the other host.
    claimed = study.apple_app_links if platform.os == "ios" else study.android_app_links
    open_app: str | None = None
    if alt_base_url and claimed:
        open_app = on_other_host(alt_base_url, opened.path, opened.query)
    elif scheme_link:
        open_app = scheme_link

    intent = None
    if platform.os == "android" and study.android_app_links:
        package = study.android_app_links[0].package_name
        # Chrome follows only an http(s) fallback, and only the store helps a phone without
        # the app: the study's Play link, else the package's own Play page.
        fallback = install.android or f"{PLAY_STORE_PAGE}?{urlencode({'id': package})}"
        intent = android_intent(opened.link, package, fallback)

    banner = None
    store_id = app_store_id(install.ios)
    if platform.os == "ios" and store_id:
        banner = f"app-id={store_id}, app-argument={opened.link}"
    return AppOpening(open_app, intent, banner)


def landing_page(
    study: Study, platform: Platform, opened: LinkRequest, alt_base_url: str | None
) -> LandingPage:
    scheme_link = (
        app_url(study.app_url_scheme, study.identifier, opened.email)
        if study.app_url_scheme
        else None
    )
    return app_page(
        study, platform, opened, alt_base_url, scheme_link, "QR code of the sign-in link"
    )


def app_page(
    study: Study,
    platform: Platform,
    opened: LinkRequest,
    alt_base_url: str | None,
    scheme_link: str | None,
    qr_title: str,
) -> LandingPage:
    """A page that hands ``opened`` to the study's app: the sign-in page, and the base of
    the provisioning page."""
    opening = app_opening(study, platform, opened, alt_base_url, scheme_link)
    # The QR carries the link itself: scanned with the phone, it opens the app there.
    svg = None if platform.is_phone else qr_svg(opened.link, title=qr_title)
    qr_code = Markup(svg) if svg else None  # noqa: S704 - segno's own SVG, the link is its data
    ipad = None
    if platform.maybe_ipad:
        ipad = app_page(study, Platform("ios"), opened, alt_base_url, scheme_link, qr_title)
    return LandingPage(
        platform=platform,
        study_name=study.name,
        support_email=study.support_email,
        open_app_url=opening.open_app_url,
        intent_url=opening.intent_url,
        app_store_url=study.install_links.ios,
        play_store_url=study.install_links.android,
        # macOS Safari ignores the banner; on an iPad it is the quickest way into the app.
        smart_banner=ipad.smart_banner if ipad else opening.smart_banner,
        qr_code=qr_code,
        ipad=ipad,
    )
