"""Error types, each with its HTTP status and Bridge ``type`` name.

Domain code raises these; one handler in ``app.py`` turns them into the Bridge error shape:
``{"statusCode": 400, "message": "...", "type": "InvalidEntityException", "errors": {...}}``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    status_code: ClassVar[int] = 400
    type_name: ClassVar[str] = "BadRequestException"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"statusCode": self.status_code, "message": self.message, "type": self.type_name}


class BadRequest(ApiError):
    pass


class InvalidEntity(ApiError):
    """Field-level validation failure: ``errors`` maps each field path to its messages."""

    type_name = "InvalidEntityException"

    def __init__(self, entity: str, errors: dict[str, list[str]]) -> None:
        first = "; ".join(msg for msgs in errors.values() for msg in msgs)
        super().__init__(f"{entity} is invalid: {first}")
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {**super().body(), "errors": self.errors}


class NotAuthenticated(ApiError):
    status_code = 401
    type_name = "NotAuthenticatedException"


class EntityNotFound(ApiError):
    status_code = 404
    type_name = "EntityNotFoundException"

    def __init__(self, entity_class: str, message: str | None = None) -> None:
        super().__init__(message or f"{entity_class} not found.")
        self.entity_class = entity_class

    def body(self) -> dict[str, Any]:
        return {
            "statusCode": self.status_code,
            "entityClass": self.entity_class,
            "message": self.message,
            "type": self.type_name,
        }


class AccountNotFound(EntityNotFound):
    """The one answer for a wrong, expired or used token, wrong credentials and unknown accounts."""

    def __init__(self) -> None:
        super().__init__("Account", "Account not found.")


class EndpointNotFound(ApiError):
    status_code = 404
    type_name = "EndpointNotFoundException"


class MethodNotAllowed(ApiError):
    status_code = 405
    type_name = "MethodNotAllowedException"


class EntityAlreadyExists(ApiError):
    status_code = 409
    type_name = "EntityAlreadyExistsException"


class PayloadTooLarge(ApiError):
    status_code = 413
    type_name = "PayloadTooLargeException"


class AccountDisabled(ApiError):
    status_code = 423
    type_name = "AccountDisabledException"

    def __init__(self) -> None:
        super().__init__("Account disabled, please contact user support.")


class RateLimitExceeded(ApiError):
    status_code = 429
    type_name = "RateLimitExceededException"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, {"Retry-After": str(max(1, retry_after_seconds))})
        self.retry_after_seconds = max(1, retry_after_seconds)


class ServiceUnavailable(ApiError):
    status_code = 503
    type_name = "ServiceUnavailableException"
