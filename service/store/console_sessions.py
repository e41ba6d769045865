"""Sessions of the researchers' web console, one Redis string each, idle-timed by its TTL.

``keys.console_session(hash of the session id)`` -> ``{"name", "keyHash", "csrf"}``: the admin
key's name, the hash of that key (so a revoked key, or a new key under the same name, ends the
session) and the session's CSRF token. The id itself lives only in the researcher's cookie.
Every use renews the TTL (GETEX), so a session dies after ``idle_seconds`` without use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text


@dataclass(frozen=True)
class ConsoleSessionRecord:
    name: str  # the admin key's name (BOOTSTRAP_NAME for MAGICLINK_ADMIN_KEY)
    key_hash: str  # SHA-256 of the key, never the key
    csrf: str


class ConsoleSessionStore:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def create(self, id_hash: str, record: ConsoleSessionRecord, idle_seconds: int) -> None:
        value = json.dumps({"name": record.name, "keyHash": record.key_hash, "csrf": record.csrf})
        await self._redis.set(keys.console_session(id_hash), value, ex=idle_seconds)

    async def touch(self, id_hash: str, idle_seconds: int) -> ConsoleSessionRecord | None:
        """The session, its idle time restarted; None when it ended or timed out."""
        raw = await self._redis.getex(keys.console_session(id_hash), ex=idle_seconds)
        if raw is None:
            return None
        try:
            data = json.loads(text(raw))
            return ConsoleSessionRecord(str(data["name"]), str(data["keyHash"]), str(data["csrf"]))
        except (ValueError, KeyError, TypeError):
            return None

    async def end(self, id_hash: str) -> None:
        await self._redis.delete(keys.console_session(id_hash))
