"""The sign-in link's page in the phone's language, in a real browser (Debian's chromium):
Spanish for a Mexican phone, Arabic right to left. Screenshots go to tests/browser/artifacts/
(landing-es-iphone.png, landing-ar-android.png) for a person to look at."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import LandingSite
from tests.browser.devices import ANDROID, IPHONE, Visit, visit

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _opened(browser: Browser, landing_site: LandingSite, locale: str, name: str) -> Visit:
    device = IPHONE if name.endswith("iphone") else ANDROID
    opened = await visit(browser, device, landing_site.link, locale=locale)
    opened.assert_quiet()
    path = await opened.screenshot(name)
    print(f"screenshot: {path}")
    return opened


async def test_a_mexican_phone_gets_the_page_in_spanish(
    browser: Browser, landing_site: LandingSite
) -> None:
    opened = await _opened(browser, landing_site, "es-MX", "es-iphone")
    try:
        page = opened.page
        await expect(page.locator("html")).to_have_attribute("lang", "es")
        await expect(page.locator("html")).to_have_attribute("dir", "ltr")
        await expect(page.locator("h1")).to_have_text(
            "Iniciar sesión en Sleep & Mood Browser Study"
        )
        await expect(page.locator("#open-app")).to_have_text("Abrir la app")
        await expect(page.locator("#app-store")).to_have_text("Descárgala en el App Store")
        assert await page.title() == "Iniciar sesión en Sleep & Mood Browser Study"
    finally:
        await opened.context.close()


async def test_an_arabic_phone_gets_the_page_right_to_left(
    browser: Browser, landing_site: LandingSite
) -> None:
    opened = await _opened(browser, landing_site, "ar", "ar-android")
    try:
        page = opened.page
        await expect(page.locator("html")).to_have_attribute("lang", "ar")
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
        await expect(page.locator("h1")).to_have_text("تسجيل الدخول إلى Sleep & Mood Browser Study")
        # Laid out right to left: the heading starts at the right edge of the card.
        main = await page.locator("main").bounding_box()
        heading = await page.locator("h1").bounding_box()
        assert main is not None
        assert heading is not None
        right_gap = (main["x"] + main["width"]) - (heading["x"] + heading["width"])
        assert right_gap < 40, right_gap  # the card's padding, no more
        # The support address stays left to right inside the Arabic sentence.
        mail = page.locator("a[href^='mailto:']")
        await expect(mail).to_have_attribute("dir", "ltr")
    finally:
        await opened.context.close()
