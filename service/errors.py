"""What can go wrong in a use case, in the domain's words: no status codes, no HTTP.

Use cases raise these; ``service/api/errors.py`` is the one place that turns each into a
status code and Bridge's error body. A new error kind gets its answer there, or it is a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(DomainError):
    """Field-level problems: ``errors`` maps each field path to its messages, all at once."""

    def __init__(self, entity: str, errors: dict[str, list[str]]) -> None:
        first = "; ".join(msg for msgs in errors.values() for msg in msgs)
        super().__init__(f"{entity} is invalid: {first}")
        self.entity = entity
        self.errors = errors


class NotFound(DomainError):
    """``entity`` does not exist (or the caller may not know that it does)."""

    def __init__(self, entity: str, message: str | None = None) -> None:
        super().__init__(message or f"{entity} not found.")
        self.entity = entity


class AccountNotFound(NotFound):
    """The one answer for a wrong, expired or used token, wrong credentials and unknown accounts."""

    def __init__(self) -> None:
        super().__init__("Account", "Account not found.")


class NotEnabled(DomainError):
    """A feature the study has switched off, e.g. email sign-in: as if it did not exist."""


class NotAuthenticated(DomainError):
    """The caller's session or key is missing, unknown or revoked."""


class NotVerified(DomainError):
    """The right password for an address nobody has proven yet, in a study that requires it."""

    def __init__(self) -> None:
        super().__init__("Email or phone number have not been verified")


class Conflict(DomainError):
    """The entity already exists."""


class AlreadyExists(Conflict):
    """The entity already exists, and the caller may learn which one: ``keys`` name it
    (``{"userId": "..."}``). Only for callers allowed to know (researchers, not sign-up)."""

    def __init__(self, entity: str, message: str, keys: dict[str, str]) -> None:
        super().__init__(message)
        self.entity = entity
        self.keys = keys


class StaleVersion(DomainError):
    """A write that started from an older version of the entity than the stored one."""

    def __init__(self, entity: str, current_version: int) -> None:
        super().__init__(
            f"{entity} has changed since the version you started from; it is now version "
            f"{current_version}. Read it again, apply your change to that version, and send "
            f"version {current_version}."
        )
        self.current_version = current_version


class AccountDisabled(DomainError):
    def __init__(self) -> None:
        super().__init__("Account disabled, please contact user support.")


class RateLimited(DomainError):
    """A limit refused the call; it may succeed after ``wait_seconds``."""

    def __init__(self, message: str, wait_seconds: int) -> None:
        super().__init__(message)
        self.wait_seconds = max(1, wait_seconds)


class Busy(DomainError):
    """The service cannot take the work right now; retry after ``wait_seconds``."""

    def __init__(self, message: str, wait_seconds: int = 1) -> None:
        super().__init__(message)
        self.wait_seconds = max(1, wait_seconds)
