"""The provisioning link of our own app: a universal link that names the server and study.

It carries no secret: anyone may see it (it is printed, shown as a QR code, emailed). The app
that opens it learns which server and study to talk to, and whose address to prefill.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode


def study_provisioning_url(base_url: str, study_id: str, login_hint: str | None = None) -> str:
    """``{base}/p/{studyId}[?login_hint=<email>]``."""
    url = f"{base_url}/p/{quote(study_id, safe='')}"
    if login_hint:
        url += "?" + urlencode({"login_hint": login_hint}, quote_via=quote)
    return url
