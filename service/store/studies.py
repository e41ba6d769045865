"""Studies in Redis: one JSON document per study, plus an index set of identifiers.

Every write also sets ``keys.STUDIES_VERSION`` to a new random value, after the write itself:
whoever builds something from all studies (the app association files) and remembers the
version it read first knows the build is current while the version stays the same.

A study is read back by ``stored_study`` (``service/studies/model.py``), which decodes what was
written and checks no API rule: a rule added later never makes a stored study unreadable.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, datetime
from typing import Literal

from service.store import keys, study_stats
from service.store.budgets import STUDY_PACE
from service.store.connection import RedisClient
from service.store.decoding import text, text_set
from service.store.scripts import Scripts
from service.studies.model import IDENTIFIER, Study, stored_study

log = logging.getLogger(__name__)


Outcome = Literal["replaced", "stale", "missing"]
_OUTCOMES: dict[str, Outcome] = {"replaced": "replaced", "stale": "stale", "missing": "missing"}


class StudyStore:
    def __init__(self, redis: RedisClient, scripts: Scripts) -> None:
        self._redis = redis
        self._scripts = scripts

    async def create(self, study: Study) -> bool:
        """Store a new study; False when the identifier is taken."""
        created = await self._redis.set(
            keys.study(study.identifier), json.dumps(study.to_json()), nx=True
        )
        if created:
            await self._redis.sadd(keys.STUDIES, study.identifier)
            await self._changed()
        return bool(created)

    async def replace(self, study: Study, started_from: int) -> tuple[Outcome, int]:
        """Overwrite the study if it is still at version ``started_from``; ``study`` carries
        the version after it. Answers what happened and the version the study is at now."""
        assert study.version == started_from + 1
        reply = await self._scripts.replace_study(
            keys=[keys.study(study.identifier)],
            args=[started_from, json.dumps(study.to_json())],
        )
        outcome, version = _OUTCOMES[text(reply[0])], int(reply[1])
        if outcome == "replaced":
            await self._changed()
        return outcome, version

    async def get(self, identifier: str) -> Study | None:
        if not IDENTIFIER.fullmatch(identifier):
            return None  # no such study can exist; spare Redis the lookup
        raw = await self._redis.get(keys.study(identifier))
        if raw is None:
            return None
        return stored_study(json.loads(raw))

    async def delete(self, identifier: str) -> bool:
        deleted = await self._redis.delete(keys.study(identifier))
        await self._redis.srem(keys.STUDIES, identifier)
        await self._redis.delete(keys.limit_budget(STUDY_PACE, identifier))  # its email pace
        await self._redis.delete(keys.onboarded(identifier))  # who had an onboarding email
        # Its funnel counts, so that a new study of the same name starts from nothing (their
        # TTL alone would hand it the old one's). One slot: one DEL, also on a Cluster.
        await self._redis.delete(*study_stats.kept_keys(identifier, datetime.now(UTC).date()))
        await self._changed()
        return bool(deleted)

    async def identifiers(self) -> list[str]:
        return sorted(text_set(await self._redis.smembers(keys.STUDIES)))

    async def all(self) -> list[Study]:
        """Every study, by identifier, in one round trip after the index (Cluster-safe).

        A stored document that is not a study (damaged, say) is left out with an error in the
        log, so that one bad record cannot take the association files of every other study down.
        """
        identifiers = await self.identifiers()
        if not identifiers:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for identifier in identifiers:
                pipe.get(keys.study(identifier))
            documents = await pipe.execute()
        studies = []
        for identifier, raw in zip(identifiers, documents, strict=True):
            if raw is None:
                continue  # deleted since the index was read
            try:
                studies.append(stored_study(json.loads(text(raw))))
            except ValueError as exc:
                log.error("stored study %s cannot be read, left out: %s", identifier, exc)
        return studies

    async def version(self) -> str:
        """Changes whenever any study is created, replaced or deleted."""
        raw = await self._redis.get(keys.STUDIES_VERSION)
        return text(raw) if raw is not None else ""

    async def _changed(self) -> None:
        await self._redis.set(keys.STUDIES_VERSION, secrets.token_hex(8))
