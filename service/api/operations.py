"""The operation table: every endpoint declared once.

An :class:`Operation` names its path and method, its handler, the model of its body, the
answers it gives and who may call it. The Starlette routes (:func:`routes`) and the OpenAPI
document (``service/api/document.py``) are both generated from the table, so an endpoint
cannot be served undocumented, documented unserved, or left open by a handler that forgot to
check the caller: the admin key is checked here, before any admin handler runs.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.api.admin_auth import require_admin
from service.api.context import json_body
from service.api.session_auth import require_session
from service.api.validation import validated


class Access(enum.Enum):
    PUBLIC = "public"
    # The handler reads the Bridge-Session header; with a body, the table checks the session
    # before it reads the body.
    PARTICIPANT = "participant session"  # the table finds it and hands it to the handler
    # Takes a Bridge-Session header but answers without one too (sign-out): never a 401.
    SESSION_OPTIONAL = "optional participant session"
    ADMIN = "admin key"  # checked by the table before the handler runs


@dataclass(frozen=True)
class Answer:
    """One documented answer: a description and, for JSON, the model of its body."""

    description: str
    model: type[BaseModel] | None = None
    media_type: str = "application/json"
    # A hand-written JSON Schema for bodies no model describes (pages, files, XML).
    schema: Mapping[str, Any] | None = None
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    example: Any = None
    # OpenAPI links to the operations that can use what this answer names (service/api/links.py).
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    """A documented error answer: which Bridge types (and entity classes) it may carry."""

    description: str
    types: tuple[str, ...]
    entity_classes: tuple[str, ...] = ()
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # A body with more than every error has (a BridgeError subclass), e.g. the existing entity.
    model: type[BaseModel] | None = None


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # "path", "query" or "header"
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    example: Any = None


Handler = Callable[..., Awaitable[Response]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    handler: Handler
    tag: str
    summary: str
    answers: Mapping[int, Answer]
    description: str = ""
    access: Access = Access.PUBLIC
    # The model the JSON body must match; the handler then receives it as ``body``.
    body: type[BaseModel] | None = None
    body_description: str = ""
    body_example: Any = None
    # The media types the body may be sent as (all read as JSON).
    body_media_types: tuple[str, ...] = ("application/json",)
    # The entity an invalid body is reported as (``SignUp is invalid: ...``).
    entity: str | None = None
    # A larger body than the service's limit (MAGICLINK's max_body_bytes), for a body whose
    # model allows more, such as a list of a thousand participants.
    max_body_bytes: int | None = None
    failures: Mapping[int, Failure] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()
    uses_redis: bool = True
    answers_head: bool = True  # a GET is also a HEAD


def _endpoint(operation: Operation) -> Callable[[Request], Awaitable[Response]]:
    handler, model = operation.handler, operation.body
    entity = operation.entity or (model.__name__ if model is not None else None)
    admin = operation.access is Access.ADMIN
    participant = operation.access is Access.PARTICIPANT

    if model is None and not admin and not participant:
        return handler
    if model is not None and not admin and not participant:  # public sign-in: the busiest

        async def public(request: Request) -> Response:
            data = await json_body(request, operation.max_body_bytes)
            return await handler(request, validated(model, data, entity))

        return public

    async def endpoint(request: Request) -> Response:
        # A participant's handler gets the session the table found: it is not looked up twice.
        given: list[Any] = []
        if admin:
            await require_admin(request)
        elif participant:
            given.append(await require_session(request))
        if model is not None:
            data = await json_body(request, operation.max_body_bytes)
            given.append(validated(model, data, entity))
        return await handler(request, *given)

    return endpoint


def routes(operations: Iterable[Operation]) -> list[Route]:
    """One Starlette route per path, in the table's order, so a 405 lists every method of
    the path; HEAD is answered by the GET handler."""
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for operation in operations:
        methods = by_path.setdefault(operation.path, {})
        methods[operation.method] = _endpoint(operation)
        if operation.method == "GET" and operation.answers_head:
            methods.setdefault("HEAD", methods["GET"])
    return [_route(path, table) for path, table in by_path.items()]


class TableRoute(Route):
    """A route of the operation table: a coroutine handler, with no middleware or body limit of
    its own, so :class:`service.api.direct_routes.DirectRouter` may call it directly."""


def _route(path: str, table: dict[str, Callable[[Request], Awaitable[Response]]]) -> Route:
    if len(table) == 1:
        (only,) = table.values()
        return TableRoute(path, only, methods=list(table), name=path)

    async def dispatch(request: Request) -> Response:
        return await table[request.method](request)

    return TableRoute(path, dispatch, methods=list(table), name=path)
