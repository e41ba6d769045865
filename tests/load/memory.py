"""Redis memory per item (``MEMORY USAGE``): a participant's keys, a session, a queued job, and
what one pending sign-in (link and code) adds.

The pending sign-in is measured without knowing how it is stored: the sum of ``MEMORY USAGE``
over every key carrying the participant's hash tag (found by ``SCAN MATCH`` on the tag), before
and after a sign-in job for that participant has gone through the service's worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from service.accounts.email_address import normalized
from service.auth.tokens import SESSION
from service.store import keys
from service.store.sessions import session_key
from tests.load.outbox_probe import OutboxProbe
from tests.load.participants import STUDY, Tokens, request_links

GLOB_SPECIALS = "\\*?[]"


def glob_escaped(text: str) -> str:
    return "".join(f"\\{char}" if char in GLOB_SPECIALS else char for char in text)


async def tagged_usage(tokens: Tokens, tag: str) -> dict[str, int]:
    """``MEMORY USAGE`` (every element counted) of each key carrying ``tag``, by name."""
    usage = {}
    async for name in tokens.redis.scan_iter(match=f"*{glob_escaped(tag)}*", count=10_000):
        usage[str(name)] = int(await tokens.redis.memory_usage(name, samples=0) or 0)
    return usage


@dataclass(frozen=True)
class PendingSignIn:
    before: dict[str, int]  # the participant's keys with an account and no sign-in
    after: dict[str, int]  # ... once one link and code were issued
    tag: str

    @property
    def added(self) -> int:
        return sum(self.after.values()) - sum(self.before.values())

    def lines(self) -> list[str]:
        names = sorted(set(self.before) | set(self.after))
        rows = [
            f"| `{name.replace(self.tag, '{tag}')}` | {self.before.get(name, 0)} | "
            f"{self.after.get(name, 0)} | {self.after.get(name, 0) - self.before.get(name, 0):+d} |"
            for name in names
        ]
        return [
            "| key (the participant's tag as `{tag}`) | bytes before | after | added |",
            "|---|---:|---:|---:|",
            *rows,
            f"| **sum** | {sum(self.before.values())} | {sum(self.after.values())} | "
            f"**{self.added:+d}** |",
        ]


async def pending_sign_in(tokens: Tokens, service_url: str, probe: OutboxProbe) -> PendingSignIn:
    """One known participant asks for a link through ``service_url`` (a ``serve`` with its
    worker); what every key with the participant's tag holds before and after."""
    (address,) = await tokens.participants(1, "memory")
    tag = keys.account_tag(STUDY, normalized(address))
    await probe.drain()
    before = await tagged_usage(tokens, tag)
    await request_links(service_url, [address])
    await probe.drain()
    return PendingSignIn(before, await tagged_usage(tokens, tag), tag)


async def memory_per_item(tokens: Tokens, service_url: str) -> dict[str, int]:
    """MEMORY USAGE of one participant's account, session, reauth token, id index, and of the
    average job queued."""
    (fresh,) = await tokens.participants(1, "memory")
    usage = {
        "account (hash), no sign-in pending": await tokens.redis.memory_usage(
            keys.account(keys.account_tag(STUDY, normalized(fresh))), samples=0
        )
    }
    path = await tokens.for_service(1)
    email, token = path.read_text().split()
    tag = keys.account_tag(STUDY, normalized(email))
    async with httpx.AsyncClient(base_url=service_url) as client:
        answer = await client.post(
            "/v3/auth/email/signIn", json={"study": STUDY, "email": email, "token": token}
        )
    answer.raise_for_status()
    session_token = answer.json()["sessionToken"]
    session_hash = tokens.hasher.for_storage(SESSION, session_token)
    usage["session (string)"] = await tokens.redis.memory_usage(
        session_key(session_token, session_hash)
    )
    usage["reauthentication token (sorted set)"] = await tokens.redis.memory_usage(
        keys.reauth_tokens(tag), samples=0
    )
    account_id = await tokens.redis.hget(keys.account(tag), "id")
    usage["participant id index (string)"] = await tokens.redis.memory_usage(
        keys.participant_id(STUDY, str(account_id))
    )
    usage["queued email job (stream entry, average)"] = await _per_queued_job(tokens, service_url)
    return {name: int(value or 0) for name, value in usage.items()}


async def _per_queued_job(tokens: Tokens, service_url: str, count: int = 1000) -> int:
    """What the outbox stream grows by per job: link requests for participants with accounts
    (for made-up addresses a single Redis queues nothing), through a ``serve --no-worker``."""

    async def stream() -> tuple[int, int]:
        usage = await tokens.redis.memory_usage(keys.OUTBOX, samples=0)
        return await tokens.redis.xlen(keys.OUTBOX), int(usage or 0)

    addresses = await tokens.participants(count, "queued")
    jobs_before, bytes_before = await stream()
    await request_links(service_url, addresses)
    jobs_after, bytes_after = await stream()
    return (bytes_after - bytes_before) // max(1, jobs_after - jobs_before)
