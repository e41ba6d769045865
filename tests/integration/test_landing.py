"""The page that answers a sign-in link in a browser: informative, and it never uses the token."""

from __future__ import annotations

from tests.support.api import Api

EMAIL = "carol@example.org"


async def test_opening_the_link_in_a_browser_does_not_use_up_the_token(api: Api) -> None:
    await api.create_study("study-a", name="Tom & <Jerry> Study", supportEmail="help@example.org")
    await api.create_participant("study-a", EMAIL, consented=True)
    token = await api.emailed_token("study-a", EMAIL)
    link = f"/s/study-a?email={EMAIL}&token={token}"

    # A mail scanner fetches the link (maybe several times, maybe HEAD) before the person taps.
    for _ in range(3):
        page = await api.client.get(link)
        assert page.status_code == 200
    head = await api.client.head(link)
    assert head.status_code == 200
    assert head.content == b""

    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp  # no script may run at all
    assert "script-src" not in csp
    assert "Tom &amp; &lt;Jerry&gt; Study" in page.text
    assert "<Jerry>" not in page.text
    assert token not in page.text
    assert "help@example.org" in page.text

    signed_in = await api.sign_in_with_token("study-a", EMAIL, token)
    assert signed_in.status_code == 200


async def test_a_link_for_an_unknown_study_says_so(api: Api) -> None:
    page = await api.client.get("/s/no-such-study?email=x%40example.org&token=abc")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    text = " ".join(page.text.split())
    assert "This link is not valid" in text
    assert "ask for a new sign-in email" in text
    assert "abc" not in page.text  # nothing of the link is echoed back


async def test_a_link_too_long_for_a_qr_code_still_gets_its_page(api: Api) -> None:
    """Anybody can pad a link with a query no QR code can hold: a desktop browser (which gets
    a QR code to scan with the phone) then gets the page without one, not a 500."""
    await api.create_study("study-a", emailSignInEnabled=True)
    desktop = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}
    padded = "x" * 3000
    for path in ("/s/study-a", "/mobile/study-a/startSession.html", "/p/study-a"):
        short = await api.client.get(f"{path}?email={EMAIL}", headers=desktop)
        assert short.status_code == 200
        assert "<svg" in short.text  # the QR code, for an ordinary link
        page = await api.client.get(f"{path}?email={EMAIL}&pad={padded}", headers=desktop)
        assert page.status_code == 200, path
        assert "<svg" not in page.text
        head = await api.client.head(f"{path}?pad={padded}", headers=desktop)
        assert head.status_code == 200
