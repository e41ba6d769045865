"""A study's funnel in the console, in chromium: a link asked for through the public API shows
in today's count, the chart and the table, and the page says in words whether sign-in works."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import researcher, study_with_participants

pytestmark = pytest.mark.asyncio(loop_scope="session")
STUDY = "funnel-study"
PARTICIPANT = "counted@example.org"


async def test_the_funnel_counts_a_link_request(
    browser: Browser, console_site: ConsoleSite
) -> None:
    study = {"identifier": STUDY, "name": "Funnel <b>"}
    await study_with_participants(console_site.url, study, [PARTICIPANT])
    who = await researcher(browser, console_site.url, width=320)
    try:
        await who.sign_in()
        await who.open(f"/console/studies/{STUDY}/funnel")
        page = who.page
        await expect(page.locator("#today-requested")).to_have_text("0")
        await expect(page.locator("#verdict")).to_contain_text("Nobody asked for a sign-in link")

        async with httpx.AsyncClient() as app:  # as the study's app asks
            asked = await app.post(
                f"{console_site.url}/v3/auth/email", json={"study": STUDY, "email": PARTICIPANT}
            )
        assert asked.status_code == 202, asked.text
        await console_site.smtp.mailbox.wait_for(PARTICIPANT, within=10)
        await page.reload()
        await expect(page.locator("#today-requested")).to_have_text("1")
        await expect(page.locator("#month-requested")).to_have_text("1")
        today = page.locator("#days tbody tr").first
        await expect(today.locator("td").nth(1)).to_have_text("1")
        svg = page.get_by_role("img", name="Sign-in funnel of Funnel <b>, the last 30 days")
        await expect(svg).to_be_visible()
        await expect(svg.locator("desc")).to_contain_text("Today: links requested 1")
        # The last point of "links requested" is above the axis: it drew the count.
        points = await page.locator("#series-requested").get_attribute("points") or ""
        last_y, first_y = (
            float(points.split()[-1].split(",")[1]),
            float(points.split()[0].split(",")[1]),
        )
        assert last_y < first_y, points
        await expect(page.locator(".legend")).to_contain_text("Emails sent")
        # The sent count follows delivery, which the sink may see a moment before it is counted.
        for _ in range(50):
            await page.reload()
            if await page.locator("#month-sent").inner_text() == "1":
                break
            await page.wait_for_timeout(100)
        await expect(page.locator("#month-sent")).to_have_text("1")
        verdict = page.locator("#verdict")
        await expect(verdict).to_contain_text("1 email was sent but nobody signed in")
        await who.screenshot("funnel")
        await who.assert_fits(320)
        who.assert_quiet()
    finally:
        await who.close()
