"""Signing in to the console in chromium: a wrong key, the right one, the cookie's flags,
sign-out, a form posted without its CSRF token, and a revoked key's session."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect
from redis.asyncio import Redis

from service.store.admin_keys import AdminKeyStore
from tests.browser.conftest import ConsoleSite
from tests.browser.console_pages import researcher

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_wrong_key_is_refused_next_to_the_field(
    browser: Browser, console_site: ConsoleSite
) -> None:
    who = await researcher(browser, console_site.url)
    try:
        await who.open("/console")
        await expect(who.page).to_have_url(console_site.url + "/console/sign-in")
        await who.screenshot("sign-in")
        await who.sign_in("not-the-admin-key-0123456789")
        key = who.page.get_by_label("Admin key")
        await expect(key).to_have_attribute("aria-invalid", "true")
        await expect(key).to_have_attribute("aria-describedby", "key-error")
        await expect(who.page.locator("#key-error")).to_contain_text("does not open the console")
        await who.screenshot("sign-in-wrong-key")
        assert [c for c in await who.context.cookies() if c["name"] == "ml_console"] == []
        who.assert_quiet()
    finally:
        await who.close()


async def test_the_right_key_signs_in_with_a_strict_cookie_and_sign_out_ends_it(
    browser: Browser, console_site: ConsoleSite
) -> None:
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        await expect(who.page).to_have_url(console_site.url + "/console/studies")
        await expect(who.page.locator("#key-name")).to_have_text("MAGICLINK_ADMIN_KEY")
        (cookie,) = [c for c in await who.context.cookies() if c["name"] == "ml_console"]
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert cookie["path"] == "/"
        assert cookie["secure"] is False  # http://127.0.0.1: over https it is Secure
        assert cookie["expires"] == -1  # a session cookie; the server ends it when idle
        assert "test-admin-key" not in cookie["value"]
        # document.cookie cannot read it (HttpOnly).
        assert "ml_console" not in await who.page.evaluate("document.cookie")
        await who.page.keyboard.press("Tab")  # the skip link comes first, for keyboards
        focused = await who.page.evaluate("document.activeElement.textContent")
        assert focused == "Skip to content"
        await who.page.get_by_role("button", name="Sign out").click()
        await expect(who.page.locator("#signed-out")).to_be_visible()
        await who.open("/console/studies")
        await expect(who.page).to_have_url(console_site.url + "/console/sign-in")
        who.assert_quiet()
    finally:
        await who.close()


async def test_a_form_posted_without_its_csrf_token_is_refused(
    browser: Browser, console_site: ConsoleSite
) -> None:
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in()
        # Same browser, same cookie: only the token is missing.
        answer = await who.page.request.post(
            console_site.url + "/console/studies",
            form={"identifier": "csrf-less", "name": "No token"},
            max_redirects=0,
        )
        assert answer.status == 403
        assert "Nothing was changed" in await answer.text()
        # The page's own form (with the token) still works, and the study above was not made.
        await who.open("/console/studies")
        await expect(who.page.get_by_text("csrf-less")).to_have_count(0)
        # The JSON API: the cookie alone opens nothing.
        api = await who.page.request.get(console_site.url + "/v3/studies")
        assert api.status == 401
    finally:
        await who.close()


async def test_revoking_a_named_key_ends_its_console_session(
    browser: Browser, console_site: ConsoleSite
) -> None:
    redis = Redis.from_url(console_site.redis_url, decode_responses=True)
    store = AdminKeyStore(redis)
    key = await store.create("browser-ops")
    who = await researcher(browser, console_site.url)
    try:
        await who.sign_in(key)
        await expect(who.page.locator("#key-name")).to_have_text("browser-ops")
        await store.revoke("browser-ops")
        await who.open("/console/studies")
        await expect(who.page).to_have_url(console_site.url + "/console/sign-in")
    finally:
        await who.close()
        await store.revoke("browser-ops")
        await redis.aclose()
