"""OpenAPI links: which answer names what a following operation needs.

A client (or schemathesis's stateful phase) can follow them: the study a researcher just
created, then read, update or delete it by the ``identifier`` in the answer; the participant
by its ``id``; a session by its ``sessionToken``. No link leads from asking for a sign-in
email to signing in with it: the token only ever travels by email.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Links = Mapping[str, Mapping[str, Any]]


def _to(operation_ids: tuple[str, ...], **how: Any) -> Links:
    return {
        operation_id[0].upper() + operation_id[1:]: {"operationId": operation_id, **how}
        for operation_id in operation_ids
    }


TO_STUDY = _to(
    (
        "getStudy",
        "updateStudy",
        "updateStudyWithPost",
        "deleteStudy",
        "createParticipant",
        "listParticipants",
        "startOnboarding",
        "getStudyProvisioning",
        "getStudyAppConfigSpecfile",
        "getStudyManagedConfigPlist",
        "getStudyAppRestrictions",
        "signInLanding",
        "provisioningLanding",
    ),
    parameters={"study_id": "$response.body#/identifier"},
)
TO_PARTICIPANT = _to(
    (
        "getParticipant",
        "updateParticipant",
        "patchParticipant",
        "updateParticipantWithPost",
        "deleteParticipant",
    ),
    parameters={"study_id": "$request.path.study_id", "participant_id": "$response.body#/id"},
)
_SESSION = {"header.Bridge-Session": "$response.body#/sessionToken"}
TO_SESSION: Links = {
    **_to(("getUsersParticipantRecord", "createConsentSignature", "signOut"), parameters=_SESSION),
    "Reauthenticate": {
        "operationId": "reauthenticate",
        "requestBody": {
            "study": "$request.body#/study",
            "email": "$response.body#/email",
            "reauthToken": "$response.body#/reauthToken",
        },
    },
}
