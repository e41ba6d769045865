"""Building the links that go into emails."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def sign_in_url(base_url: str, study_id: str, email: str, token: str) -> str:
    """The universal link: ``{base}/s/{studyId}?email=...&token=...``.

    The study is a path segment so that each study's app can claim its own paths.
    """
    query = urlencode({"email": email, "token": token}, quote_via=quote)
    return f"{base_url}/s/{quote(study_id, safe='')}?{query}"
