"""A study's app links in the console, in chromium: add an iOS app and see the association file
change, and a wrong fingerprint shown at its field (the API's path names the line)."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import admin_call, researcher, study_with_participants

pytestmark = pytest.mark.asyncio(loop_scope="session")
STUDY = "links-study"
PACKAGE = "org.example.links"
FINGERPRINT = ":".join(f"{byte:02x}" for byte in range(32))  # lower case: stored upper case
APP_ID = "ABCDE12345.org.example.links"
AASA = "/.well-known/apple-app-site-association"


async def test_edit_app_links_and_see_the_association_files_change(
    browser: Browser, console_site: ConsoleSite
) -> None:
    await study_with_participants(
        console_site.url,
        {
            "identifier": STUDY,
            "name": "Links <i>Study</i>",
            "androidAppLinks": [
                {
                    "namespace": "android_app",
                    "package_name": PACKAGE,
                    "sha256_cert_fingerprints": [FINGERPRINT],
                }
            ],
        },
    )
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        await who.open(f"/console/studies/{STUDY}")
        await who.page.get_by_role("link", name="App links").click()
        page = who.page
        await expect(page.locator("h1")).to_contain_text("Links <i>Study</i>: app links")
        aasa, assetlinks = page.locator("#aasa"), page.locator("#assetlinks")
        await expect(assetlinks).to_contain_text(FINGERPRINT.upper())
        await expect(aasa).not_to_contain_text(APP_ID)

        # The blank row adds an iOS app; the files below show it once saved.
        await page.get_by_label("App ID").fill(APP_ID)
        await page.get_by_label("Paths").fill(f"/s/{STUDY}\n\n  /s/{STUDY}/*  \n")
        await page.get_by_label("App Store link").fill("https://apps.apple.com/app/id42")
        await page.get_by_role("button", name="Save app links").click()
        await expect(page.locator("#saved")).to_be_visible()
        await expect(aasa).to_contain_text(APP_ID)
        await expect(aasa).to_contain_text(f"/mobile/{STUDY}/*")  # Bridge's form, added
        shown = json.loads(await aasa.inner_text())  # JSON, its text escaped, not markup
        assert {f"/s/{STUDY}", f"/s/{STUDY}/*"} <= set(shown["applinks"]["details"][0]["paths"])
        served = (await admin_call("GET", f"{console_site.url}{AASA}")).json()
        assert APP_ID in [detail["appID"] for detail in served["applinks"]["details"]]
        stored = (await admin_call("GET", f"{console_site.url}/v3/studies/{STUDY}")).json()
        # Blank lines and spaces dropped.
        assert stored["appleAppLinks"][0]["paths"] == [f"/s/{STUDY}", f"/s/{STUDY}/*"]
        assert stored["installLinks"]["ios"] == "https://apps.apple.com/app/id42"
        assert not stored["installLinks"].get("android")
        assert stored["androidAppLinks"][0]["sha256_cert_fingerprints"] == [FINGERPRINT.upper()]
        await who.screenshot("app-links")
        await who.assert_fits(320)

        # A wrong second fingerprint: the error is at the fingerprints of Android app 1.
        prints = page.locator("#androidAppLinks-0-sha256-cert-fingerprints")
        await prints.fill(f"{FINGERPRINT}\nAB:CD")
        await page.get_by_role("button", name="Save app links").click()
        await expect(prints).to_have_attribute("aria-invalid", "true")
        described = (await prints.get_attribute("aria-describedby") or "").split()
        assert "androidAppLinks-0-sha256-cert-fingerprints-error" in described
        error = page.locator("#androidAppLinks-0-sha256-cert-fingerprints-error")
        await expect(error).to_contain_text("androidAppLinks[0].sha256_cert_fingerprints[1]")
        await expect(page.locator("#error-summary")).to_contain_text(
            "Android app 1: certificate fingerprints"
        )
        await expect(prints).to_have_value(f"{FINGERPRINT}\nAB:CD")  # the input is kept
        await expect(page.locator("#saved")).to_have_count(0)
        await who.screenshot("app-links-errors")
        await who.assert_fits(320)
        stored = (await admin_call("GET", f"{console_site.url}/v3/studies/{STUDY}")).json()
        assert stored["androidAppLinks"][0]["sha256_cert_fingerprints"] == [FINGERPRINT.upper()]

        # Emptying a row removes the app.
        await prints.fill("")
        await page.locator("#androidAppLinks-0-package-name").fill("")
        await page.get_by_role("button", name="Save app links").click()
        await expect(page.locator("#saved")).to_be_visible()
        await expect(assetlinks).to_have_text("[]")
        who.assert_quiet()
    finally:
        await who.close()
