"""Participants and pending sign-ins made beforehand with the service's own code, and link
requests queued through the API, for the runs that need them."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from pathlib import Path

import httpx
from pydantic import SecretStr
from redis.asyncio import Redis

from service.accounts.email_address import normalized
from service.accounts.participant import Participant
from service.auth.tokens import SIGN_IN, SIGN_IN_CODE, SecretHasher, new_code, new_token
from service.store.accounts import AccountStore
from service.store.scripts import Scripts
from tests.load.floor import TOKEN_PREFIX

STUDY = "bench"


class Tokens:
    """Sign-in tokens nobody has used, for the service (real accounts) and for the floor."""

    def __init__(self, redis_url: str, secret_key: str, scratch: Path) -> None:
        self.redis: Redis = Redis.from_url(redis_url, decode_responses=True)
        self.accounts = AccountStore(self.redis, Scripts(self.redis))
        self.hasher = SecretHasher([SecretStr(secret_key)])
        self.scratch = scratch

    async def participants(self, count: int, prefix: str = "known") -> list[str]:
        """``count`` consented participants with verified addresses; their addresses."""
        run = secrets.token_hex(4)
        addresses = [f"{prefix}-{run}-{n}@example.org" for n in range(count)]

        async def create(email: str) -> None:
            participant = Participant.new(STUDY, email, consented=True, email_verified=True)
            await self.accounts.create(participant, normalized(email))

        for start in range(0, count, 90):  # the client's pool holds 100 connections
            await asyncio.gather(*(create(email) for email in addresses[start : start + 90]))
        return addresses

    async def for_service(self, count: int) -> Path:
        """``count`` consented participants, each with one pending sign-in; a wrk token file."""
        addresses = await self.participants(count, "signin")
        pairs = [(email, new_token()) for email in addresses]

        async def issue(email: str, token: str) -> None:
            await self.accounts.issue_sign_in_token(
                STUDY,
                normalized(email),
                self.hasher.for_storage(SIGN_IN, token),
                self.hasher.for_storage(SIGN_IN_CODE, new_code()),
                3600,
                emails_per_day=0,
            )

        for start in range(0, count, 90):
            await asyncio.gather(*(issue(*pair) for pair in pairs[start : start + 90]))
        return self._write(pairs)

    async def for_floor(self, count: int) -> Path:
        run = secrets.token_hex(4)
        pairs = [(f"floor-{run}-{n}@example.org", new_token()) for n in range(count)]
        for start in range(0, count, 5000):
            async with self.redis.pipeline(transaction=False) as pipe:
                for _email, token in pairs[start : start + 5000]:
                    pipe.set(TOKEN_PREFIX + token, "1", ex=3600)
                await pipe.execute()
        return self._write(pairs)

    def _write(self, pairs: list[tuple[str, str]]) -> Path:
        path = self.scratch / f"tokens-{secrets.token_hex(4)}.txt"
        path.write_text("".join(f"{email} {token}\n" for email, token in pairs))
        return path


async def request_links(service_url: str, addresses: Sequence[str], concurrency: int = 48) -> None:
    """``POST /v3/auth/email`` for each address, ``concurrency`` at a time: the jobs queued are
    exactly the API's; any answer but 202 stops the bench."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=service_url, timeout=30, limits=limits) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one(address: str) -> int:
            async with gate:
                answer = await client.post(
                    "/v3/auth/email", json={"study": STUDY, "email": address}
                )
                return answer.status_code

        statuses = await asyncio.gather(*(one(address) for address in addresses))
    refused = [status for status in statuses if status != 202]
    if refused:
        raise SystemExit(f"queueing link requests: {len(refused)} answers not 202: {refused[:5]}")
