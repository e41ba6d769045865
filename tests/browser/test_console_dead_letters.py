"""Dead letters in the console, in chromium: an email the mail server refuses for good shows in
the study's funnel and on the dead letters page; retried (the cause fixed) it is delivered, and
another one is deleted after a confirming step."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import admin_call, researcher, study_with_participants

pytestmark = pytest.mark.asyncio(loop_scope="session")
STUDY = "dead-study"
REFUSED = "no.such.user@example.org"
GONE = "gone.for.good@example.org"


async def _dead_letters(url: str, count: int) -> list[dict[str, str]]:
    """The dead letters, once there are ``count`` (the worker gives up on a 550 at once)."""
    deadline = time.monotonic() + 10
    while True:
        listed = (await admin_call("GET", f"{url}/v3/outbox/deadLetters")).json()
        if listed["total"] >= count or time.monotonic() > deadline:
            items: list[dict[str, str]] = listed["items"]
            return items
        await asyncio.sleep(0.1)


async def _ask_link(url: str, email: str) -> None:
    async with httpx.AsyncClient() as app:
        asked = await app.post(f"{url}/v3/auth/email", json={"study": STUDY, "email": email})
    assert asked.status_code == 202, asked.text


async def test_a_dead_letter_is_retried_and_another_purged(
    browser: Browser, console_site: ConsoleSite
) -> None:
    study = {"identifier": STUDY, "name": "Dead Letters"}
    await study_with_participants(console_site.url, study, [REFUSED, GONE])
    mailbox = console_site.smtp.mailbox
    mailbox.refuse[REFUSED] = "550 5.1.1 No such user"
    mailbox.refuse[GONE] = "550 5.1.1 No such user"
    who = await researcher(browser, console_site.url)
    try:
        await _ask_link(console_site.url, REFUSED)
        assert len(await _dead_letters(console_site.url, 1)) == 1

        await who.sign_in()
        await who.open(f"/console/studies/{STUDY}/funnel")
        page = who.page
        await expect(page.locator("#verdict")).to_contain_text("1 sign-in email failed")
        await page.get_by_role("link", name="See the dead letters").click()
        rows = page.locator("#dead-letters tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("550 5.1.1 No such user")
        await expect(rows.first).to_contain_text(STUDY)
        await expect(rows.first).not_to_contain_text(REFUSED)  # masked
        await who.screenshot("dead-letters")
        await who.assert_fits(320)

        del mailbox.refuse[REFUSED]  # the cause fixed: the address exists now
        await rows.first.get_by_role("button", name="Retry").click()
        await expect(page.locator("#done")).to_contain_text("1 email put back into the queue")
        caught = await mailbox.wait_for(REFUSED, within=10)
        assert caught.token
        await page.reload()
        await expect(page.locator("#no-dead-letters")).to_be_visible()

        await _ask_link(console_site.url, GONE)
        assert len(await _dead_letters(console_site.url, 1)) == 1
        await page.reload()
        await expect(rows).to_have_count(1)
        await rows.first.get_by_role("link", name="Delete").click()
        await expect(page.get_by_role("alert")).to_contain_text("for good")
        await who.screenshot("dead-letters-confirm")
        await who.assert_fits(320)
        await page.get_by_role("button", name="Yes, delete").click()
        await expect(page.locator("#done")).to_contain_text("1 dead letter deleted")
        await expect(page.locator("#no-dead-letters")).to_be_visible()
        assert await _dead_letters(console_site.url, 0) == []
        assert not mailbox.to(GONE)
        who.assert_quiet()
    finally:
        mailbox.refuse.pop(REFUSED, None)
        mailbox.refuse.pop(GONE, None)
        await who.close()
