"""The UserSessionInfo body that every successful sign-in returns (Bridge contract)."""

from __future__ import annotations

from typing import Any

from service.accounts.participant import Participant
from service.json_text import ENCODER, quoted


def session_info(
    participant: Participant, session_token: str, reauth_token: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "UserSessionInfo",
        "authenticated": True,
        "sessionToken": session_token,
        "id": participant.id,
        "email": participant.email,
        "consented": participant.consented,
        "signedMostRecentConsent": participant.consented,
        "status": participant.status,
        "createdOn": participant.created_on,
        "emailVerified": participant.email_verified,
        "roles": [],
        "dataGroups": [],
        "studyIds": [participant.study_id],
        "attributes": {},
        "externalIds": {},
        "languages": [],
        "dataSharing": False,
        "sharingScope": "no_sharing",
        "notifyByEmail": True,
    }
    if reauth_token is not None:
        body["reauthToken"] = reauth_token
    return body


# The fields every session shares, encoded once (those on which two sessions that differ in
# everything agree). ``session_info_body`` writes out the rest: encoding the whole dictionary
# was about a twentieth of a sign-in's instructions (callgrind).
_ONE = session_info(Participant("a", "s1", "a@x.org", "enabled", True, True, "t1"), "s1", "r1")
_TWO = session_info(Participant("b", "s2", "b@y.org", "disabled", False, False, "t2"), "s2", None)
_CONSTANT = ENCODER.encode({key: value for key, value in _ONE.items() if _TWO.get(key) == value})[
    1:-1
]


def session_info_body(
    participant: Participant, session_token: str, reauth_token: str | None
) -> bytes:
    """The JSON of :func:`session_info`, written field by field."""
    consented = "true" if participant.consented else "false"
    body = (
        f'{{{_CONSTANT},"sessionToken":{quoted(session_token)},"id":{quoted(participant.id)},'
        f'"email":{quoted(participant.email)},"consented":{consented},'
        f'"signedMostRecentConsent":{consented},"status":{quoted(participant.status)},'
        f'"createdOn":{quoted(participant.created_on)},'
        f'"emailVerified":{"true" if participant.email_verified else "false"},'
        f'"studyIds":[{quoted(participant.study_id)}]'
    )
    if reauth_token is not None:
        body += f',"reauthToken":{quoted(reauth_token)}'
    return (body + "}").encode()
