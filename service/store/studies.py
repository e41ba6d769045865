"""Studies in Redis: one JSON document per study, plus an index set of identifiers."""

from __future__ import annotations

import json

from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text_set
from service.studies.model import IDENTIFIER, Study, parse_study


class StudyStore:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def create(self, study: Study) -> bool:
        """Store a new study; False when the identifier is taken."""
        created = await self._redis.set(
            keys.study(study.identifier), json.dumps(study.to_json()), nx=True
        )
        if created:
            await self._redis.sadd(keys.STUDIES, study.identifier)
        return bool(created)

    async def replace(self, study: Study) -> bool:
        """Overwrite an existing study; False when it does not exist."""
        updated = await self._redis.set(
            keys.study(study.identifier), json.dumps(study.to_json()), xx=True
        )
        return bool(updated)

    async def get(self, identifier: str) -> Study | None:
        if not IDENTIFIER.fullmatch(identifier):
            return None  # no such study can exist; spare Redis the lookup
        raw = await self._redis.get(keys.study(identifier))
        if raw is None:
            return None
        return parse_study(json.loads(raw))

    async def delete(self, identifier: str) -> bool:
        deleted = await self._redis.delete(keys.study(identifier))
        await self._redis.srem(keys.STUDIES, identifier)
        await self._redis.delete(keys.budget("study", identifier))  # its rate-limit counters
        return bool(deleted)

    async def identifiers(self) -> list[str]:
        return sorted(text_set(await self._redis.smembers(keys.STUDIES)))
