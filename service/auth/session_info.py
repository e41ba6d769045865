"""The UserSessionInfo body that every successful sign-in returns (Bridge contract)."""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

from service.accounts.participant import Participant
from service.json_text import ENCODER

# Each study has one required consent group, Bridge's default subpopulation: its guid is the
# study id, and its name is the one Bridge gives a default subpopulation.
DEFAULT_CONSENT_GROUP = "Default Consent Group"


def consent_status(participant: Participant) -> dict[str, Any]:
    """Bridge's ConsentStatus of the participant's (only) consent group."""
    status: dict[str, Any] = {
        "name": DEFAULT_CONSENT_GROUP,
        "subpopulationGuid": participant.study_id,
        "required": True,
        "consented": participant.consented,
        "signedMostRecentConsent": participant.consented,
    }
    if participant.consented_on:
        status["signedOn"] = participant.consented_on
    status["type"] = "ConsentStatus"
    return status


def session_info(
    participant: Participant,
    session_token: str,
    reauth_token: str | None,
    environment: str = "production",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "UserSessionInfo",
        "authenticated": True,
        "sessionToken": session_token,
        "id": participant.id,
        "email": participant.email,
        "username": participant.email,  # Bridge writes the address here too
        "consented": participant.consented,
        "signedMostRecentConsent": participant.consented,
        "consentStatuses": {participant.study_id: consent_status(participant)},
        "status": participant.status,
        "createdOn": participant.created_on,
        "emailVerified": participant.email_verified,
        "roles": [],
        "dataGroups": [],
        "studyIds": [participant.study_id],
        "attributes": {},
        "externalIds": {},
        "languages": list(participant.languages),
        "dataSharing": participant.data_sharing,
        "sharingScope": participant.sharing_scope,
        "notifyByEmail": True,
        "environment": environment,
    }
    if reauth_token is not None:
        body["reauthToken"] = reauth_token
    return body


# The fields every session shares, encoded once (those on which two sessions that differ in
# everything agree). ``session_info_body`` writes out the rest: encoding the whole dictionary
# was about a twentieth of a sign-in's instructions (callgrind).
_ONE = session_info(
    Participant(
        "a",
        "s1",
        "a@x.org",
        "enabled",
        True,
        True,
        "t1",
        None,
        False,
        0,
        "no_sharing",
        "c1",
        ("en",),
    ),
    "s1",
    "r1",
    "production",
)
_TWO = session_info(
    Participant("b", "s2", "b@y.org", "disabled", False, False, "t2", sharing_scope="x"),
    "s2",
    None,
    "local",
)
_CONSTANT = ENCODER.encode({key: value for key, value in _ONE.items() if _TWO.get(key) == value})[
    1:-1
]


# The C escaper that json_text.quoted ends in (ENCODER keeps UTF-8 as is), called directly: a
# session body quotes a dozen strings, and the Python call in between cost a third of it.
_quoted = encode_basestring


def session_info_body(
    participant: Participant,
    session_token: str,
    reauth_token: str | None,
    environment: str = "production",
) -> bytes:
    """The JSON of :func:`session_info`, written field by field."""
    consented = "true" if participant.consented else "false"
    email = _quoted(participant.email)
    study = _quoted(participant.study_id)
    signed_on = (
        f'"signedOn":{_quoted(participant.consented_on)},' if participant.consented_on else ""
    )
    body = (
        f'{{{_CONSTANT},"sessionToken":{_quoted(session_token)},"id":{_quoted(participant.id)},'
        f'"email":{email},"username":{email},"consented":{consented},'
        f'"signedMostRecentConsent":{consented},"status":{_quoted(participant.status)},'
        f'"createdOn":{_quoted(participant.created_on)},'
        f'"emailVerified":{"true" if participant.email_verified else "false"},'
        f'"studyIds":[{study}],"languages":[{",".join(map(_quoted, participant.languages))}],'
        f'"dataSharing":{"true" if participant.data_sharing else "false"},'
        f'"sharingScope":{_quoted(participant.sharing_scope)},'
        f'"environment":{_quoted(environment)},'
        f'"consentStatuses":{{{study}:{{"name":"{DEFAULT_CONSENT_GROUP}",'
        f'"subpopulationGuid":{study},"required":true,"consented":{consented},'
        f'"signedMostRecentConsent":{consented},{signed_on}"type":"ConsentStatus"}}}}'
    )
    if reauth_token is not None:
        body += f',"reauthToken":{_quoted(reauth_token)}'
    return (body + "}").encode()
