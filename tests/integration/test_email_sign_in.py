"""The email sign-in path end to end: request a link, receive it by SMTP, trade the token."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.contract import assert_session_info

EMAIL = "Alice@Example.org"


async def test_link_email_signs_the_participant_in(api: Api) -> None:
    await api.create_study("study-a")
    participant = await api.create_participant("study-a", EMAIL, consented=True)

    response = await api.request_link("study-a", EMAIL)
    assert response.status_code == 202
    assert response.json() == {"message": "Email sent.", "type": "StatusMessage"}

    caught = await api.mailbox.wait_for(EMAIL)
    assert caught.message["Subject"] == "Your sign-in link for Study study-a"
    assert "https://signin.example.org/s/study-a?email=Alice%40Example.org&token=" in caught.text

    signed_in = await api.sign_in_with_token("study-a", EMAIL, caught.token)
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert_session_info(body)
    assert body["id"] == participant["id"]
    assert body["email"] == EMAIL
    assert body["emailVerified"] is True
    assert body["studyIds"] == ["study-a"]
