"""What the public auth endpoints are asked: a study, an address and a secret, already valid.

``service/api/schemas/auth.py`` reads them out of the request bodies.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.accounts.email_address import normalized

MAX_SECRET_LENGTH = 512


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
    """Send this address a sign-in email (if it has an account)."""


@dataclass(frozen=True)
class EmailSignIn(Identity):
    token: str
    password: str | None


@dataclass(frozen=True)
class PasswordCredentials(Identity):
    """Sign-up and password sign-in: a study, an address and a password."""

    password: str


@dataclass(frozen=True)
class Reauthentication(Identity):
    reauth_token: str
