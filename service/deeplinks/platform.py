"""Which device and browser opened a link, from its User-Agent, to tailor the landing page.

Only what changes the advice matters: iOS, Android or a computer, and whether the page runs
inside another app's browser (mail and social apps), where universal links and app links do
not fire and the participant must first open the page in the system browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Markers that apps put into the User-Agent of their built-in browsers.
_IN_APP = (
    ("Gmail", re.compile(r"Gmail", re.IGNORECASE)),
    ("the Google app", re.compile(r"\bGSA/")),
    ("Outlook", re.compile(r"Outlook-(iOS|Android)|\bOutlook\b", re.IGNORECASE)),
    ("Facebook", re.compile(r"FBAN|FBAV|FB_IAB|FBIOS")),
    ("Instagram", re.compile(r"Instagram")),
    ("LinkedIn", re.compile(r"LinkedInApp")),
    ("X", re.compile(r"Twitter")),
    ("WeChat", re.compile(r"MicroMessenger")),
    ("LINE", re.compile(r"\bLine/")),
)
_ANDROID_WEBVIEW = re.compile(r"; wv\)")


@dataclass(frozen=True)
class Platform:
    os: Literal["ios", "android", "desktop"]
    in_app: str | None = None  # the app whose built-in browser shows the page, if any
    # A Mac user agent: a Mac, or an iPad, whose Safari sends the Mac's since iPadOS 13 ("Request
    # Desktop Website" is on by default). Only the browser knows (navigator.maxTouchPoints), and
    # the pages run no script: they offer the iPad's way into the app beside the computer's.
    maybe_ipad: bool = False

    @property
    def is_phone(self) -> bool:
        return self.os != "desktop"

    @property
    def category(self) -> Literal["ios", "android", "desktop", "in-app"]:
        """How landing views are counted: by system, and in-app browsers apart (their advice
        differs most: open the system browser first)."""
        return "in-app" if self.in_app else self.os


def detect(user_agent: str) -> Platform:
    if re.search(r"iPhone|iPad|iPod", user_agent):
        os: Literal["ios", "android", "desktop"] = "ios"
    elif "Android" in user_agent:
        os = "android"
    else:
        return Platform("desktop", maybe_ipad="Macintosh" in user_agent)
    for app, marker in _IN_APP:
        if marker.search(user_agent):
            return Platform(os, app)
    if os == "android" and _ANDROID_WEBVIEW.search(user_agent):
        return Platform(os, "an app")
    return Platform(os)
