"""The sign-in flows: what each public auth endpoint does, between parsing and answering.

Failures that must look alike from outside (wrong token, expired token, used token, unknown
account, wrong password) all raise :class:`AccountNotFound`; the log line says which it was,
with the address masked.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import NoReturn

from service.accounts.email_address import masked
from service.accounts.participant import Participant
from service.auth.attempt_limits import AttemptLimits
from service.auth.password_work import PasswordWork
from service.auth.requests import (
    EmailSignIn,
    EmailSignInRequest,
    Identity,
    PasswordCredentials,
    Reauthentication,
)
from service.auth.tokens import (
    REAUTH,
    SESSION,
    SIGN_IN,
    SIGN_IN_CODE,
    SecretHasher,
    as_code,
    new_token,
)
from service.email.worker import Mailer
from service.errors import AccountDisabled, AccountNotFound, NotAuthenticated, RateLimited
from service.observability.metrics import Metrics
from service.settings import Settings
from service.store.accounts import AccountStore, AuthMode, AuthResult
from service.store.budgets import budgets_of
from service.store.link_stats import LinkStats
from service.store.sessions import SessionRef, SessionStore
from service.studies.model import Study
from service.studies.repository import Studies

log = logging.getLogger(__name__)


# A live session: where it points, and its participant as they are now.
Session = tuple[SessionRef, Participant]


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
}


class Authentication:
    """The sign-in use cases, each given what it needs when the app is built."""

    def __init__(
        self,
        *,
        settings: Settings,
        studies: Studies,
        accounts: AccountStore,
        sessions: SessionStore,
        mailer: Mailer,
        hasher: SecretHasher,
        metrics: Metrics,
        link_stats: LinkStats,
        password_work: PasswordWork,
        attempt_limits: AttemptLimits,
    ) -> None:
        self.settings = settings
        self.studies = studies
        self.accounts = accounts
        self.sessions = sessions
        self.mailer = mailer
        self.hasher = hasher
        self.metrics = metrics
        self.link_stats = link_stats
        self.password_work = password_work
        self.attempt_limits = attempt_limits

    async def request_email_sign_in(self, request: EmailSignInRequest, client_ip: str) -> None:
        """Accept the request and queue it; the worker decides whether an account gets an email.

        Known and unknown addresses take exactly the same path here (one script, one round trip),
        so neither the answer nor its timing tells whether an address has an account.
        """
        study = await self.studies.with_email_sign_in(request.study_id)
        job = self.mailer.sign_in_job(study.identifier, request.email)
        acceptance = await self.mailer.accept(
            job,
            request.normalized_email,
            study.email_sign_in_request_interval_seconds,
            budgets_of("ip", client_ip, self.settings.rate_limit_per_ip),
        )
        if acceptance.outcome == "refused":
            self.metrics.refused.labels(acceptance.refused_by).inc()
            log.info(
                "sign-in email for %s in %s refused by the %s limit",
                masked(request.email),
                study.identifier,
                acceptance.refused_by,
            )
            raise RateLimited(
                _REFUSALS[acceptance.refused_by], math.ceil(acceptance.wait_ms / 1000)
            )
        self.metrics.links_requested.inc()
        if log.isEnabledFor(logging.DEBUG):  # masking costs, and this is the busiest endpoint
            log.debug(
                "sign-in request %s for %s in %s accepted",
                job.message_id,
                masked(request.email),
                study.identifier,
            )

    async def _authenticate(
        self,
        study: Study,
        identity: Identity,
        mode: AuthMode,
        presented: list[str],
        client_ip: str,
    ) -> tuple[AuthResult, str | None]:
        reauth_token = new_token() if study.reauthentication_enabled else None
        result = await self.accounts.authenticate(
            study.identifier,
            identity.normalized_email,
            mode,
            presented,
            self.hasher.for_storage(REAUTH, reauth_token) if reauth_token else None,
            self.settings.reauth_ttl_seconds,
        )
        if result.outcome == "invalid":
            await self._failed(study, identity, mode, client_ip)
        if result.outcome == "disabled":
            log.info(
                "%s sign-in for %s in %s refused: account disabled",
                mode,
                masked(identity.email),
                study.identifier,
            )
            raise AccountDisabled()
        self.metrics.sign_ins.labels(mode).inc()
        if result.link_expires_ms is not None:
            self.link_stats.used(result.link_expires_ms)
        return result, reauth_token

    async def _failed(
        self, study: Study, identity: Identity, mode: AuthMode, client_ip: str
    ) -> NoReturn:
        self.metrics.failed_sign_ins.labels(mode).inc()
        log.info(
            "%s sign-in for %s in %s failed: no account, or the secret is wrong, expired or used",
            mode,
            masked(identity.email),
            study.identifier,
        )
        await self.attempt_limits.failed(client_ip)
        raise AccountNotFound()

    async def _start_session(
        self, identity: Identity, participant: Participant, reauth_token: str | None
    ) -> SignedIn:
        session_token = new_token()
        await self.sessions.create(
            self.hasher.for_storage(SESSION, session_token),
            participant,
            identity.normalized_email,
            self.settings.session_ttl_seconds,
        )
        return SignedIn(participant, session_token, reauth_token)

    async def sign_in_with_email_token(self, request: EmailSignIn, client_ip: str) -> SignedIn:
        self.attempt_limits.check_client(client_ip)
        study = await self.studies.with_email_sign_in(request.study_id)
        # The token field carries the link's token, or the short code typed from the email.
        code = as_code(request.token)
        if code is not None:
            mode: AuthMode = "code"
            presented = self.hasher.candidates(SIGN_IN_CODE, code)
        else:
            mode, presented = "link", self.hasher.candidates(SIGN_IN, request.token)
        result, reauth_token = await self._authenticate(study, request, mode, presented, client_ip)
        participant = result.participant
        assert participant is not None
        if request.password is not None:
            # The address is proven by now, so this password is the owner's (it also replaces one
            # somebody chose at sign-up, which the sign-in has just dropped). The token is used:
            # the hash waits its turn rather than fail the sign-in.
            password_hash = await self.password_work.hash(request.password, must_run=True)
            await self.accounts.set_password(participant, request.normalized_email, password_hash)
            participant = replace(participant, password_hash=password_hash, password_unproven=False)
        log.info("email sign-in (%s) for %s in %s", mode, masked(request.email), study.identifier)
        return await self._start_session(request, participant, reauth_token)

    async def sign_in_with_password(self, request: PasswordCredentials, client_ip: str) -> SignedIn:
        self.attempt_limits.check_client(client_ip)
        study = await self.studies.get(request.study_id, cached=True)
        await self.attempt_limits.take_password_work(
            client_ip, study.identifier, request.normalized_email
        )
        account = await self.accounts.by_email(study.identifier, request.normalized_email)
        # Only the password of an owner who proved the address counts: otherwise anybody could
        # sign up with somebody else's address and wait for them. Unknown accounts and unusable
        # passwords still pay for one password check, so timing tells nothing.
        usable = account.usable_password_hash if account else None
        if not await self.password_work.verify(request.password, usable):
            await self._failed(study, request, "password", client_ip)
        result, reauth_token = await self._authenticate(study, request, "password", [], client_ip)
        assert result.participant is not None
        return await self._start_session(request, result.participant, reauth_token)

    async def reauthenticate(self, request: Reauthentication, client_ip: str) -> SignedIn:
        self.attempt_limits.check_client(client_ip)
        study = await self.studies.get(request.study_id, cached=True)
        if not study.reauthentication_enabled:
            log.info("reauthentication in %s refused: turned off for the study", study.identifier)
            raise AccountNotFound()
        result, reauth_token = await self._authenticate(
            study,
            request,
            "reauth",
            self.hasher.candidates(REAUTH, request.reauth_token),
            client_ip,
        )
        assert result.participant is not None
        return await self._start_session(request, result.participant, reauth_token)

    async def sign_up(self, request: PasswordCredentials, client_ip: str) -> None:
        """Create the account unless it exists; the caller answers 201 either way.

        The password is kept as unproven: it signs nobody in, and the first sign-in by link or
        code (which proves the address) drops it unless that sign-in sets a new one.
        """
        study = await self.studies.get(request.study_id, cached=True)
        await self.attempt_limits.take_password_work(
            client_ip, study.identifier, request.normalized_email
        )
        password_hash = await self.password_work.hash(request.password)
        participant = Participant.new(
            study.identifier, request.email, password_hash=password_hash, password_unproven=True
        )
        created = await self.accounts.create(participant, request.normalized_email)
        log.info(
            "sign-up for %s in %s: %s",
            masked(request.email),
            study.identifier,
            "account created" if created else "account exists, nothing changed",
        )

    async def session_participant(self, session_token: str | None) -> Session:
        """The session behind a ``Bridge-Session`` header and its participant, or 401."""
        ref = None
        if session_token:
            ref = await self.sessions.find(self.hasher.candidates(SESSION, session_token))
        # A session outlives nothing: a deleted or re-created account ends it, and so does
        # disabling the account (which moves its session generation on).
        participant = (
            await self.accounts.by_tag(ref.account_tag, ref.participant_id) if ref else None
        )
        if (
            ref is None
            or participant is None
            or not participant.enabled
            or participant.session_generation != ref.generation
        ):
            raise NotAuthenticated("Not signed in.")
        return ref, participant

    async def sign_out(self, session_token: str) -> None:
        """End the session, and revoke the participant's reauth tokens, as Bridge does: a
        reauth token would otherwise mint a fresh session after the sign-out."""
        ref = await self.sessions.delete(self.hasher.candidates(SESSION, session_token))
        if ref is not None:
            await self.accounts.revoke_reauth_tokens(ref.account_tag, ref.participant_id)

    async def consent(self, session: Session) -> Participant:
        """Record the consent of the participant of a live session (see session_participant)."""
        ref, participant = session
        if not participant.consented:
            await self.accounts.set_consented(ref.account_tag, participant.id)
            participant = replace(participant, consented=True)
        log.info("participant %s of %s consented", participant.id, participant.study_id)
        return participant
