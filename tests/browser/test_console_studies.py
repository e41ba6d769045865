"""Studies in the console, in chromium: create one, edit its settings with an error shown next
to its field, and two tabs editing the same study: a clear conflict, not a lost update."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import (
    admin_call,
    create_study,
    researcher,
    study_with_participants,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_create_a_study_and_fix_a_settings_error_next_to_its_field(
    browser: Browser, console_site: ConsoleSite
) -> None:
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        await create_study(who, "console-made", "Sleep <b>& Mood</b>")
        await expect(who.page.locator("h1")).to_contain_text("Sleep <b>& Mood</b>")  # as text
        await who.screenshot("study-settings")
        await who.open("/console/studies")
        row = who.page.locator("#studies tr", has_text="console-made")
        await expect(row).to_contain_text("Sleep <b>& Mood</b>")
        await expect(row).to_contain_text("On")
        await who.screenshot("studies")

        await who.open("/console/studies/console-made")
        await who.page.get_by_label("Support email").fill("not an address")
        await who.page.get_by_label("Link lifetime").fill("0")
        await who.page.get_by_role("button", name="Save settings").click()
        support = who.page.locator("#supportEmail")
        await expect(support).to_have_attribute("aria-invalid", "true")
        described = await support.get_attribute("aria-describedby") or ""
        assert "supportEmail-error" in described.split()
        await expect(who.page.locator("#supportEmail-error")).not_to_be_empty()
        await expect(who.page.locator("#emailSignInTokenTtlSeconds-error")).not_to_be_empty()
        await expect(who.page.locator("#error-summary")).to_be_visible()
        await expect(support).to_have_value("not an address")  # the input is kept
        await who.screenshot("study-settings-errors")
        await support.fill("help@example.org")
        await who.page.get_by_label("Link lifetime").fill("900")
        await who.page.get_by_role("button", name="Save settings").click()
        await expect(who.page.locator("#saved")).to_be_visible()
        stored = (await admin_call("GET", f"{console_site.url}/v3/studies/console-made")).json()
        assert stored["supportEmail"] == "help@example.org"
        assert stored["emailSignInTokenTtlSeconds"] == 900
        who.assert_quiet()
    finally:
        await who.close()


async def test_two_tabs_editing_one_study_get_a_conflict_not_a_lost_update(
    browser: Browser, console_site: ConsoleSite
) -> None:
    await study_with_participants(console_site.url, {"identifier": "two-tabs", "name": "Two Tabs"})
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        first, second = who.page, await who.context.new_page()
        await first.goto(f"{console_site.url}/console/studies/two-tabs")
        await second.goto(f"{console_site.url}/console/studies/two-tabs")
        await first.get_by_label("Name", exact=False).first.fill("Renamed In Tab One")
        await first.get_by_role("button", name="Save settings").click()
        await expect(first.locator("#saved")).to_be_visible()

        await second.get_by_label("Sponsor name").fill("Tab Two Sponsor")
        await second.get_by_role("button", name="Save settings").click()
        conflict = second.locator("#conflict")
        await expect(conflict).to_be_visible()
        await expect(conflict).to_contain_text("Someone else saved this study")
        await expect(second.locator("#conflict-fields")).to_contain_text("Renamed In Tab One")
        # Nothing of tab two was saved, nothing of tab one lost.
        stored = (await admin_call("GET", f"{console_site.url}/v3/studies/two-tabs")).json()
        assert stored["name"] == "Renamed In Tab One"
        assert stored["sponsorName"] == ""
        # Tab two keeps its input; the name it never touched now has tab one's value.
        await expect(second.locator("#sponsorName")).to_have_value("Tab Two Sponsor")
        await expect(second.locator("#name")).to_have_value("Renamed In Tab One")
        who.page = second
        await who.screenshot("study-conflict")
        await second.get_by_role("button", name="Save settings").click()
        await expect(second.locator("#saved")).to_be_visible()
        stored = (await admin_call("GET", f"{console_site.url}/v3/studies/two-tabs")).json()
        assert (stored["name"], stored["sponsorName"]) == ("Renamed In Tab One", "Tab Two Sponsor")
    finally:
        await who.close()
