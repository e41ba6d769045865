"""Participants in the console, in chromium: add one, find them by search, disable, delete
after confirming."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import researcher, study_with_participants

pytestmark = pytest.mark.asyncio(loop_scope="session")
STUDY = "people-study"


async def test_add_a_participant_and_find_them_by_search(
    browser: Browser, console_site: ConsoleSite
) -> None:
    others = ["someone.else@example.org", "third.person@example.net"]
    await study_with_participants(console_site.url, {"identifier": STUDY, "name": "People"}, others)
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        await who.open(f"/console/studies/{STUDY}/participants")
        page = who.page
        await page.get_by_label("Email address").fill("not-an-address")
        await page.get_by_role("button", name="Add participant").click()
        await expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#email-error")).to_be_visible()
        await page.get_by_label("Email address").fill("Console.Person+tag@example.org")
        await page.get_by_role("button", name="Add participant").click()
        await expect(page.locator("#done")).to_have_text("Participant added.")

        await page.get_by_label("Search by email").fill("console.person")
        await page.get_by_role("button", name="Search").click()
        rows = page.locator("#participants tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("Console.Person+tag@example.org")
        await who.screenshot("participants")

        await page.get_by_role("button", name="Disable Console.Person+tag@example.org").click()
        await expect(page.locator("#done")).to_have_text("Participant disabled.")
        await page.get_by_label("Search by email").fill("console.person")
        await page.get_by_role("button", name="Search").click()
        await expect(rows.first).to_contain_text("disabled")
        await page.get_by_role("link", name="Delete Console.Person+tag@example.org").click()
        await expect(page.get_by_role("alert")).to_contain_text("for good")
        await page.get_by_role("button", name="Yes, delete").click()
        await expect(page.locator("#done")).to_have_text("Participant deleted.")
        await page.get_by_label("Search by email").fill("console.person")
        await page.get_by_role("button", name="Search").click()
        await expect(page.locator("#no-participants")).to_be_visible()
        who.assert_quiet()
    finally:
        await who.close()
