"""Studies as the use cases ask for them: one repository, one way to ask (:meth:`get`).

The public endpoints read a study on every request; they may use a copy up to
``cache_seconds`` old. This process forgets its copy when it changes the study (every change
goes through here); other processes see a change within that time. Researcher edits always
read the stored study.
"""

from __future__ import annotations

import time
from dataclasses import replace

from service.errors import NotEnabled, NotFound, StaleVersion
from service.store.studies import StudyStore
from service.studies.model import Study

# A crude bound on the copies kept; studies are few in practice.
_MAX_CACHED_STUDIES = 10_000


class Studies:
    def __init__(self, store: StudyStore, cache_seconds: float) -> None:
        self.store = store
        self._cache_seconds = cache_seconds
        self._cached: dict[str, tuple[float, Study]] = {}

    def _fresh(self, study_id: str) -> Study | None:
        """This process's copy of the study, if it is younger than the cache age."""
        hit = self._cached.get(study_id)
        if hit is not None and time.monotonic() - hit[0] < self._cache_seconds:
            return hit[1]
        return None

    async def get(self, study_id: str, *, cached: bool = False) -> Study:
        """The study, or :class:`NotFound`. ``cached`` allows a copy of up to the cache age."""
        if cached:
            copy = self._fresh(study_id)
            if copy is not None:
                return copy
        found = await self.store.get(study_id) if study_id else None
        if found is None:
            self._cached.pop(study_id, None)
            raise NotFound("Study")
        if len(self._cached) >= _MAX_CACHED_STUDIES:
            self._cached.clear()
        self._cached[study_id] = (time.monotonic(), found)
        return found

    async def with_email_sign_in(self, study_id: str) -> Study:
        """The study (a cached copy), or :class:`NotEnabled` when email sign-in is off."""
        # The copy is looked at here first: the busiest endpoint spares itself a coroutine.
        study = self._fresh(study_id) or await self.get(study_id)
        if not study.email_sign_in_enabled:
            raise NotEnabled("Email sign-in is not enabled for this study.")
        return study

    async def all(self) -> list[Study]:
        """Every stored study (those that cannot be read are logged and left out)."""
        return await self.store.all()

    async def create(self, study: Study) -> bool:
        """Store a new study; False when its identifier is taken."""
        return await self.store.create(study)

    async def replace(self, study: Study, started_from: int) -> Study:
        """Store ``study`` as the next version after ``started_from``; the stored study.

        :class:`StaleVersion` when another write came first (nothing changes), :class:`NotFound`
        when the study was deleted meanwhile.
        """
        self._cached.pop(study.identifier, None)
        study = replace(study, version=started_from + 1)
        outcome, version = await self.store.replace(study, started_from)
        if outcome == "missing":
            raise NotFound("Study")
        if outcome == "stale":
            raise StaleVersion("Study", version)
        return study

    async def delete(self, study_id: str) -> None:
        self._cached.pop(study_id, None)
        await self.store.delete(study_id)
