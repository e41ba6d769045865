"""The request bodies of the public auth endpoints, validated into typed values.

Every problem is collected and reported at once, keyed by field, in the Bridge
``InvalidEntityException`` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.accounts.email_address import address_problem, normalized
from service.auth import passwords
from service.auth.passwords import password_problem
from service.errors import Invalid

MAX_SECRET_LENGTH = 512


class _Reader:
    def __init__(self, entity: str, data: object) -> None:
        self.entity = entity
        self.errors: dict[str, list[str]] = {}
        if not isinstance(data, dict):
            raise Invalid(entity, {"": [f"{entity} must be a JSON object"]})
        self.data: dict[str, Any] = data

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def study(self) -> str:
        # Newer Bridge clients name the study "appId", older ones "study"; accept both.
        value = self.data.get("appId")
        if value is None:
            value = self.data.get("study")
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail("study", "study (or appId) is required")
            return ""
        if not isinstance(value, str):
            self.fail("study", "study (or appId) must be a string")
            return ""
        return value.strip()

    def email(self) -> str:
        value = self.data.get("email")
        problem = address_problem(value)
        if problem:
            self.fail("email", problem)
            return ""
        assert isinstance(value, str)
        return value.strip()

    def secret(
        self, field: str, *, required: bool = True, max_length: int = MAX_SECRET_LENGTH
    ) -> str | None:
        value = self.data.get(field)
        if value is None:
            if required:
                self.fail(field, f"{field} is required")
            return None
        if not isinstance(value, str):
            self.fail(field, f"{field} must be a string")
            return None
        if required and not value:
            self.fail(field, f"{field} is required")
        if len(value) > max_length:
            self.fail(field, f"{field} must be at most {max_length} characters")
        return value

    def password(self, *, required: bool) -> str | None:
        value = self.data.get("password")
        if value is None and not required:
            return None
        problem = password_problem(value)
        if problem:
            self.fail("password", problem if value is not None else "password is required")
            return None
        assert isinstance(value, str)
        return value

    def finish(self) -> None:
        if self.errors:
            raise Invalid(self.entity, self.errors)


@dataclass(frozen=True)
class Identity:
    """A study and an address, as written and in lookup form."""

    study_id: str
    email: str

    @property
    def normalized_email(self) -> str:
        return normalized(self.email)


@dataclass(frozen=True)
class EmailSignInRequest(Identity):
    @classmethod
    def parse(cls, data: object) -> EmailSignInRequest:
        reader = _Reader("EmailSignInRequest", data)
        study, email = reader.study(), reader.email()
        reader.finish()
        return cls(study, email)


@dataclass(frozen=True)
class EmailSignIn(Identity):
    token: str
    password: str | None

    @classmethod
    def parse(cls, data: object) -> EmailSignIn:
        reader = _Reader("EmailSignIn", data)
        study, email = reader.study(), reader.email()
        token = reader.secret("token")
        password = reader.password(required=False)
        reader.finish()
        assert token is not None
        return cls(study, email, token, password)


@dataclass(frozen=True)
class PasswordCredentials(Identity):
    """Sign-up and password sign-in: a study, an address and a password."""

    password: str

    @classmethod
    def parse(cls, data: object, entity: str, *, check_policy: bool) -> PasswordCredentials:
        reader = _Reader(entity, data)
        study, email = reader.study(), reader.email()
        # Sign-in takes whatever password was typed; only sign-up enforces the policy, so a
        # policy change never locks out an existing password.
        password = (
            reader.password(required=True)
            if check_policy
            else reader.secret("password", max_length=passwords.MAX_LENGTH)
        )
        reader.finish()
        assert password is not None
        return cls(study, email, password)


@dataclass(frozen=True)
class Reauthentication(Identity):
    reauth_token: str

    @classmethod
    def parse(cls, data: object) -> Reauthentication:
        reader = _Reader("SignIn", data)
        study, email = reader.study(), reader.email()
        token = reader.secret("reauthToken")
        reader.finish()
        assert token is not None
        return cls(study, email, token)
