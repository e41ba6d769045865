"""Email templates written for Bridge carry over: its variable names, meanings and links.

Each test saves a study through the researcher API, asks for a sign-in email the way an app
does, reads what the real SMTP server received, and follows the links in it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.api import Api
from tests.support.contract import assert_invalid

BASE_URL = "https://signin.example.org"
PLUS = "a+tag@example.org"
APP = "ABCDE12345.org.example.sleep"
_LINK = re.compile(r"https://\S+")


def _links(text: str) -> list[str]:
    return _LINK.findall(text)


def _query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, strict_parsing=True)


async def _emailed(api: Api, email: str, **study: Any) -> str:
    """The text of the sign-in email that ``email`` gets from study ``sleep-study``."""
    await api.create_study("sleep-study", **study)
    await api.create_participant("sleep-study", email, consented=True)
    response = await api.request_link("sleep-study", email)
    assert response.status_code == 202, response.text
    return (await api.mailbox.wait_for(email)).text


async def test_bridges_study_variables_render_with_bridges_meanings(api: Api) -> None:
    template = {
        "subject": "Sign in to ${appShortName}",
        "body": (
            "app=${appName}|short=${appShortName}|id=${appId}|tech=${technicalEmail}|"
            "consent=${consentEmail}|sponsor=${sponsorName}|to=${participantEmail}\n${url}\n"
        ),
        "mimeType": "text/plain",
    }
    await api.create_study(
        "sleep-study",
        name="Sleep Study",
        shortName="Sleep",
        sponsorName="Example University",
        supportEmail="help@example.org",
        emailSignInTemplate=template,
    )
    await api.create_participant("sleep-study", PLUS, consented=True)
    assert (await api.request_link("sleep-study", PLUS)).status_code == 202
    caught = await api.mailbox.wait_for(PLUS)
    assert caught.message["Subject"] == "Sign in to Sleep"
    first_line = caught.text.splitlines()[0]
    assert first_line == (
        "app=Sleep Study|short=Sleep|id=sleep-study|tech=help@example.org|"
        f"consent=help@example.org|sponsor=Example University|to={PLUS}"
    )


async def test_bridge_variables_its_sign_in_email_never_fills_are_refused(api: Api) -> None:
    template = {"subject": "Hi ${participantFirstName}", "body": "Tap ${url}"}
    response = await api.client.post(
        "/v3/studies",
        json={"identifier": "sleep-study", "name": "Sleep", "emailSignInTemplate": template},
        headers=api.admin,
    )
    (message,) = assert_invalid(response, "emailSignInTemplate.subject")[
        "emailSignInTemplate.subject"
    ]
    assert "unknown variable ${participantFirstName}" in message


async def test_url_is_bridges_start_session_link_and_opens_the_page(api: Api) -> None:
    template = {"subject": "Sign in", "body": "Bridge: ${url}\nShort: ${emailSignInUrl}\n"}
    text = await _emailed(
        api,
        PLUS,
        emailSignInTemplate=template,
        appleAppLinks=[{"appID": APP, "paths": ["/s/sleep-study", "/s/sleep-study/*"]}],
    )
    bridge_link, short_link = _links(text)
    assert bridge_link.startswith(f"{BASE_URL}/mobile/sleep-study/startSession.html?")
    query = _query(bridge_link)
    assert query["email"] == [PLUS]
    assert query["study"] == query["appId"] == ["sleep-study"]
    (token,) = query["token"]
    assert short_link.startswith(f"{BASE_URL}/s/sleep-study?")
    assert _query(short_link) == {"email": [PLUS], "token": [token]}

    # A browser (or a mail scanner) opens the Bridge link: the study's page, token unused.
    page = await api.client.get(bridge_link.removeprefix(BASE_URL))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert token not in page.text

    # The study's app, which claims /s/sleep-study, is also given the Bridge link's path.
    aasa = (await api.client.get("/.well-known/apple-app-site-association")).json()
    (detail,) = aasa["applinks"]["details"]
    assert "/mobile/sleep-study/*" in detail["paths"]
    assert {"/": "/mobile/sleep-study/*"} in detail["components"]

    signed_in = await api.sign_in_with_token("sleep-study", PLUS, token)
    assert signed_in.status_code == 200, signed_in.text


@pytest.mark.parametrize("mime_type", ["text/plain", "text/html"])
async def test_a_link_the_template_builds_with_email_round_trips(api: Api, mime_type: str) -> None:
    """The design's example: Bridge URL-encodes ${email} in sign-in emails, so a link the
    template builds itself carries a+tag@example.org intact (a bare + would read as a space)."""
    link = "https://myApp.example.org/mobile/verify.html?email=${email}&token=${token}"
    body = f"Tap {link}\n" if mime_type == "text/plain" else f'<p><a href="{link}">{link}</a></p>'
    template = {"subject": "Sign in as ${participantEmail}", "body": body, "mimeType": mime_type}
    await api.create_study("sleep-study", emailSignInTemplate=template)
    await api.create_participant("sleep-study", PLUS, consented=True)
    assert (await api.request_link("sleep-study", PLUS)).status_code == 202
    caught = await api.mailbox.wait_for(PLUS)
    assert caught.message["Subject"] == f"Sign in as {PLUS}"

    links = _links(caught.text)
    assert links
    for built in links:  # the html version gives the link twice: as href and as text
        assert built.startswith("https://myApp.example.org/mobile/verify.html?email=a%2Btag%40")
        query = _query(built)
        assert query["email"] == [PLUS]
    if mime_type == "text/html":
        assert caught.html is not None
        # the value is escaped too (URL-encoded, it has nothing left that HTML would change)
        assert (
            'href="https://myApp.example.org/mobile/verify.html?email=a%2Btag%40example.org&'
            in (caught.html)
        )

    (token,) = _query(links[0])["token"]
    signed_in = await api.sign_in_with_token("sleep-study", _query(links[0])["email"][0], token)
    assert signed_in.status_code == 200, signed_in.text
