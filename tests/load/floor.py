"""The floor `make bench` compares the service against: the least a server could do per request.

A bare Starlette app on the same uvicorn (same loop, same HTTP parser) and the same Redis client,
with no middleware. Requesting a link parses the same JSON and does one ``SET … NX EX``; signing
in parses the same JSON, does one ``GETDEL`` of the token and one ``SET`` of a session. Whatever
the service spends beyond these is its own overhead, which is what the ratios measure.

Run: ``python -m tests.load.floor --port 8001 --redis redis://127.0.0.1:6379/0``
"""

from __future__ import annotations

import argparse
import gc
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Sign-in tokens the floor accepts are seeded under this prefix by tests/load/bench.py.
TOKEN_PREFIX = "floor:token:"
REQUEST_PREFIX = "floor:request:"
SESSION_PREFIX = "floor:session:"


def create_floor_app(redis_url: str) -> Starlette:
    redis: Redis = Redis.from_url(redis_url)

    async def request_link(request: Request) -> Response:
        body = json.loads(await request.body())
        await redis.set(REQUEST_PREFIX + body["email"], body["study"], nx=True, ex=900)
        return JSONResponse(
            {
                "message": (
                    "If registered with the study, we'll send an email to that address so you can "
                    "sign in."
                ),
                "type": "StatusMessage",
            },
            status_code=202,
        )

    async def sign_in(request: Request) -> Response:
        body = json.loads(await request.body())
        if await redis.getdel(TOKEN_PREFIX + body["token"]) is None:
            return JSONResponse({"message": "Account not found.", "statusCode": 404}, 404)
        session = secrets.token_urlsafe(32)
        await redis.set(SESSION_PREFIX + session, body["email"], ex=3600)
        return JSONResponse({"sessionToken": session, "email": body["email"]})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await redis.aclose()

    return Starlette(
        routes=[
            Route("/v3/auth/email", request_link, methods=["POST"]),
            Route("/v3/auth/email/signIn", sign_in, methods=["POST"]),
            Route("/health", lambda request: Response("ok"), methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True, help="redis:// URL")
    args = parser.parse_args()
    app = create_floor_app(args.redis)
    gc.freeze()  # as `magiclink serve` does
    # The same uvicorn options as `magiclink serve`.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_level="warning",
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
