"""The sign-in flows: what each public auth endpoint does, between parsing and answering.

Failures that must look alike from outside (wrong token, expired token, used token, unknown
account, wrong password) all raise :class:`AccountNotFound`; the log line says which it was,
with the address masked.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass, replace

from starlette.concurrency import run_in_threadpool

from service.accounts.email_address import masked
from service.accounts.participant import Participant
from service.auth.passwords import hash_password, verify_password
from service.auth.requests import (
    EmailSignIn,
    EmailSignInRequest,
    Identity,
    PasswordCredentials,
    Reauthentication,
)
from service.auth.tokens import REAUTH, SESSION, SIGN_IN, SIGN_IN_CODE, as_code, new_token
from service.clock import utc_now_iso
from service.errors import AccountDisabled, AccountNotFound, NotAuthenticated, RateLimitExceeded
from service.services import Services
from service.store.accounts import AuthMode, AuthResult
from service.store.outbox import Budget
from service.store.sessions import SessionRef
from service.studies.model import Study

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedIn:
    participant: Participant
    session_token: str
    reauth_token: str | None


# What a refused request is told, by the limit that refused it.
_REFUSALS = {
    "address": "A sign-in email was sent to this address a moment ago; please wait before "
    "asking again.",
    "ip": "Too many sign-in requests from your network; please try again later.",
    "study": "Too many sign-in requests for this study right now; please try again later.",
}


def _budgets(svc: Services, study: Study, client_ip: str) -> list[Budget]:
    settings = svc.settings
    budgets = []
    if settings.rate_limit_per_ip is not None:
        per_ip = settings.rate_limit_per_ip
        budgets.append(Budget("ip", client_ip, per_ip.limit, per_ip.window_seconds))
    if settings.rate_limit_per_study is not None:
        per_study = settings.rate_limit_per_study
        budgets.append(Budget("study", study.identifier, per_study.limit, per_study.window_seconds))
    return budgets


async def request_email_sign_in(svc: Services, request: EmailSignInRequest, client_ip: str) -> None:
    """Accept the request and queue it; the worker decides whether an account gets an email.

    Known and unknown addresses take exactly the same path here (one script, one round trip),
    so neither the answer nor its timing tells whether an address has an account.
    """
    study = await svc.email_sign_in_study(request.study_id)
    job = svc.mailer.sign_in_job(study.identifier, request.email)
    acceptance = await svc.mailer.accept(
        job,
        request.normalized_email,
        study.email_sign_in_request_interval_seconds,
        _budgets(svc, study, client_ip),
    )
    if acceptance.outcome == "refused":
        svc.metrics.refused.labels(acceptance.refused_by).inc()
        log.info(
            "sign-in email for %s in %s refused by the %s limit",
            masked(request.email),
            study.identifier,
            acceptance.refused_by,
        )
        raise RateLimitExceeded(
            _REFUSALS[acceptance.refused_by], math.ceil(acceptance.wait_ms / 1000)
        )
    svc.metrics.links_requested.inc()
    if log.isEnabledFor(logging.DEBUG):  # masking costs, and this is the busiest endpoint
        log.debug(
            "sign-in request %s for %s in %s accepted",
            job.message_id,
            masked(request.email),
            study.identifier,
        )


async def _authenticate(
    svc: Services, study: Study, identity: Identity, mode: AuthMode, presented: list[str]
) -> tuple[AuthResult, str | None]:
    reauth_token = new_token() if study.reauthentication_enabled else None
    result = await svc.accounts.authenticate(
        study.identifier,
        identity.normalized_email,
        mode,
        presented,
        svc.hasher.for_storage(REAUTH, reauth_token) if reauth_token else None,
        svc.settings.reauth_ttl_seconds,
    )
    if result.outcome == "invalid":
        svc.metrics.failed_sign_ins.labels(mode).inc()
        log.info(
            "%s sign-in for %s in %s failed: no account or the secret is wrong, expired or used",
            mode,
            masked(identity.email),
            study.identifier,
        )
        raise AccountNotFound()
    if result.outcome == "disabled":
        log.info(
            "%s sign-in for %s in %s refused: account disabled",
            mode,
            masked(identity.email),
            study.identifier,
        )
        raise AccountDisabled()
    svc.metrics.sign_ins.labels(mode).inc()
    if result.link_expires_ms is not None:
        svc.link_stats.used(result.link_expires_ms)
    return result, reauth_token


async def _start_session(
    svc: Services, identity: Identity, participant: Participant, reauth_token: str | None
) -> SignedIn:
    session_token = new_token()
    await svc.sessions.create(
        svc.hasher.for_storage(SESSION, session_token),
        participant,
        identity.normalized_email,
        svc.settings.session_ttl_seconds,
    )
    return SignedIn(participant, session_token, reauth_token)


async def sign_in_with_email_token(svc: Services, request: EmailSignIn) -> SignedIn:
    study = await svc.email_sign_in_study(request.study_id)
    # The token field carries the link's token, or the short code typed from the email.
    code = as_code(request.token)
    if code is not None:
        mode: AuthMode = "code"
        presented = svc.hasher.candidates(SIGN_IN_CODE, code)
    else:
        mode, presented = "link", svc.hasher.candidates(SIGN_IN, request.token)
    result, reauth_token = await _authenticate(svc, study, request, mode, presented)
    participant = result.participant
    assert participant is not None
    if request.password is not None:
        password_hash = await run_in_threadpool(hash_password, request.password)
        await svc.accounts.set_password(participant, request.normalized_email, password_hash)
        participant = replace(participant, password_hash=password_hash)
    log.info("email sign-in (%s) for %s in %s", mode, masked(request.email), study.identifier)
    return await _start_session(svc, request, participant, reauth_token)


async def sign_in_with_password(svc: Services, request: PasswordCredentials) -> SignedIn:
    study = await svc.study(request.study_id, cached=True)
    account = await svc.accounts.by_email(study.identifier, request.normalized_email)
    # An address nobody has proven to own cannot sign in with a password: otherwise anybody
    # could sign up with somebody else's address and wait for them. Unknown and unverified
    # accounts still pay for one password verification, so timing tells nothing.
    usable = account.password_hash if account and account.email_verified else None
    if not await run_in_threadpool(verify_password, request.password, usable):
        svc.metrics.failed_sign_ins.labels("password").inc()
        log.info(
            "password sign-in for %s in %s failed: unknown, unverified or wrong password",
            masked(request.email),
            study.identifier,
        )
        raise AccountNotFound()
    result, reauth_token = await _authenticate(svc, study, request, "password", [])
    assert result.participant is not None
    return await _start_session(svc, request, result.participant, reauth_token)


async def reauthenticate(svc: Services, request: Reauthentication) -> SignedIn:
    study = await svc.study(request.study_id, cached=True)
    if not study.reauthentication_enabled:
        log.info("reauthentication in %s refused: turned off for the study", study.identifier)
        raise AccountNotFound()
    result, reauth_token = await _authenticate(
        svc, study, request, "reauth", svc.hasher.candidates(REAUTH, request.reauth_token)
    )
    assert result.participant is not None
    return await _start_session(svc, request, result.participant, reauth_token)


async def sign_up(svc: Services, request: PasswordCredentials) -> None:
    """Create the account unless it exists; the caller answers 201 either way."""
    study = await svc.study(request.study_id, cached=True)
    password_hash = await run_in_threadpool(hash_password, request.password)
    participant = Participant(
        id=new_participant_id(),
        study_id=study.identifier,
        email=request.email,
        status="enabled",
        consented=False,
        email_verified=False,
        created_on=utc_now_iso(),
        password_hash=password_hash,
    )
    created = await svc.accounts.create(participant, request.normalized_email)
    log.info(
        "sign-up for %s in %s: %s",
        masked(request.email),
        study.identifier,
        "account created" if created else "account exists, nothing changed",
    )


def new_participant_id() -> str:
    return secrets.token_urlsafe(18)


async def session_participant(
    svc: Services, session_token: str | None
) -> tuple[SessionRef, Participant]:
    """The session behind a ``Bridge-Session`` header and its participant, or 401."""
    ref = None
    if session_token:
        ref = await svc.sessions.find(svc.hasher.candidates(SESSION, session_token))
    # A session outlives nothing: a deleted or re-created account ends it.
    participant = await svc.accounts.by_tag(ref.account_tag, ref.participant_id) if ref else None
    if ref is None or participant is None:
        raise NotAuthenticated("Not signed in.")
    return ref, participant


async def sign_out(svc: Services, session_token: str) -> None:
    await svc.sessions.delete(svc.hasher.candidates(SESSION, session_token))


async def consent(svc: Services, session_token: str | None) -> Participant:
    ref, participant = await session_participant(svc, session_token)
    if not participant.consented:
        await svc.accounts.set_consented(ref.account_tag, participant.id)
        participant = replace(participant, consented=True)
    log.info("participant %s of %s consented", participant.id, participant.study_id)
    return participant
