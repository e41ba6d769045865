"""The page behind a sign-in link, in a real browser (Debian's chromium), on every kind of device.

Every test opens the link exactly as the email has it. The pages must offer the right way into
the app for the device, break no rule of their own Content-Security-Policy (Chromium reports
each violation on the console), and leave the token usable: only the app's sign-in call may use
it. Screenshots go to tests/browser/artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import httpx
import pytest
import segno
from playwright.async_api import Browser, expect

from tests.browser.conftest import APP_STORE, PACKAGE, PLAY_STORE, SCHEME, LandingSite
from tests.browser.devices import (
    ANDROID,
    DESKTOP,
    IPHONE,
    IPHONE_FACEBOOK,
    IPHONE_GOOGLE_APP,
    Device,
    Visit,
    visit,
)

# The browser lives on the session's event loop (see conftest.py).
pytestmark = pytest.mark.asyncio(loop_scope="session")

MIN_SCREENSHOT_BYTES = 5 * 1024


def _assert_page_headers(opened: Visit) -> None:
    headers = opened.response.headers
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    csp = headers["content-security-policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives["default-src"] == "default-src 'none'", csp
    assert "script-src" not in directives, csp  # no script at all, let alone 'unsafe-inline'


async def _saved(opened: Visit, name: str) -> None:
    path = await opened.screenshot(name)
    size = path.stat().st_size
    assert size > MIN_SCREENSHOT_BYTES, f"{path} is only {size} bytes"
    print(f"screenshot: {path} ({size} bytes)")


async def _href(opened: Visit, selector: str) -> str:
    link = opened.page.locator(selector)
    await expect(link).to_be_visible()
    href = await link.get_attribute("href")
    assert href, f"{selector} has no href"
    return href


async def _absent(opened: Visit, *selectors: str) -> None:
    for selector in selectors:
        await expect(opened.page.locator(selector)).to_have_count(0)


async def _open(browser: Browser, device: Device, url: str) -> Visit:
    opened = await visit(browser, device, url)
    assert opened.response.status == 200, opened.response.status
    _assert_page_headers(opened)
    opened.assert_quiet()
    return opened


async def test_on_an_iphone_the_page_offers_the_app_off_its_own_host_and_the_app_store(
    browser: Browser, landing_site: LandingSite
) -> None:
    opened = await _open(browser, IPHONE, landing_site.link)
    try:
        page = opened.page
        banner = await page.locator('meta[name="apple-itunes-app"]').get_attribute("content")
        assert banner is not None
        assert "app-id=1234567890" in [part.strip() for part in banner.split(",")]

        open_app = await _href(opened, "#open-app")
        assert urlsplit(open_app).netloc != urlsplit(page.url).netloc  # same-host taps don't work
        # No second host is configured: the custom scheme, which never carries the token.
        assert open_app.startswith(f"{SCHEME}://sign-in?"), open_app
        assert f"study={landing_site.study}" in open_app
        assert landing_site.token not in open_app
        # Opened that way, the app has no token: it asks for the code.
        await expect(page.locator("#type-code")).to_contain_text("code from the email")
        assert await _href(opened, "#app-store") == APP_STORE
        await _absent(opened, "#play-store", "#qr-code", "#in-app")
        await _saved(opened, IPHONE.name)
    finally:
        await opened.close()


async def test_on_android_the_page_opens_the_app_by_intent_with_the_play_store_as_fallback(
    browser: Browser, landing_site: LandingSite
) -> None:
    opened = await _open(browser, ANDROID, landing_site.link)
    try:
        intent = await _href(opened, "#open-app")
        assert intent.startswith("intent://"), intent
        # The intent carries the whole link (the app needs the token) to the study's package...
        link_without_scheme = landing_site.link.split("://", 1)[1]
        assert intent.startswith(f"intent://{link_without_scheme}#Intent;"), intent
        assert ";scheme=https;" in intent  # App Links are https links
        assert f";package={PACKAGE};" in intent
        # ... and a browser without the app goes to Google Play instead.
        assert f";S.browser_fallback_url={quote(PLAY_STORE, safe='')};end" in intent
        assert intent.endswith(";end")
        await expect(opened.page.locator("#type-code")).to_contain_text("code from the email")
        assert await _href(opened, "#play-store") == PLAY_STORE
        await _absent(opened, "#app-store", "#qr-code", "#in-app", 'meta[name="apple-itunes-app"]')
        await _saved(opened, ANDROID.name)
    finally:
        await opened.close()


async def test_on_a_computer_the_page_shows_the_link_as_a_qr_code_and_the_typed_code(
    browser: Browser, landing_site: LandingSite
) -> None:
    opened = await _open(browser, DESKTOP, landing_site.link)
    try:
        page = opened.page
        qr = page.locator("#qr-code svg")
        await expect(qr).to_be_visible()
        box = await qr.bounding_box()
        assert box is not None
        assert box["width"] >= 120, box  # big enough for a phone camera
        assert box["height"] >= 120, box
        assert abs(box["width"] - box["height"]) < 1, box  # square, not squashed
        # The QR code is exactly the emailed link: the modules segno draws for that link.
        drawn = await qr.locator("path.qrline").get_attribute("d")
        expected = segno.make(landing_site.link, error="m", micro=False).svg_inline()
        match = re.search(r'class="qrline"[^>]* d="([^"]+)"', expected)
        assert match, expected
        assert drawn == match.group(1)

        typed = page.locator("#type-code")
        await expect(typed).to_be_visible()
        await expect(typed).to_contain_text("type the code from the email")
        assert await _href(opened, "#app-store") == APP_STORE
        assert await _href(opened, "#play-store") == PLAY_STORE
        await _absent(opened, "#open-app", "#in-app", 'meta[name="apple-itunes-app"]')
        await _saved(opened, DESKTOP.name)
    finally:
        await opened.close()


@pytest.mark.parametrize(
    ("device", "app"),
    [(IPHONE_GOOGLE_APP, "the Google app"), (IPHONE_FACEBOOK, "Facebook")],
    ids=["google-app", "facebook"],
)
async def test_in_a_mail_or_social_apps_browser_the_page_says_how_to_leave_it(
    browser: Browser, landing_site: LandingSite, device: Device, app: str
) -> None:
    opened = await _open(browser, device, landing_site.link)
    try:
        notice = opened.page.locator("#in-app")
        await expect(notice).to_be_visible()
        await expect(notice).to_contain_text(app)
        await expect(notice).to_contain_text("Open in Safari")
        # The ways out are still there once the page is in Safari.
        await _href(opened, "#open-app")
        assert await _href(opened, "#app-store") == APP_STORE
        if device is IPHONE_GOOGLE_APP:
            await _saved(opened, "in-app")
    finally:
        await opened.close()


async def test_loading_the_page_everywhere_leaves_the_token_for_the_app(
    browser: Browser, landing_site: LandingSite
) -> None:
    # As a mail scanner would, and then the person on each of their devices.
    for device in (DESKTOP, IPHONE, ANDROID, IPHONE_GOOGLE_APP):
        opened = await _open(browser, device, landing_site.link)
        await opened.close()
    async with httpx.AsyncClient(base_url=landing_site.url) as client:
        signed_in = await client.post(
            "/v3/auth/email/signIn",
            json={
                "study": landing_site.study,
                "email": landing_site.email,
                "token": landing_site.token,
            },
        )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["sessionToken"]


async def test_a_link_for_an_unknown_study_gets_a_friendly_404_page(
    browser: Browser, landing_site: LandingSite
) -> None:
    link = landing_site.link.replace(f"/s/{landing_site.study}?", "/s/no-such-study?")
    assert link != landing_site.link
    opened = await visit(browser, IPHONE, link)
    try:
        assert opened.response.status == 404
        _assert_page_headers(opened)
        opened.assert_quiet()
        await expect(opened.page.locator("h1")).to_have_text("This link is not valid")
        await expect(opened.page.locator("body")).to_contain_text("ask for a new sign-in email")
        await _absent(opened, "#open-app", "#app-store", "#qr-code")
        await _saved(opened, "unknown-study")
    finally:
        await opened.close()


async def test_the_console_check_does_see_a_csp_violation(
    browser: Browser, landing_site: LandingSite
) -> None:
    """The quiet-console assertions above mean something: a script the page's CSP forbids,
    injected through the DevTools protocol, is refused and reported on the console."""
    opened = await visit(browser, DESKTOP, landing_site.link)
    try:
        async with opened.page.expect_console_message(
            lambda message: "Content Security Policy" in message.text
        ):
            await opened.page.evaluate(
                """() => {
                    const script = document.createElement("script");
                    script.textContent = "document.title = 'pwned'";
                    document.body.appendChild(script);
                }"""
            )
        assert opened.csp_violations(), opened.console_lines()
        assert await opened.page.title() != "pwned"
    finally:
        await opened.close()
