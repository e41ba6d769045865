"""``/docs``, the page that shows the API's OpenAPI document, in a real browser (Debian's
chromium): Swagger UI served from the service itself, under the page's Content-Security-Policy."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import LandingSite
from tests.browser.devices import DESKTOP, visit

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_docs_page_shows_every_operation_within_its_csp(
    browser: Browser, landing_site: LandingSite
) -> None:
    async with httpx.AsyncClient() as client:
        document = (await client.get(f"{landing_site.url}/openapi.json")).json()
    operations = sum(
        1
        for item in document["paths"].values()
        for method in item
        if method in ("get", "put", "post", "delete", "patch", "head")
    )
    opened = await visit(browser, DESKTOP, f"{landing_site.url}/docs")
    try:
        assert opened.response.status == 200
        csp = opened.response.headers["content-security-policy"]
        assert "script-src 'self'" in csp, csp
        assert "'unsafe-eval'" not in csp, csp
        # Swagger UI draws one block per operation, from the document this service serves.
        await expect(opened.page.locator(".opblock")).to_have_count(operations, timeout=20_000)
        await expect(opened.page.get_by_text("/v3/auth/email/signIn").first).to_be_visible()
        # Nothing refused, nothing failed, nothing fetched from anywhere but this service.
        assert opened.csp_violations() == [], opened.console_lines()
        assert opened.errors == [], opened.errors
        assert opened.failed_requests == [], opened.failed_requests
        assert all(url.startswith(landing_site.url) for url in opened.requests), opened.requests
        path = await opened.screenshot("docs")
        print(f"screenshot: {path}")
    finally:
        await opened.close()


@pytest.mark.parametrize("path", ["/", "/redoc"])
async def test_the_bare_address_and_redoc_lead_to_the_docs_page(
    browser: Browser, landing_site: LandingSite, path: str
) -> None:
    opened = await visit(browser, DESKTOP, f"{landing_site.url}{path}")
    try:
        assert opened.page.url == f"{landing_site.url}/docs"
        assert opened.response.status == 200
        await expect(opened.page.get_by_text("/v3/auth/email/signIn").first).to_be_visible(
            timeout=20_000
        )
    finally:
        await opened.close()
