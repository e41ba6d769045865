"""No dead ends on the participants' pages, in a real browser (Debian's chromium): an iPad that
says it is a Mac, Gmail's in-app browser on a page without a button, the provisioning page
without a way to open the app, and a study without install links. Screenshots go to
tests/browser/artifacts/landing-*.png for a person to look at."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import APP_STORE, SCHEME, LandingSite
from tests.browser.devices import (
    ANDROID,
    ANDROID_GMAIL,
    ARTIFACTS,
    IPAD,
    IPHONE,
    Device,
    Visit,
    visit,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

BARE = "bare-study"  # no install links, no app links, no URL scheme: the app is handed out
SUPPORT = "team@bare.example.org"


@pytest.fixture(scope="module")
def bare_study(landing_site: LandingSite) -> str:
    study = {
        "identifier": BARE,
        "name": "Bare Study",
        "supportEmail": SUPPORT,
        "emailSignInEnabled": True,
    }
    made = httpx.post(f"{landing_site.url}/v3/studies", json=study, headers=landing_site.admin)
    assert made.status_code == 201, made.text
    return BARE


async def _open(browser: Browser, device: Device, url: str, name: str) -> Visit:
    opened = await visit(browser, device, url)
    assert opened.response.status == 200, opened.response.status
    # The pages still run no script at all.
    assert "script-src" not in opened.response.headers["content-security-policy"]
    opened.assert_quiet()
    path = await opened.screenshot(name)
    print(f"screenshot: {path}")
    return opened


async def test_an_ipad_with_a_mac_user_agent_gets_the_ios_way_into_the_app(
    browser: Browser, landing_site: LandingSite
) -> None:
    opened = await _open(browser, IPAD, landing_site.link, "ipad")
    try:
        page = opened.page
        # The profile is what iPadOS Safari presents: a Mac, with a touch screen.
        assert "Macintosh" in await page.evaluate("navigator.userAgent")
        assert await page.evaluate("navigator.maxTouchPoints") >= 1
        ipad = page.locator("#ipad")
        await expect(ipad.locator("h2")).to_have_text("On an iPad?")
        await expect(page.locator("#ipad-open-app")).to_be_visible()
        href = await page.locator("#ipad-open-app").get_attribute("href")
        assert href is not None
        assert href.startswith(f"{SCHEME}://")
        await expect(page.locator("#ipad-app-store")).to_have_attribute("href", APP_STORE)
        # The computer's way stays too: a Mac's reader scans the code with the phone.
        await expect(page.locator("#qr-code svg")).to_be_visible()
        banner = page.locator('meta[name="apple-itunes-app"]')
        await expect(banner).to_have_count(1)
    finally:
        await opened.close()


async def test_gmails_in_app_browser_on_a_page_without_a_button_says_what_is_there(
    browser: Browser, landing_site: LandingSite, bare_study: str
) -> None:
    url = f"{landing_site.url}/s/{bare_study}?email=ann%40example.org&token=not-read"
    opened = await _open(browser, ANDROID_GMAIL, url, "gmail-in-app-no-button")
    try:
        page = opened.page
        notice = page.locator("#in-app")
        await expect(notice).to_contain_text("Gmail")
        await expect(notice).not_to_contain_text("button")
        await expect(notice).to_contain_text("Open the app yourself, as this page says below")
        await expect(page.locator("#open-app")).to_have_count(0)
        await expect(page.locator("#type-code")).to_contain_text("type the code from the email")
    finally:
        await opened.close()


async def test_gmails_in_app_browser_with_a_button_still_says_tap_it_again(
    browser: Browser, landing_site: LandingSite
) -> None:
    opened = await _open(browser, ANDROID_GMAIL, landing_site.link, "gmail-in-app-button")
    try:
        await expect(opened.page.locator("#in-app")).to_contain_text("tap the button again")
        await expect(opened.page.locator("#open-app")).to_be_visible()
    finally:
        await opened.close()


async def test_the_provisioning_page_promises_a_link_only_when_it_shows_one(
    browser: Browser, landing_site: LandingSite, bare_study: str
) -> None:
    bare = await _open(browser, IPHONE, f"{landing_site.url}/p/{bare_study}", "provision-bare")
    try:
        page = bare.page
        await expect(page.locator("#step-open")).to_have_text("Step 2: open the app")
        await expect(page.locator("#open-by-hand")).to_be_visible()
        await expect(page.locator("#open-app")).to_have_count(0)
        await expect(page.locator("main")).not_to_contain_text("with this link")
    finally:
        await bare.close()
    full = await _open(
        browser, IPHONE, f"{landing_site.url}/p/{landing_site.study}", "provision-button"
    )
    try:
        await expect(full.page.locator("#step-open")).to_have_text("Step 2: open it with this link")
        await expect(full.page.locator("#open-app")).to_be_visible()
    finally:
        await full.close()


@pytest.mark.parametrize(
    ("device", "path", "name"),
    [
        (IPHONE, "/s/{study}?email=ann%40example.org&token=not-read", "no-install-links-iphone"),
        (ANDROID, "/p/{study}?login_hint=ann%40example.org", "no-install-links-provision"),
    ],
    ids=["sign-in-page", "provisioning-page"],
)
async def test_without_install_links_the_page_gives_the_support_address(
    browser: Browser,
    landing_site: LandingSite,
    bare_study: str,
    device: Device,
    path: str,
    name: str,
) -> None:
    url = landing_site.url + path.format(study=bare_study)
    opened = await _open(browser, device, url, name)
    try:
        way_out = opened.page.locator("#no-install-link")
        await expect(way_out).to_contain_text("The study team can tell you which app to install")
        await expect(way_out.locator("a")).to_have_attribute("href", f"mailto:{SUPPORT}")
        # Once: the footer's "Need help?" would only repeat it.
        await expect(opened.page.locator(f'a[href="mailto:{SUPPORT}"]')).to_have_count(1)
        await expect(opened.page.locator("#app-store, #play-store")).to_have_count(0)
    finally:
        await opened.close()


@pytest.mark.parametrize("width", [320, 390])
async def test_the_sign_in_emails_raw_link_wraps_on_a_narrow_phone(
    browser: Browser, landing_site: LandingSite, width: int
) -> None:
    html = landing_site.caught.html
    assert html is not None
    context = await browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = await context.new_page()
        # As a mail client shows it: the HTML alone (no network: the QR is a cid: image).
        await page.route("**/*", lambda route: route.abort())
        await page.set_content(html)
        overflow = await page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"the email is {overflow} px wide on a {width} px screen"
        link = page.locator("span[dir=ltr]", has_text="/s/")
        box = await link.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= width
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"email-sign-in-{width}.png"), full_page=True)
    finally:
        await context.close()
