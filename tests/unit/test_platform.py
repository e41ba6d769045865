"""Telling devices and in-app browsers apart by User-Agent."""

from __future__ import annotations

import pytest

from service.deeplinks.platform import Platform, detect

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (IPHONE_SAFARI, Platform("ios")),
        (IPHONE_SAFARI.replace("iPhone;", "iPad;"), Platform("ios")),
        (ANDROID_CHROME, Platform("android")),
        (DESKTOP_CHROME, Platform("desktop")),
        ("", Platform("desktop")),
        ("curl/8.5.0", Platform("desktop")),
        (IPHONE_SAFARI + " GSA/340.0.680966913", Platform("ios", "the Google app")),
        (ANDROID_CHROME + " Gmail/2024.11", Platform("android", "Gmail")),
        (IPHONE_SAFARI + " [FBAN/FBIOS;FBAV/490.0.0.36.109]", Platform("ios", "Facebook")),
        (ANDROID_CHROME + " Instagram 350.0.0.35.98 Android", Platform("android", "Instagram")),
        (ANDROID_CHROME.replace("Pixel 9)", "Pixel 9; wv)"), Platform("android", "an app")),
        (ANDROID_CHROME + " Outlook-Android/2.0", Platform("android", "Outlook")),
        (IPHONE_SAFARI + " MicroMessenger/8.0.50", Platform("ios", "WeChat")),
        (DESKTOP_CHROME + " FBAN/FBIOS", Platform("desktop")),  # a computer stays a computer
    ],
)
def test_detect(user_agent: str, expected: Platform) -> None:
    assert detect(user_agent) == expected


def test_phones() -> None:
    assert Platform("ios").is_phone
    assert Platform("android").is_phone
    assert not Platform("desktop").is_phone
