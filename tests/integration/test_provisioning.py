"""A study's provisioning link: the page it opens on each device, and the researcher API's
summary (real Redis and the embedded store)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from service.deeplinks.pages import PAGE_HEADERS
from service.settings import Settings
from tests.support.api import Api
from tests.support.html_page import HtmlPage

EMAIL = "carol@example.org"
BASE_URL = "https://signin.example.org"  # the `settings` fixture's base URL
ALT_BASE_URL = "https://open.example.org"
APP_STORE = "https://apps.apple.com/app/example/id1234567890"
PLAY_STORE = "https://play.google.com/store/apps/details?id=org.example.study"
PACKAGE = "org.example.study"
SCHEME = "examplestudy"
APPS = {
    "appleAppLinks": [{"appID": "ABCDE12345.org.example.study", "paths": ["/p/study-a"]}],
    "androidAppLinks": [
        {
            "namespace": "android_app",
            "package_name": PACKAGE,
            "sha256_cert_fingerprints": [":".join(["AB"] * 32)],
        }
    ],
    "installLinks": {"ios": APP_STORE, "android": PLAY_STORE},
    "appUrlScheme": SCHEME,
}
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
PATH = f"/p/study-a?login_hint={quote(EMAIL, safe='')}"
LINK = BASE_URL + PATH


async def _page(api: Api, url: str, user_agent: str, status: int = 200) -> tuple[HtmlPage, str]:
    response = await api.client.get(url, headers={"User-Agent": user_agent})
    assert response.status_code == status, response.text
    _assert_page_headers(response)
    return HtmlPage(response.text), response.text


def _assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    for name, value in PAGE_HEADERS.items():
        assert response.headers[name] == value
    assert "<script" not in response.text


def _assert_hint_not_shown(html: str) -> None:
    # The address appears nowhere as text; links carry it only percent-encoded.
    assert EMAIL not in html
    assert "c***@example.org" in html


class TestWithASecondHost:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(link_alt_base_url=ALT_BASE_URL)

    async def test_iphone_gets_the_app_store_and_the_second_host(self, api: Api) -> None:
        await api.create_study("study-a", supportEmail="help@example.org", **APPS)
        page, html = await _page(api, PATH, IPHONE)
        assert page.by_id["app-store"].attrs["href"] == APP_STORE
        assert page.by_id["open-app"].attrs["href"] == ALT_BASE_URL + PATH
        assert "play-store" not in page.by_id
        assert "qr-code" not in page.by_id
        assert page.meta["apple-itunes-app"] == f"app-id=1234567890, app-argument={LINK}"
        _assert_hint_not_shown(html)

    async def test_opened_on_the_second_host_the_button_is_the_main_host(self, api: Api) -> None:
        await api.create_study("study-a", **APPS)
        page, _ = await _page(api, ALT_BASE_URL + PATH, IPHONE)
        assert page.by_id["open-app"].attrs["href"] == BASE_URL + PATH


async def test_iphone_without_second_host_gets_the_custom_scheme(api: Api) -> None:
    await api.create_study("study-a", **APPS)
    page, html = await _page(api, PATH, IPHONE)
    href = page.by_id["open-app"].attrs["href"]
    assert href == f"{SCHEME}://provision?study=study-a&login_hint=carol%40example.org"
    assert not href.startswith(BASE_URL)  # never the page's own host
    _assert_hint_not_shown(html)


async def test_android_gets_an_intent_into_the_package(api: Api) -> None:
    await api.create_study("study-a", **APPS)
    page, html = await _page(api, PATH, ANDROID)
    assert page.by_id["play-store"].attrs["href"] == PLAY_STORE
    intent = page.by_id["open-app"].attrs["href"]
    assert intent.startswith("intent://signin.example.org/p/study-a?")
    assert f"package={PACKAGE};" in intent
    _assert_hint_not_shown(html)


async def test_a_computer_gets_the_qr_code_and_both_stores(api: Api) -> None:
    await api.create_study("study-a", **APPS)
    page, html = await _page(api, PATH, DESKTOP)
    assert "svg" in page.by_id["qr-code"].inner_tags
    assert page.by_id["app-store"].attrs["href"] == APP_STORE
    assert page.by_id["play-store"].attrs["href"] == PLAY_STORE
    assert "open-app" not in page.by_id
    _assert_hint_not_shown(html)


async def test_a_study_without_apps_still_explains_both_steps(api: Api) -> None:
    await api.create_study("study-a")
    page, _ = await _page(api, "/p/study-a", IPHONE)
    assert {"step-install", "step-open", "open-by-hand"} <= set(page.by_id)
    assert "open-app" not in page.by_id
    assert "login-hint" not in page.by_id


async def test_in_app_browsers_are_told_how_to_get_out(api: Api) -> None:
    await api.create_study("study-a", **APPS)
    page, _ = await _page(api, PATH, IPHONE + " [FBAN/FBIOS;FBAV/470.0.0.38.109]")
    assert "Facebook" in page.by_id["in-app"].text


async def test_unknown_study_is_a_friendly_404(api: Api) -> None:
    page, _ = await _page(api, "/p/no-such-study", DESKTOP, status=404)
    assert "not valid" in page.title


async def test_head_answers_without_a_body(api: Api) -> None:
    await api.create_study("study-a", **APPS)
    response = await api.client.head(PATH, headers={"User-Agent": IPHONE})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["cache-control"] == "no-store"
    missing = await api.client.head("/p/no-such-study")
    assert missing.status_code == 404


async def test_the_researcher_api_summarises_the_provisioning(api: Api) -> None:
    await api.create_study("study-a", **APPS)
    response = await api.client.get("/v3/studies/study-a/provisioning", headers=api.admin)
    assert response.status_code == 200, response.text
    body = response.json()
    exports = f"{BASE_URL}/v3/studies/study-a/provisioning"
    assert body == {
        "link": f"{BASE_URL}/p/study-a",
        "qrCodeSvg": body["qrCodeSvg"],
        "exports": {
            "appconfig": f"{exports}/appconfig.xml",
            "managedConfig": f"{exports}/managed-config.plist",
            "appRestrictions": f"{exports}/app_restrictions.xml",
        },
        "type": "StudyProvisioning",
    }
    assert body["qrCodeSvg"].startswith("<svg")


async def test_the_researcher_api_needs_the_key(api: Api) -> None:
    await api.create_study("study-a")
    response = await api.client.get("/v3/studies/study-a/provisioning")
    assert response.status_code == 401
    wrong = await api.client.get(
        "/v3/studies/study-a/provisioning", headers={"Authorization": "Bearer wrong"}
    )
    assert wrong.status_code == 401


async def test_the_researcher_api_404s_an_unknown_study(api: Api) -> None:
    response = await api.client.get("/v3/studies/no-such/provisioning", headers=api.admin)
    assert response.status_code == 404
    assert response.json()["entityClass"] == "Study"
