"""Building the links that go into emails."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode


def sign_in_url(base_url: str, study_id: str, email: str, token: str) -> str:
    """The universal link: ``{base}/s/{studyId}?email=...&token=...`` (``${emailSignInUrl}``,
    ``${shortUrl}`` and the default template's link).

    The study is a path segment so that each study's app can claim its own paths.
    """
    query = urlencode({"email": email, "token": token}, quote_via=quote)
    return f"{base_url}/s/{quote(study_id, safe='')}?{query}"


def bridge_sign_in_url(base_url: str, study_id: str, email: str, token: str) -> str:
    """Bridge's older link form, ``${url}`` in Bridge's templates:
    ``{base}/mobile/{studyId}/startSession.html?email=...&study=...&appId=...&token=...``.

    Bridge named the study ``study`` in this query until 2020 and ``appId`` since; both are
    given, so an app written for either version reads it. It opens the same landing page as
    ``sign_in_url`` and the association files claim it for the same apps.
    """
    query = urlencode(
        {"email": email, "study": study_id, "appId": study_id, "token": token}, quote_via=quote
    )
    return f"{base_url}{bridge_sign_in_path(study_id)}?{query}"


def bridge_sign_in_path(study_id: str) -> str:
    return f"/mobile/{quote(study_id, safe='')}/startSession.html"


def app_url(scheme: str, study_id: str, email: str) -> str:
    """The custom-scheme link: opens the app without any secret, for typing the code.

    Any app can claim a custom scheme, so it never carries the token.
    """
    query = urlencode({"study": study_id, "email": email}, quote_via=quote)
    return f"{scheme}://sign-in?{query}"


def on_other_host(alt_base_url: str, path: str, query: str) -> str:
    """The same link on another host: universal links fire only for taps across domains."""
    return f"{alt_base_url}{path}" + (f"?{query}" if query else "")


def android_intent(link: str, package: str, fallback: str) -> str:
    """An ``intent://`` URL that opens ``link`` in ``package``, else goes to ``fallback``."""
    without_scheme = link.split("://", 1)[1]
    return (
        f"intent://{without_scheme}#Intent;scheme=https;package={package};"
        f"S.browser_fallback_url={quote(fallback, safe='')};end"
    )


def app_store_id(install_url: str | None) -> str | None:
    """The numeric App Store id in an apps.apple.com URL (``…/id1234567890``), if any."""
    if not install_url:
        return None
    match = re.search(r"/id(\d+)", install_url)
    return match.group(1) if match else None
