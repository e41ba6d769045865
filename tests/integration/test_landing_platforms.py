"""What the page behind a sign-in link offers on each device, read from its HTML (no browser;
tests/browser/ renders the same pages in chromium).

- iPhone: Smart App Banner, "Open the app" off the page's own host (the second host, else the
  custom scheme without the token), the App Store.
- Android: an intent:// link into the study's package falling back to Google Play, Google Play.
- A computer (or anything not a phone): the link as a QR code, the typed code, both stores.
- Mail and social apps' browsers: how to get out of them.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import httpx
import pytest

from service.deeplinks.qr import qr_svg as _qr_svg
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
SCHEME_LINK = f"{SCHEME}://sign-in?study=study-a&email=carol%40example.org"  # no token
APP_LINKS = {
    "appleAppLinks": [
        {"appID": "ABCDE12345.org.example.study", "paths": ["/s/study-a", "/s/study-a/*"]}
    ],
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
IPAD = IPHONE.replace("iPhone; CPU iPhone OS", "iPad; CPU OS")
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36"
)
DESKTOPS = {
    "windows-chrome": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
    ),
    "linux-firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "no-user-agent": "",
    # What a mail scanner sends: not a phone, so it gets the computer's page.
    "scanner": "Mozilla/5.0 (compatible; Microsoft Office/16.0; ATP Safe Links)",
}
# A Mac, or an iPad: iPadOS Safari sends this too (test_on_a_mac_user_agent_...).
MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)
IN_APP = {
    "ios-google-app": (
        IPHONE.replace("Version/17.5 ", "") + " GSA/340.0.689116738",
        "the Google app",
    ),
    "ios-facebook": (IPHONE + " [FBAN/FBIOS;FBAV/470.0.0.38.109]", "Facebook"),
    "ios-instagram": (IPHONE + " Instagram 339.0.3.12.91", "Instagram"),
    "android-webview": (
        ANDROID.replace("Pixel 8)", "Pixel 8; wv)").replace("Chrome/", "Version/4.0 Chrome/"),
        "an app",
    ),
    "android-outlook": (ANDROID + " Outlook-Android/2.0", "Outlook"),
}
PLATFORMS = {"ios": IPHONE, "android": ANDROID, "desktop": DESKTOPS["windows-chrome"]}
PAGE_IDS = ("open-app", "app-store", "play-store", "qr-code", "type-code", "in-app")


async def _emailed_link(api: Api, study: str = "study-a") -> tuple[str, str]:
    """Ask for a sign-in link; the link exactly as the email has it, and its token."""
    token = await api.emailed_token(study, EMAIL)
    text = api.mailbox.to(EMAIL)[-1].text
    match = re.search(rf"{re.escape(BASE_URL)}/s/[^\s<>\"']+", text)
    assert match, text
    assert f"token={token}" in match.group(0)
    return match.group(0), token


async def _study_with_link(api: Api, **fields: object) -> tuple[str, str]:
    await api.create_study("study-a", supportEmail="help@example.org", **fields)
    await api.create_participant("study-a", EMAIL, consented=True)
    return await _emailed_link(api)


def _path(link: str) -> str:
    """The link as the browser asks for it: path and query (the ASGI client adds its host)."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def _page(api: Api, url: str, user_agent: str, status: int = 200) -> HtmlPage:
    response = await api.client.get(url, headers={"User-Agent": user_agent})
    assert response.status_code == status, response.text
    _assert_page_headers(response)
    return HtmlPage(response.text)


def _assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    csp = response.headers["content-security-policy"]
    assert csp.startswith("default-src 'none';"), csp
    assert "script-src" not in csp


def _ids(page: HtmlPage) -> set[str]:
    return {element_id for element_id in PAGE_IDS if element_id in page.by_id}


def _assert_links_work(page: HtmlPage) -> None:
    """Every link goes somewhere real: https, mailto, or an app (intent or the custom scheme)."""
    for href in page.hrefs:
        scheme = urlsplit(href).scheme
        assert scheme in {"https", "mailto", "intent", SCHEME}, href
        assert "None" not in href, href
    if "qr-code" in page.by_id:
        assert "svg" in page.by_id["qr-code"].inner_tags


async def test_on_an_iphone_the_page_offers_the_app_and_the_app_store(api: Api) -> None:
    link, token = await _study_with_link(api, **APP_LINKS)
    for user_agent in (IPHONE, IPAD):
        page = await _page(api, _path(link), user_agent)
        assert _ids(page) == {"open-app", "app-store", "type-code"}
        assert page.meta["apple-itunes-app"] == f"app-id=1234567890, app-argument={link}"
        # Not the page's own host, where the tap would not open the app: the custom scheme,
        # which any app can claim, so it carries no token (the app asks for the code).
        assert page.href("open-app") == SCHEME_LINK
        assert token not in page.href("open-app")
        assert "code from the email" in page.text("type-code")
        assert page.href("app-store") == APP_STORE
        _assert_links_work(page)


async def test_on_android_the_page_opens_the_app_by_intent_or_sends_to_google_play(
    api: Api,
) -> None:
    link, _ = await _study_with_link(api, **APP_LINKS)
    page = await _page(api, _path(link), ANDROID)
    assert _ids(page) == {"open-app", "play-store", "type-code"}
    assert "apple-itunes-app" not in page.meta
    # The whole link (the app needs its token) for the study's package, else Google Play.
    assert page.href("open-app") == (
        f"intent://{link.split('://', 1)[1]}#Intent;scheme=https;package={PACKAGE};"
        f"S.browser_fallback_url={quote(PLAY_STORE, safe='')};end"
    )
    assert page.href("play-store") == PLAY_STORE
    _assert_links_work(page)


@pytest.mark.parametrize("user_agent", DESKTOPS.values(), ids=DESKTOPS.keys())
async def test_on_a_computer_the_page_shows_the_qr_code_and_the_typed_code(
    api: Api, user_agent: str
) -> None:
    link, _ = await _study_with_link(api, **APP_LINKS)
    response = await api.client.get(_path(link), headers={"User-Agent": user_agent})
    assert response.status_code == 200
    # Caches keep one page per device and language.
    assert response.headers["vary"] == "User-Agent, Accept-Language"
    page = HtmlPage(response.text)
    assert _ids(page) == {"qr-code", "type-code", "app-store", "play-store"}
    assert "apple-itunes-app" not in page.meta
    assert qr_svg(link) in response.text  # the QR code is the emailed link itself
    assert "type the code from the email" in page.text("type-code")
    assert page.href("app-store") == APP_STORE
    assert page.href("play-store") == PLAY_STORE
    _assert_links_work(page)


async def test_on_a_mac_user_agent_the_page_also_offers_the_ipads_way_into_the_app(
    api: Api,
) -> None:
    # An iPad's Safari sends the Mac's user agent and the server cannot tell them apart: the
    # computer's page (QR code, typed code) comes with the iOS options under "On an iPad?".
    link, _ = await _study_with_link(api, **APP_LINKS)
    response = await api.client.get(_path(link), headers={"User-Agent": MAC_SAFARI})
    page = HtmlPage(response.text)
    assert _ids(page) == {"qr-code", "type-code", "app-store", "play-store"}
    assert {"ipad", "ipad-app-store", "ipad-type-code"} <= set(page.by_id)
    assert page.href("ipad-app-store") == APP_STORE
    # The Smart App Banner: ignored by macOS Safari, the iPad's quickest way into the app.
    assert page.meta["apple-itunes-app"].startswith("app-id=1234567890, app-argument=")
    _assert_links_work(page)


@pytest.mark.parametrize(("user_agent", "app"), IN_APP.values(), ids=IN_APP.keys())
async def test_in_an_apps_built_in_browser_the_page_says_how_to_get_out(
    api: Api, user_agent: str, app: str
) -> None:
    link, _ = await _study_with_link(api, **APP_LINKS)
    page = await _page(api, _path(link), user_agent)
    assert "in-app" in page.by_id
    notice = page.text("in-app")
    assert app in notice
    assert ("Open in Safari" if "iPhone" in user_agent else "Open in browser") in notice
    assert "open-app" in page.by_id  # the way into the app, once in the system browser
    _assert_links_work(page)


async def test_bridges_older_link_format_gets_the_same_page(api: Api) -> None:
    link, _ = await _study_with_link(api, **APP_LINKS)
    query = urlsplit(link).query
    old_path = "/mobile/study-a/startSession.html"
    old_link = f"{BASE_URL}{old_path}?{query}"
    ios = await _page(api, f"{old_path}?{query}", IPHONE)
    assert _ids(ios) == {"open-app", "app-store", "type-code"}
    assert ios.meta["apple-itunes-app"] == f"app-id=1234567890, app-argument={old_link}"
    android = await _page(api, f"{old_path}?{query}", ANDROID)
    assert android.href("open-app").startswith(f"intent://{old_link.split('://', 1)[1]}#Intent;")
    desktop = await api.client.get(f"{old_path}?{query}")
    assert qr_svg(old_link) in desktop.text  # the link as it was opened
    head = await api.client.head(f"{old_path}?{query}", headers={"User-Agent": IPHONE})
    assert head.status_code == 200
    assert head.content == b""
    await _page(api, f"/mobile/no-such-study/startSession.html?{query}", IPHONE, status=404)


@pytest.mark.parametrize("platform", PLATFORMS.keys())
async def test_head_answers_like_get_without_a_body(api: Api, platform: str) -> None:
    link, token = await _study_with_link(api, **APP_LINKS)
    headers = {"User-Agent": PLATFORMS[platform]}
    head = await api.client.head(_path(link), headers=headers)
    get = await api.client.get(_path(link), headers=headers)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    _assert_page_headers(head)
    for name in ("content-security-policy", "referrer-policy", "cache-control", "vary"):
        assert head.headers[name] == get.headers[name]
    missing = await api.client.head("/s/no-such-study?token=abc", headers=headers)
    assert missing.status_code == 404
    assert missing.content == b""
    assert (await api.sign_in_with_token("study-a", EMAIL, token)).status_code == 200


async def test_the_page_does_not_reveal_whether_the_token_was_used(api: Api) -> None:
    link, token = await _study_with_link(api, **APP_LINKS)
    before = {name: (await api.client.get(_path(link), headers={"User-Agent": ua})).text
              for name, ua in PLATFORMS.items()}  # fmt: skip
    assert (await api.sign_in_with_token("study-a", EMAIL, token)).status_code == 200
    for name, user_agent in PLATFORMS.items():
        after = await api.client.get(_path(link), headers={"User-Agent": user_agent})
        assert after.status_code == 200
        assert after.text == before[name]


async def test_a_crafted_query_cannot_retarget_the_intent_or_break_out_of_attributes(
    api: Api,
) -> None:
    link, _ = await _study_with_link(api, **APP_LINKS)
    crafted = (
        "/s/study-a?email=a%40example.org&token=x%23Intent;package=org.evil;end"
        "&q=%22%3E%3Cscript%3E"
    )
    for user_agent in PLATFORMS.values():
        response = await api.client.get(crafted, headers={"User-Agent": user_agent})
        assert response.status_code == 200
        assert response.text.count("#Intent;") <= 1
        page = HtmlPage(response.text)
        honest = await _page(api, _path(link), user_agent)
        assert page.by_id.keys() == honest.by_id.keys()  # the same elements, nothing injected
        assert "<script" not in response.text
        if user_agent == ANDROID:  # the encoded "#" stays in the link, not the intent's data
            assert "x%23Intent;package=org.evil;end" in page.href("open-app")
            assert page.href("open-app").endswith(
                f"#Intent;scheme=https;package={PACKAGE};"
                f"S.browser_fallback_url={quote(PLAY_STORE, safe='')};end"
            )


async def test_a_study_without_app_links_still_gets_a_useful_page_everywhere(api: Api) -> None:
    link, _ = await _study_with_link(api)
    for name, user_agent in {**PLATFORMS, "in-app": IN_APP["ios-google-app"][0]}.items():
        page = await _page(api, _path(link), user_agent)
        _assert_links_work(page)
        assert "apple-itunes-app" not in page.meta
        assert not {"open-app", "app-store", "play-store"} & _ids(page), name
        # Without a button, the way in is the code from the email.
        assert "type the code from the email" in page.text("type-code"), name
        assert ("qr-code" in page.by_id) == (name == "desktop")
        assert "help@example.org" in page.hrefs[-1]
    desktop = await api.client.get(_path(link), headers={"User-Agent": PLATFORMS["desktop"]})
    assert qr_svg(link) in desktop.text


async def test_with_only_a_custom_scheme_the_phones_get_it_as_the_button(api: Api) -> None:
    link, token = await _study_with_link(api, appUrlScheme=SCHEME)
    for user_agent in (IPHONE, ANDROID):
        page = await _page(api, _path(link), user_agent)
        assert page.href("open-app") == SCHEME_LINK
        assert token not in page.href("open-app")
        assert not {"app-store", "play-store"} & _ids(page)


async def test_without_a_play_link_the_intent_falls_back_to_the_packages_play_page(
    api: Api,
) -> None:
    fields = {**APP_LINKS, "installLinks": {"ios": APP_STORE}}
    link, _ = await _study_with_link(api, **fields)
    page = await _page(api, _path(link), ANDROID)
    fallback = quote(f"https://play.google.com/store/apps/details?id={PACKAGE}", safe="")
    assert page.href("open-app").endswith(f";S.browser_fallback_url={fallback};end")
    assert "play-store" not in page.by_id
    _assert_links_work(page)


async def test_a_link_for_an_unknown_study_is_a_friendly_404_on_every_device(api: Api) -> None:
    for user_agent in PLATFORMS.values():
        page = await _page(api, "/s/no-such-study?email=x%40example.org&token=abc", user_agent, 404)
        assert page.title == "Link not valid"
        assert not _ids(page)
        assert page.hrefs == []


def qr_svg(link: str) -> str:
    """The QR code of an ordinary link (which always fits in one)."""
    svg = _qr_svg(link)
    assert svg is not None
    return svg


class TestWithASecondHost:
    """``MAGICLINK_LINK_ALT_BASE_URL``: the same service on another host, where the iPhone's
    button points (a tap there, from this host, is a cross-domain tap: the app opens)."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(link_alt_base_url=ALT_BASE_URL)

    async def test_the_iphone_button_is_the_same_link_on_the_second_host(self, api: Api) -> None:
        link, _ = await _study_with_link(api, **APP_LINKS)
        page = await _page(api, _path(link), IPHONE)
        assert page.href("open-app") == f"{ALT_BASE_URL}{_path(link)}"
        assert page.href("app-store") == APP_STORE
        # Android opens the app by intent: no host involved.
        android = await _page(api, _path(link), ANDROID)
        assert android.href("open-app").startswith(f"intent://{link.split('://', 1)[1]}#")
        desktop = await _page(api, _path(link), PLATFORMS["desktop"])
        assert "open-app" not in desktop.by_id
        assert qr_svg(link) in (await api.client.get(_path(link))).text

    async def test_opened_on_the_second_host_the_button_points_back_at_the_first(
        self, api: Api
    ) -> None:
        link, _ = await _study_with_link(api, **APP_LINKS)
        page = await _page(api, f"{ALT_BASE_URL}{_path(link)}", IPHONE)
        assert page.href("open-app") == link

    async def test_without_an_ios_app_the_second_host_is_not_offered(self, api: Api) -> None:
        link, _ = await _study_with_link(api, appUrlScheme=SCHEME)
        page = await _page(api, _path(link), IPHONE)
        assert page.href("open-app").startswith(f"{SCHEME}://sign-in?")
        link_b, _ = await _other_study_link(api)
        bare = await _page(api, _path(link_b), IPHONE)
        assert "open-app" not in bare.by_id
        assert "type the code from the email" in bare.text("type-code")


async def _other_study_link(api: Api) -> tuple[str, str]:
    await api.create_study("study-b")
    await api.create_participant("study-b", EMAIL, consented=True)
    return await _emailed_link(api, "study-b")
