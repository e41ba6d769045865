"""Onboarding from a CSV file and sending one participant a sign-in link, in the console in
chromium: the result of each row, and the emails in the SMTP sink."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, FilePayload, expect

from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import admin_call, researcher, study_with_participants

pytestmark = pytest.mark.asyncio(loop_scope="session")
STUDY = "onboard-study"
NEW = "new.one@example.org"
THERE = "already.here@example.org"
# As a spreadsheet writes it where the decimal mark is a comma: a byte order mark, ';' between
# cells, CRLF line ends.
CSV = f"\ufeffName;Email\r\nNew One;{NEW}\r\nBad Row;not-an-address\r\nHere;{THERE}\r\n"
FILE = FilePayload(name="people.csv", mimeType="text/csv", buffer=CSV.encode())


async def test_onboard_a_csv_file_row_by_row(browser: Browser, console_site: ConsoleSite) -> None:
    study = {"identifier": STUDY, "name": "Onboarding"}
    await study_with_participants(console_site.url, study, [THERE])
    mailbox = console_site.smtp.mailbox
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        await who.open(f"/console/studies/{STUDY}/participants")
        page = who.page
        await page.get_by_role("link", name="Add and onboard participants from a CSV file").click()
        await expect(page.locator("#file-hint")).to_contain_text("1 MB and 10,000 rows")
        # The study links no store: the researcher hears it before the emails go out.
        await expect(page.locator("#install-links-warning")).to_contain_text(
            "has no iOS and Android install link"
        )

        # No file: the error is at the field.
        await page.get_by_role("button", name="Add and email").click()
        await expect(page.locator("#file")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#file-error")).to_contain_text("Choose a CSV file")

        await page.get_by_label("CSV file").set_input_files(files=[FILE])
        await page.get_by_role("button", name="Add and email").click()
        await expect(page.locator("#onboarding-summary")).to_contain_text(
            "3 rows: 1 added, 1 already there, 1 invalid; 2 onboarding emails on the way."
        )
        rows = page.locator("#onboarding-rows tbody tr")
        await expect(rows).to_have_count(3)
        await expect(rows.nth(0)).to_contain_text(NEW)
        await expect(rows.nth(0)).to_contain_text("Added")
        await expect(rows.nth(0)).to_contain_text("Emailed")
        await expect(rows.nth(1)).to_contain_text("Invalid")
        await expect(rows.nth(1)).to_contain_text("email must be an email address")
        await expect(rows.nth(1).locator("td").first).to_have_text("3")  # its line in the file
        await expect(rows.nth(2)).to_contain_text("Already there")
        await expect(rows.nth(2)).to_contain_text("Emailed")
        await expect(page.locator("#install-links-warning")).to_be_visible()
        await who.screenshot("onboarding")
        await who.assert_fits(320)
        for address in (NEW, THERE):
            caught = await mailbox.wait_for(address, within=10)
            assert "Onboarding" in caught.text or STUDY in caught.text, caught.text
        assert not mailbox.to("not-an-address")

        # The same file again: nobody is emailed twice.
        await page.get_by_label("CSV file").set_input_files(files=[FILE])
        await page.get_by_role("button", name="Add and email").click()
        await expect(page.locator("#onboarding-summary")).to_contain_text(
            "0 added, 2 already there, 1 invalid; 0 onboarding emails"
        )
        listed = await admin_call("GET", f"{console_site.url}/v3/studies/{STUDY}/participants")
        assert sorted(p["email"] for p in listed.json()["items"]) == [THERE, NEW]
        who.assert_quiet()
    finally:
        await who.close()


async def test_send_a_participant_a_sign_in_link(
    browser: Browser, console_site: ConsoleSite
) -> None:
    study, address = "link-study", "gets.a.link@example.org"
    body = {"identifier": study, "name": "Links", "emailSignInRequestIntervalSeconds": 60}
    await study_with_participants(console_site.url, body, [address])
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        await who.open(f"/console/studies/{study}/participants")
        page = who.page
        await page.get_by_role("button", name=f"Send a sign-in link to {address}").click()
        await expect(page.locator("#sent")).to_contain_text(f"A sign-in link to {address}")
        caught = await console_site.smtp.mailbox.wait_for(address, within=10)
        assert caught.token, caught.text  # a real sign-in link
        await who.screenshot("participants-link-sent")
        await who.assert_fits(320)

        # Again at once: the study's interval refuses it, and the page says so.
        async with page.expect_response(lambda answer: answer.request.method == "POST") as sent:
            await page.get_by_role("button", name=f"Send a sign-in link to {address}").click()
        refused = await sent.value
        assert refused.status == 429
        assert int(await refused.header_value("retry-after") or 0) > 0
        await expect(page.locator("#refused")).to_contain_text("No link was sent")
        await expect(page.locator("#refused")).to_contain_text("wait")
        who.assert_quiet()
    finally:
        await who.close()
