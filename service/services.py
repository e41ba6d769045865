"""Everything a request handler needs, built once per app from its settings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from service.auth.attempt_limits import AttemptLimits
from service.auth.password_work import PasswordWork
from service.auth.tokens import SecretHasher
from service.deeplinks.pages import Pages
from service.email.worker import Mailer
from service.errors import NotEnabled, NotFound
from service.observability.metrics import Metrics
from service.settings import Settings
from service.store.accounts import AccountStore
from service.store.admin_keys import AdminKeyStore
from service.store.budgets import BudgetStore
from service.store.connection import RedisClient
from service.store.link_stats import LinkStats
from service.store.sessions import SessionStore
from service.store.studies import StudyStore
from service.studies.model import Study
from service.studies.templates import EmailTemplate

_MAX_CACHED_STUDIES = 10_000


@dataclass
class Services:
    settings: Settings
    redis: RedisClient
    studies: StudyStore
    accounts: AccountStore
    sessions: SessionStore
    mailer: Mailer
    hasher: SecretHasher
    default_template: EmailTemplate
    pages: Pages
    metrics: Metrics
    link_stats: LinkStats
    admin_keys: AdminKeyStore
    budgets: BudgetStore
    password_work: PasswordWork
    attempt_limits: AttemptLimits

    # The public endpoints read a study on every request; they may use a copy up to this old.
    # This process forgets its copy when it changes the study; other processes see a change
    # within this time.
    _cached: dict[str, tuple[float, Study]] = field(default_factory=dict)

    async def study(self, study_id: str, *, cached: bool = False) -> Study:
        """The study, or 404. ``cached`` allows a copy of up to ``study_cache_seconds``."""
        now = time.monotonic()
        if cached and study_id in self._cached:
            read_at, study = self._cached[study_id]
            if now - read_at < self.settings.study_cache_seconds:
                return study
        found = await self.studies.get(study_id) if study_id else None
        if found is None:
            self._cached.pop(study_id, None)
            raise NotFound("Study")
        if len(self._cached) >= _MAX_CACHED_STUDIES:
            self._cached.clear()  # a crude bound; studies are few in practice
        self._cached[study_id] = (now, found)
        return found

    def forget_study(self, study_id: str) -> None:
        self._cached.pop(study_id, None)

    async def email_sign_in_study(self, study_id: str) -> Study:
        study = await self.study(study_id, cached=True)
        if not study.email_sign_in_enabled:
            raise NotEnabled("Email sign-in is not enabled for this study.")
        return study
