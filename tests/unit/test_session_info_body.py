"""The sign-in answer written field by field is the same JSON as the UserSessionInfo dict."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from service.accounts.participant import Participant
from service.auth.session_info import session_info, session_info_body

texts = st.text(max_size=40)  # any text: quotes, backslashes, control characters, non-ASCII


@given(
    participant=st.builds(
        Participant,
        id=texts,
        study_id=texts,
        email=texts,
        status=st.sampled_from(["enabled", "disabled"]),
        consented=st.booleans(),
        email_verified=st.booleans(),
        created_on=texts,
        # The fields written by hand since issue 12: each varied, none left at its default.
        sharing_scope=texts,
        consented_on=st.none() | texts,
        languages=st.lists(texts, max_size=4).map(tuple),
    ),
    session_token=texts,
    reauth_token=st.none() | texts,
    environment=texts,
)
def test_written_body_equals_the_encoded_dict(
    participant: Participant, session_token: str, reauth_token: str | None, environment: str
) -> None:
    body = session_info_body(participant, session_token, reauth_token, environment)
    assert json.loads(body) == session_info(participant, session_token, reauth_token, environment)


def test_a_body_is_one_line_of_utf8() -> None:
    participant = Participant("p1", "study-a", 'zoë"\n@example.org', "enabled", True, True, "t")
    body = session_info_body(participant, "s", None)
    assert b"\n" not in body
    assert "zoë".encode() in body
