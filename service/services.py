"""Everything a request handler needs, built once per app from its settings."""

from __future__ import annotations

from dataclasses import dataclass

from service.auth.tokens import SecretHasher
from service.deeplinks.pages import Pages
from service.email.worker import Mailer
from service.errors import EndpointNotFound, EntityNotFound
from service.observability.metrics import Metrics
from service.settings import Settings
from service.store.accounts import AccountStore
from service.store.admin_keys import AdminKeyStore
from service.store.connection import RedisClient
from service.store.sessions import SessionStore
from service.store.studies import StudyStore
from service.studies.model import Study
from service.studies.templates import EmailTemplate


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
    admin_keys: AdminKeyStore

    async def study(self, study_id: str) -> Study:
        study = await self.studies.get(study_id) if study_id else None
        if study is None:
            raise EntityNotFound("Study")
        return study

    async def email_sign_in_study(self, study_id: str) -> Study:
        study = await self.study(study_id)
        if not study.email_sign_in_enabled:
            raise EndpointNotFound("Email sign-in is not enabled for this study.")
        return study
