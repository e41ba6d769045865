"""Every error as Bridge answers it: a status code and
``{"statusCode": 400, "message": "...", "type": "InvalidEntityException", "errors": {...}}``.

Domain errors (``service/errors.py``) get their status code here, in one table; the few errors
only HTTP can cause (a body too large, a method a path lacks) are :class:`HttpError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from service import errors


class HttpError(Exception):
    """An error of the request itself, not of a use case."""

    status_code: ClassVar[int] = 400
    type_name: ClassVar[str] = "BadRequestException"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(HttpError):
    pass


class EndpointNotFound(HttpError):
    status_code = 404
    type_name = "EndpointNotFoundException"


class MethodNotAllowed(HttpError):
    status_code = 405
    type_name = "MethodNotAllowedException"


class PayloadTooLarge(HttpError):
    status_code = 413
    type_name = "PayloadTooLargeException"


class ServiceUnavailable(HttpError):
    status_code = 503
    type_name = "ServiceUnavailableException"


@dataclass(frozen=True)
class Answer:
    """What the client gets: the status code, Bridge's JSON body and any headers."""

    status_code: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _bridge(status_code: int, type_name: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"statusCode": status_code, "message": message, "type": type_name, **extra}


# Each domain error's status code and Bridge type; the most specific class first.
_DOMAIN: tuple[tuple[type[errors.DomainError], int, str], ...] = (
    (errors.Invalid, 400, "InvalidEntityException"),
    (errors.NotAuthenticated, 401, "NotAuthenticatedException"),
    (errors.NotVerified, 403, "UnauthorizedException"),
    (errors.NotFound, 404, "EntityNotFoundException"),
    (errors.NotEnabled, 404, "EndpointNotFoundException"),
    (errors.StaleVersion, 409, "ConcurrentModificationException"),
    (errors.Conflict, 409, "EntityAlreadyExistsException"),
    (errors.AccountDisabled, 423, "AccountDisabledException"),
    (errors.RateLimited, 429, "RateLimitExceededException"),
    (errors.Busy, 503, "ServiceUnavailableException"),
)

# Every Bridge error type this service answers with (the OpenAPI document's enum).
ERROR_TYPES = tuple(
    dict.fromkeys(
        [type_name for _, _, type_name in _DOMAIN]
        + [
            kind.type_name
            for kind in (
                BadRequest,
                EndpointNotFound,
                MethodNotAllowed,
                PayloadTooLarge,
                ServiceUnavailable,
            )
        ]
    )
)


def status_of(kind: type[errors.DomainError]) -> int:
    """The status code a domain error answers with."""
    for domain, status_code, _ in _DOMAIN:
        if issubclass(kind, domain):
            return status_code
    raise LookupError(f"{kind.__name__} has no answer in service/api/errors.py")


def answer(error: errors.DomainError | HttpError) -> Answer:
    if isinstance(error, HttpError):
        return Answer(
            error.status_code,
            _bridge(error.status_code, error.type_name, error.message),
            error.headers,
        )
    for domain, status_code, type_name in _DOMAIN:
        if not isinstance(error, domain):
            continue
        if isinstance(error, errors.Invalid):
            return Answer(
                status_code, _bridge(status_code, type_name, error.message, errors=error.errors)
            )
        if isinstance(error, errors.NotFound):
            body = {
                "statusCode": status_code,
                "entityClass": error.entity,
                "message": error.message,
                "type": type_name,
            }
            return Answer(status_code, body)
        if isinstance(error, errors.AlreadyExists):
            # Bridge's EntityAlreadyExistsException names the existing entity by its keys.
            body = _bridge(
                status_code,
                type_name,
                error.message,
                entityClass=error.entity,
                entityKeys=error.keys,
            )
            return Answer(status_code, body)
        if isinstance(error, errors.StaleVersion):
            body = _bridge(
                status_code, type_name, error.message, currentVersion=error.current_version
            )
            return Answer(status_code, body)
        headers = {}
        if isinstance(error, errors.RateLimited | errors.Busy):
            headers["Retry-After"] = str(error.wait_seconds)
        return Answer(status_code, _bridge(status_code, type_name, error.message), headers)
    raise LookupError(f"{type(error).__name__} has no answer in service/api/errors.py")
