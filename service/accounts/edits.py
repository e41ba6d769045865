"""A researcher's create or update of a participant, validated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.accounts.email_address import address_problem
from service.accounts.participant import STATUSES
from service.auth.passwords import password_problem
from service.errors import Invalid

_FIELDS = frozenset({"email", "password", "consented", "status", "emailVerified"})
# Fields of our own answers that a client may send back unchanged.
_READ_ONLY = frozenset({"id", "type", "createdOn", "studyIds", "roles", "dataGroups"})


@dataclass(frozen=True)
class ParticipantEdit:
    """Only the fields that were sent; ``None`` means "leave as it is" (or the default)."""

    email: str | None
    password: str | None
    consented: bool | None
    status: str | None
    email_verified: bool | None

    @classmethod
    def parse(cls, data: object, *, creating: bool) -> ParticipantEdit:
        if not isinstance(data, dict):
            raise Invalid("StudyParticipant", {"": ["the body must be a JSON object"]})
        errors: dict[str, list[str]] = {}
        for unknown in sorted(set(data) - _FIELDS - _READ_ONLY):
            errors[unknown] = [
                f"{unknown} is not a participant field; use {', '.join(sorted(_FIELDS))}"
            ]
        email = data.get("email")
        if email is not None or creating:
            problem = address_problem(email)
            if problem:
                errors["email"] = [problem]
        password = data.get("password")
        if password is not None:
            problem = password_problem(password)
            if problem:
                errors["password"] = [problem]
        status = data.get("status")
        if status is not None and status not in STATUSES:
            errors["status"] = ["status must be enabled or disabled"]
        flags: dict[str, Any] = {}
        for name in ("consented", "emailVerified"):
            value = data.get(name)
            if value is not None and not isinstance(value, bool):
                errors[name] = [f"{name} must be true or false"]
            flags[name] = value
        if errors:
            raise Invalid("StudyParticipant", errors)
        return cls(
            email=email.strip() if isinstance(email, str) else None,
            password=password,
            consented=flags["consented"],
            status=status,
            email_verified=flags["emailVerified"],
        )
