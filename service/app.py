"""What the service is built from: the stores, the use cases and the delivery worker.

``build_services(settings, redis)`` is the one place where the parts are put together; the
HTTP app (``service.api.application.create_app``) and the commands start from it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from service.accounts.listing import ParticipantListing
from service.accounts.management import ParticipantManagement
from service.auth.attempt_limits import AttemptLimits
from service.auth.flows import Authentication
from service.auth.password_work import PasswordWork
from service.auth.tokens import SecretHasher
from service.deeplinks.pages import Pages
from service.email.message import default_sign_in_template
from service.email.smtp_pool import SmtpPool
from service.email.transport import MailDirTransport, Transport
from service.email.worker import DeliveryWorker, Mailer, message_host
from service.observability.metrics import Metrics
from service.provisioning.onboarding import Onboarding
from service.settings import Settings
from service.store.accounts import AccountStore
from service.store.admin_keys import AdminKeyStore
from service.store.budgets import BudgetStore
from service.store.connection import RedisClient
from service.store.link_stats import LinkStats
from service.store.outbox import Outbox
from service.store.scripts import Scripts
from service.store.sessions import SessionStore
from service.store.studies import StudyStore
from service.store.study_stats import StudyStats
from service.studies.repository import Studies
from service.studies.templates import EmailTemplate

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the app is built from, once per app: the stores, the use cases and their tools.

    The HTTP edge and the commands reach the use cases through it; the use cases themselves
    are each given only what they need (see :func:`build_services`).
    """

    settings: Settings
    redis: RedisClient
    studies: Studies
    accounts: AccountStore
    mailer: Mailer
    hasher: SecretHasher
    default_template: EmailTemplate
    pages: Pages
    metrics: Metrics
    link_stats: LinkStats
    study_stats: StudyStats
    admin_keys: AdminKeyStore
    budgets: BudgetStore
    password_work: PasswordWork
    authentication: Authentication
    participants: ParticipantManagement
    participant_listing: ParticipantListing
    onboarding: Onboarding


def build_services(settings: Settings, redis: RedisClient) -> Services:
    scripts = Scripts(redis)
    metrics = Metrics()
    budgets = BudgetStore(scripts)
    studies = Studies(StudyStore(redis, scripts), settings.study_cache_seconds)
    accounts = AccountStore(redis, scripts)
    mailer = Mailer(
        Outbox(redis, scripts),
        message_host(settings.base_url),
        replicas=settings.accept_replicas,
        replicas_timeout_ms=int(settings.accept_replicas_timeout_seconds * 1000),
    )
    hasher = SecretHasher(settings.secret_keys)
    link_stats = LinkStats(redis, scripts)
    study_stats = StudyStats(redis)
    password_work = PasswordWork(
        settings.password_hash_concurrency,
        on_busy=lambda: metrics.refused.labels("password-work-busy").inc(),
    )
    return Services(
        settings=settings,
        redis=redis,
        studies=studies,
        accounts=accounts,
        mailer=mailer,
        hasher=hasher,
        default_template=default_sign_in_template(),
        pages=Pages(),
        admin_keys=AdminKeyStore(redis),
        metrics=metrics,
        link_stats=link_stats,
        study_stats=study_stats,
        budgets=budgets,
        password_work=password_work,
        authentication=Authentication(
            settings=settings,
            studies=studies,
            accounts=accounts,
            sessions=SessionStore(redis),
            mailer=mailer,
            hasher=hasher,
            metrics=metrics,
            link_stats=link_stats,
            study_stats=study_stats,
            password_work=password_work,
            attempt_limits=AttemptLimits(budgets, settings, metrics),
        ),
        participants=ParticipantManagement(
            studies=studies, accounts=accounts, password_work=password_work
        ),
        participant_listing=ParticipantListing(
            studies=studies,
            accounts=accounts,
            secret_keys=[key.get_secret_value() for key in settings.secret_keys],
        ),
        onboarding=Onboarding(studies=studies, accounts=accounts, mailer=mailer),
    )


def build_transport(settings: Settings) -> Transport:
    if settings.smtp is not None:
        return SmtpPool(settings.smtp, settings.smtp_pool_size, settings.smtp_timeout_seconds)
    return MailDirTransport(settings.mail_dir)


def build_worker(svc: Services) -> DeliveryWorker:
    return DeliveryWorker(
        mailer=svc.mailer,
        studies=svc.studies.store,
        accounts=svc.accounts,
        budgets=svc.budgets,
        hasher=svc.hasher,
        transport=build_transport(svc.settings),
        metrics=svc.metrics,
        settings=svc.settings,
        link_stats=svc.link_stats,
        study_stats=svc.study_stats,
    )
