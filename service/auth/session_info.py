"""The UserSessionInfo body that every successful sign-in returns (Bridge contract)."""

from __future__ import annotations

from typing import Any

from service.accounts.participant import Participant


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
