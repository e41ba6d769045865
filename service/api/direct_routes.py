"""A router that finds a fixed path by one dictionary lookup, and calls its handler directly.

Starlette's router tries its routes in order, matching each one's regular expression, and then
wraps the handler in two layers: one makes the request object, the other catches the handler's
exceptions to answer them. This app registers its exception handlers once, for the whole app,
and Starlette's ``ExceptionMiddleware`` outside the router answers with the very same handlers,
so the route's own layer only repeats that work. For the paths without parameters (the
busiest, sign-in and link requests among them) this router does neither: about 40,000
instructions less per request (callgrind, ``POST /v3/auth/email/signIn``). Any other path,
method or kind of connection goes through Starlette's router as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Lifespan, Receive, Scope, Send

from service.api.operations import TableRoute

Endpoint = Callable[[Request], Awaitable[Response]]


def _direct_table(routes: Sequence[BaseRoute]) -> dict[tuple[str, str], tuple[Route, Endpoint]]:
    """``(method, path) -> (route, handler)`` for every fixed path of the operation table,
    unless a route before it would take the request: then the ordered walk decides, as before."""
    table: dict[tuple[str, str], tuple[Route, Endpoint]] = {}
    for index, route in enumerate(routes):
        if not isinstance(route, TableRoute) or route.param_convertors or not route.methods:
            continue
        for method in route.methods:
            scope = {"type": "http", "method": method, "path": route.path, "root_path": ""}
            if any(earlier.matches(scope)[0] is Match.FULL for earlier in routes[:index]):
                continue
            table.setdefault((method, route.path), (route, route.endpoint))
    return table


class DirectRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute], lifespan: Lifespan[Any] | None) -> None:
        super().__init__(routes, lifespan=lifespan)
        self._direct = _direct_table(self.routes)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            found = self._direct.get((scope["method"], scope["path"]))
            if found is not None:
                route, endpoint = found
                # What Starlette's walk would have put in the scope (the request metrics read
                # the route).
                scope["router"] = self
                scope["route"] = route
                scope["endpoint"] = endpoint
                scope["path_params"] = {}
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await super().app(scope, receive, send)
