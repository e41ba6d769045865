"""Driving the console in chromium: a researcher's browser (its own context), signing in,
screenshots of each page at phone and desktop width."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.devices import ARTIFACTS
from tests.support.api import ADMIN_KEY

WIDTHS = (390, 1280)
MIN_SCREENSHOT_BYTES = 5 * 1024


@dataclass
class Researcher:
    context: BrowserContext
    page: Page
    url: str
    problems: list[str] = field(default_factory=list)  # CSP violations and script errors

    async def close(self) -> None:
        await self.context.close()

    async def open(self, path: str) -> None:
        response = await self.page.goto(self.url + path, wait_until="load")
        assert response is not None

    async def sign_in(self, key: str = ADMIN_KEY) -> None:
        await self.open("/console/sign-in")
        await self.page.get_by_label("Admin key").fill(key)
        await self.page.get_by_role("button", name="Sign in").click()
        await self.page.wait_for_load_state("load")

    def assert_quiet(self) -> None:
        assert self.problems == [], self.problems

    async def screenshot(self, name: str) -> None:
        """The page as it is, at each width, full length, to tests/browser/artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        for width in WIDTHS:
            await self.page.set_viewport_size({"width": width, "height": 900})
            await self.page.wait_for_timeout(150)
            path = ARTIFACTS / f"console-{name}-{width}.png"
            await self.page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > MIN_SCREENSHOT_BYTES, path
            # Nothing sticks out sideways: the page fits the width (320 px phones included).
            scroll = await self.page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} at {width} px is {scroll} px wide"
        await self.page.set_viewport_size({"width": 1280, "height": 900})

    async def assert_fits(self, width: int = 320) -> None:
        """The page as it is fits a phone ``width`` wide: nothing sticks out sideways."""
        await self.page.set_viewport_size({"width": width, "height": 900})
        await self.page.wait_for_timeout(150)
        scroll = await self.page.evaluate("document.documentElement.scrollWidth")
        await self.page.set_viewport_size({"width": 1280, "height": 900})
        assert scroll <= width, f"{self.page.url} at {width} px is {scroll} px wide"


async def researcher(browser: Browser, url: str, width: int = 1280) -> Researcher:
    context = await browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = await context.new_page()
    found = Researcher(context, page, url)
    page.on(
        "console",
        lambda message: (
            found.problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.problems.append(str(error)))
    return found


async def create_study(who: Researcher, identifier: str, name: str) -> None:
    await who.open("/console/studies")
    await who.page.get_by_label("Identifier").fill(identifier)
    await who.page.get_by_label("Name").fill(name)
    await who.page.get_by_role("button", name="Create study").click()
    await expect(who.page.locator("#created")).to_be_visible()


def artifact(name: str) -> Path:
    return ARTIFACTS / name


async def admin_call(method: str, url: str, body: Any = None) -> httpx.Response:
    """The JSON admin API with the bootstrap key, as a script of the researcher's would call it."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as client:
        return await client.request(method, url, json=body)


async def study_with_participants(
    site_url: str, study: dict[str, Any], emails: Iterable[str] = ()
) -> None:
    """Create ``study`` (a StudyBody) and these participants over the admin API, as a
    researcher's script would, before the browser comes in."""
    made = await admin_call("POST", f"{site_url}/v3/studies", study)
    assert made.status_code == 201, made.text
    for email in emails:
        added = await admin_call(
            "POST", f"{site_url}/v3/studies/{study['identifier']}/participants", {"email": email}
        )
        assert added.status_code == 201, added.text
