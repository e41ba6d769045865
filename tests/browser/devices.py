"""The phones and computers the landing page is opened on, and what a visit records.

Each visit runs in a fresh browser context (no shared cookies or cache) with the device's
User-Agent and viewport, and records everything the console said and every script error, so a
test can assert that the page's Content-Security-Policy blocked nothing: Chromium reports each
violation on the console ("Refused to apply inline style ... because it violates the following
Content Security Policy directive ...").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Error, Page, Response

ARTIFACTS = Path(__file__).parent / "artifacts"


@dataclass(frozen=True)
class Device:
    name: str
    user_agent: str
    width: int
    height: int
    scale: float = 1
    phone: bool = False
    touch: bool | None = None  # a touch screen; None: as ``phone``


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
IPHONE = Device("ios", IPHONE_SAFARI, 390, 844, scale=2, phone=True)
ANDROID = Device(
    "android",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",
    412,
    915,
    scale=2,
    phone=True,
)
DESKTOP = Device(
    "desktop",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    1280,
    800,
)
# iPadOS Safari asks for desktop websites by default: a Mac's user agent, a tablet's touch
# screen (navigator.maxTouchPoints 5 on a real iPad; Chromium's touch emulation reports >= 1).
IPAD = Device(
    "ipad",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    820,
    1180,
    scale=2,
    touch=True,
)
# Gmail's in-app browser on Android (a WebView, "; wv)", with Gmail's marker).
ANDROID_GMAIL = Device(
    "in-app-gmail",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122 Mobile Safari/537.36 Gmail",
    412,
    915,
    scale=2,
    phone=True,
)
# The Google app's browser (Gmail on iOS opens links there), and Facebook's.
IPHONE_GOOGLE_APP = Device(
    "in-app",
    IPHONE_SAFARI.replace("Version/17.5 ", "") + " GSA/340.0.689116738",
    390,
    844,
    scale=2,
    phone=True,
)
IPHONE_FACEBOOK = Device(
    "in-app-facebook",
    IPHONE_SAFARI + " [FBAN/FBIOS;FBAV/470.0.0.38.109;FBBV/612345678;FBDV/iPhone15,2]",
    390,
    844,
    scale=2,
    phone=True,
)


@dataclass
class Visit:
    """One page load: the page (still open), the response, and what the console said."""

    context: BrowserContext
    page: Page
    response: Response
    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page fetched

    async def close(self) -> None:
        await self.context.close()

    def _complaints(self) -> list[ConsoleMessage]:
        """The console, less Chromium's note that the page itself came with an error status
        (a 404 page is meant to be one)."""
        return [
            message
            for message in self.console
            if not (
                self.response.status >= 400
                and message.location.get("url") == self.response.url
                and message.text.startswith("Failed to load resource: the server responded")
            )
        ]

    def csp_violations(self) -> list[str]:
        return [
            message.text
            for message in self.console
            if "Content Security Policy" in message.text or "Refused to" in message.text
        ]

    def console_lines(self) -> list[str]:
        return [
            f"{message.type}: {message.text} ({message.location})" for message in self._complaints()
        ]

    def assert_quiet(self) -> None:
        """No CSP violation, no script error, no failed request, nothing on the console at all
        (the page has no script, so anything there is the browser complaining). And the page
        is self-contained: the document is its only request (no favicon.ico, no font, no
        image), so its URL, token and all, is never sent anywhere else."""
        assert self.csp_violations() == [], self.console_lines()
        assert self.errors == [], self.errors
        assert self.failed_requests == [], self.failed_requests
        assert self.console_lines() == [], self.console_lines()
        assert self.requests == [self.response.url], self.requests

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"landing-{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


async def visit(browser: Browser, device: Device, url: str, locale: str = "en-US") -> Visit:
    """Open ``url`` on ``device`` in a new context and wait until the page has settled.
    ``locale`` is the browser's language (its Accept-Language)."""
    context = await browser.new_context(
        user_agent=device.user_agent,
        viewport={"width": device.width, "height": device.height},
        device_scale_factor=device.scale,
        is_mobile=device.phone,
        has_touch=device.phone if device.touch is None else device.touch,
        locale=locale,
    )
    page = await context.new_page()
    console: list[ConsoleMessage] = []
    errors: list[Error] = []
    failed: list[str] = []
    requested: list[str] = []
    # (Playwright tags its handlers with an attribute: bound builtins like list.append won't do.)
    page.on("console", lambda message: console.append(message))
    page.on("pageerror", lambda error: errors.append(error))
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    page.on("request", lambda request: requested.append(request.url))
    response = await page.goto(url, wait_until="load")
    assert response is not None, f"no response for {url}"
    # Violations and failed subresources are reported asynchronously: let everything settle.
    await page.wait_for_load_state("networkidle")
    return Visit(context, page, response, console, errors, failed, requested)
