"""The sign-in email editor in chromium: the live preview follows the typing, a template error
shows next to its field, a test email reaches the SMTP sink, and the preview never runs the
researcher's script."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import admin_call, artifact, researcher
from tests.support.api import ADMIN_KEY

pytestmark = pytest.mark.asyncio(loop_scope="session")
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
STUDY = "template-study"


@pytest.fixture(scope="module")
def template_study(console_site: ConsoleSite) -> str:
    made = httpx.post(
        f"{console_site.url}/v3/studies",
        json={"identifier": STUDY, "name": "Template Study", "supportEmail": "help@example.org"},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    return STUDY


async def test_the_preview_follows_the_typing_and_errors_show_next_to_the_field(
    browser: Browser, console_site: ConsoleSite, template_study: str
) -> None:
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        await who.open(f"/console/studies/{template_study}/template")
        page = who.page
        await expect(page.locator("#preview-status")).to_have_text("Preview up to date.")
        await page.locator("#mimeType").select_option("text/html")
        await page.locator("#subject").fill("Your ${studyName} link")
        await page.locator("#body").fill(
            '<h1>Hello from ${studyName}</h1><p><a href="${emailSignInUrl}">Sign in</a></p>'
            "<p>Code: ${code}</p><script>parent.document.title='pwned'</script>"
        )
        await expect(page.locator("#preview-subject")).to_have_text("Your Template Study link")
        phone = page.frame_locator("#preview-phone")
        await expect(phone.locator("h1")).to_have_text("Hello from Template Study")
        desktop = page.frame_locator("#preview-desktop")
        await expect(desktop.locator("h1")).to_have_text("Hello from Template Study")
        await expect(page.locator("#preview-text")).to_contain_text("Hello from Template Study")
        assert await page.title() != "pwned"  # the sandbox runs no script
        # The frames alone, as they are on screen (a full-page shot may not repaint frames).
        await page.locator(".frames").screenshot(path=str(artifact("console-template-frames.png")))
        await who.screenshot("template")

        # An unknown variable: the API's message, next to the body field.
        await page.locator("#body").fill("Hi ${nosuchthing} ${emailSignInUrl}")
        error = page.locator("#body-error")
        await expect(error).to_be_visible()
        await expect(error).to_contain_text("nosuchthing")
        await expect(page.locator("#body")).to_have_attribute("aria-invalid", "true")
        described = await page.locator("#body").get_attribute("aria-describedby") or ""
        assert "body-error" in described.split()
        await who.screenshot("template-error")
        # Fixed: the error goes, the preview comes back.
        await page.locator("#body").fill("<p>Fixed ${emailSignInUrl}</p>")
        await expect(error).to_be_hidden()
        await expect(phone.locator("p")).to_contain_text("Fixed")
        who.assert_quiet()
    finally:
        await who.close()


async def test_saving_the_template_and_sending_a_test_email(
    browser: Browser, console_site: ConsoleSite, template_study: str
) -> None:
    who = await researcher(browser, console_site.url)
    address = f"researcher-{time.monotonic_ns()}@example.org"
    try:
        await who.sign_in()
        await who.open(f"/console/studies/{template_study}/template")
        page = who.page
        await page.locator("#mimeType").select_option("text/plain")
        await page.locator("#subject").fill("Sign in to ${studyName}")
        await page.locator("#body").fill("Tap ${emailSignInUrl} or type ${code}. Console test.")
        await page.get_by_label("Your email address").fill(address)
        await page.get_by_role("button", name="Send me a test").click()
        await expect(page.locator("#test-status")).to_contain_text("Sent to")
        deadline = time.monotonic() + 10
        while not console_site.smtp.mailbox.to(address):
            assert time.monotonic() < deadline, "no test email within 10 s"
            await asyncio.sleep(0.1)
        caught = console_site.smtp.mailbox.to(address)[-1]
        assert "Console test." in caught.text
        assert "Template Study" in str(caught.message["Subject"])

        await page.get_by_role("button", name="Save email").click()
        await expect(page.locator("#saved")).to_be_visible()
        stored = await admin_call("GET", f"{console_site.url}/v3/studies/{template_study}")
        assert stored.json()["emailSignInTemplate"]["body"].endswith("Console test.")
        who.assert_quiet()
    finally:
        await who.close()
