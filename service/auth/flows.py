"""The sign-in flows: what each public auth endpoint does, between parsing and answering.

Failures that must look alike from outside (wrong token, expired token, used token, unknown
account, wrong password) all raise :class:`AccountNotFound`; the log line says which it was,
with the address masked.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NoReturn

from prometheus_client import Counter

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
    as_typed_token,
    new_tokens,
)
from service.clock import utc_now_iso
from service.email.worker import Mailer
from service.errors import (
    AccountDisabled,
    AccountNotFound,
    Busy,
    NotAuthenticated,
    NotFound,
    NotVerified,
    RateLimited,
)
from service.observability.metrics import Metrics
from service.settings import Settings
from service.store import sessions
from service.store.accounts import AccountStore, AuthMode
from service.store.budgets import budgets_of
from service.store.link_stats import LinkStats
from service.store.sessions import SessionRef, SessionStore
from service.store.study_stats import LINKS_USED, WRONG_CODES, StudyStats, sign_in_field
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


class Caller:
    """Who is asking: their network as per-client limits count it, and the languages their
    device asks for (Accept-Language), which a participant keeps from their first sign-in.

    The network may be given as a function, called when first asked for: a sign-in that
    succeeds while no client is refused never needs it, and working it out from the request
    was a thirtieth of a sign-in's instructions (callgrind).
    """

    __slots__ = ("_client", "languages")

    def __init__(self, client: str | Callable[[], str], languages: tuple[str, ...] = ()) -> None:
        self._client = client
        self.languages = languages

    @property
    def client(self) -> str:
        if not isinstance(self._client, str):
            self._client = self._client()
        return self._client


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
        study_stats: StudyStats,
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
        self.study_stats = study_stats
        self.password_work = password_work
        self.attempt_limits = attempt_limits
        # The counter of each mode, looked up once (labels() takes a lock and a dict lookup),
        # when first used: a mode nobody used is no series in /metrics.
        self._sign_ins: dict[AuthMode, Counter] = {}
        self._dropped: Counter | None = None  # sign-in emails dropped: likewise

    async def request_email_sign_in(
        self, request: EmailSignInRequest, client_ip: str, languages: tuple[str, ...] = ()
    ) -> None:
        """Accept the request and queue it, for an address with an account: on one Redis server
        the accepting script decides whether there is one, on a Cluster the worker does.

        Known and unknown addresses take exactly the same path here (one script, one round trip,
        the same commands inside it), so neither the answer nor its timing tells whether an
        address has an account. The
        request's ``languages`` (tags, best first) go with the job: the worker, which reads the
        account anyway, puts the participant's stored languages before them.
        """
        study = await self.studies.with_email_sign_in(request.study_id)
        job = self.mailer.sign_in_job(study.identifier, request.email, languages)
        acceptance = await self.mailer.accept(
            job,
            request.normalized_email,
            study.email_sign_in_request_interval_seconds,
            budgets_of("ip", client_ip, self.settings.rate_limit_per_ip),
            # Counted by the accepting script itself: no round trip more, and the same one for
            # every address.
            self.study_stats.key(study.identifier),
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
        if self.settings.accept_replicas:
            self.metrics.outbox_replicas_acknowledging.set(acceptance.replicas)
        if acceptance.outcome == "unreplicated":
            # Queued on the master only: it may be lost with the master's machine, so the
            # caller is not told "accepted". The job stays queued (taking it back would need
            # the replicas we lack) and may be emailed; a retry meets the address's interval.
            self.metrics.accepts_unreplicated.inc()
            log.warning(
                "sign-in request %s: %d of %d replicas confirmed it; answered 503",
                job.message_id,
                acceptance.replicas,
                self.settings.accept_replicas,
            )
            raise Busy("The request could not be stored safely yet; please retry shortly.", 1)
        self.metrics.links_requested.inc()
        if not acceptance.job_queued:  # no account: what the worker counts on a Cluster
            if self._dropped is None:
                self._dropped = self.metrics.emails.labels("sign-in", "dropped")
            self._dropped.inc()
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
        caller: Caller,
    ) -> SignedIn:
        """Check the secret, and sign the participant in: their one session, a new reauth token."""
        seed, new_reauth = new_tokens(2)
        reauth_token = new_reauth if study.reauthentication_enabled else None
        # The session's token and key are made before the script runs, which writes the
        # session in the same step (its key is in the account's slot: store/sessions.py).
        slot_tag = sessions.slot_tag(study.identifier, identity.normalized_email)
        session_token = self.hasher.session_token(seed, slot_tag)
        session_hash = self.hasher.for_storage(SESSION, session_token)
        result = await self.accounts.authenticate(
            study.identifier,
            identity.normalized_email,
            mode,
            presented,
            self.hasher.for_storage(REAUTH, reauth_token) if reauth_token else None,
            self.settings.reauth_ttl_seconds,
            seed,
            sessions.session_key(session_token, session_hash),
            self.settings.session_ttl_seconds,
            caller.languages,
        )
        if result.outcome == "invalid":
            await self._failed(study, identity, mode, caller.client)
        if result.outcome == "disabled":
            log.info(
                "%s sign-in for %s in %s refused: account disabled",
                mode,
                masked(identity.email),
                study.identifier,
            )
            raise AccountDisabled()
        counter = self._sign_ins.get(mode)
        if counter is None:
            counter = self._sign_ins[mode] = self.metrics.sign_ins.labels(mode)
        counter.inc()
        # In memory, written every few seconds: no round trip on the sign-in (study_stats.py).
        self.study_stats.count(study.identifier, sign_in_field(mode))
        if result.link_expires_ms is not None:
            self.link_stats.used(result.link_expires_ms)
            self.study_stats.count(study.identifier, LINKS_USED, result.link_expires_ms)
        participant = result.participant
        assert participant is not None
        if result.session_seed == seed:  # the script wrote the new session
            return SignedIn(participant, session_token, reauth_token)
        # A reauthentication, and the participant's session is live: the same token, as in
        # Bridge, so the app's requests in flight with it keep working.
        token = self.hasher.session_token(result.session_seed, slot_tag)
        token_hash = self.hasher.for_storage(SESSION, token)
        if await self.sessions.exists(token, token_hash):
            return SignedIn(participant, token, reauth_token)
        # Made under a key rotated out since, before sessions carried their slot, or deleted:
        # a new session after all.
        await self.accounts.reseed_session(
            participant, identity.normalized_email, seed, self.settings.session_ttl_seconds
        )
        await self.sessions.create(
            session_token,
            session_hash,
            participant,
            identity.normalized_email,
            self.settings.session_ttl_seconds,
        )
        return SignedIn(participant, session_token, reauth_token)

    async def _failed(
        self, study: Study, identity: Identity, mode: AuthMode, client_ip: str
    ) -> NoReturn:
        self.metrics.failed_sign_ins.labels(mode).inc()
        if mode in ("link", "code"):  # a typed code or link token that signed nobody in
            self.study_stats.count(study.identifier, WRONG_CODES)
        log.info(
            "%s sign-in for %s in %s failed: no account, or the secret is wrong, expired or used",
            mode,
            masked(identity.email),
            study.identifier,
        )
        await self.attempt_limits.failed(client_ip)
        raise AccountNotFound()

    async def sign_in_with_email_token(self, request: EmailSignIn, caller: Caller) -> SignedIn:
        self.attempt_limits.check(caller)
        study = await self.studies.with_email_sign_in(request.study_id)
        # The token field carries the link's token, or the short code typed from the email.
        code = as_code(request.token)
        if code is not None:
            mode: AuthMode = "code"
            presented = self.hasher.candidates(SIGN_IN_CODE, code)
        else:
            mode = "link"
            typed = as_typed_token(request.token)
            presented = self.hasher.candidates(SIGN_IN, typed)
            if typed != request.token:
                # Links sent before tokens lost their dashes, still outstanding for an hour.
                presented += self.hasher.candidates(SIGN_IN, request.token)
        signed_in = await self._authenticate(study, request, mode, presented, caller)
        if request.password is not None:
            # The address is proven by now, so this password is the owner's (it also replaces one
            # somebody chose at sign-up, which the sign-in has just dropped). The token is used:
            # the hash waits its turn rather than fail the sign-in.
            password_hash = await self.password_work.hash(request.password, must_run=True)
            participant = signed_in.participant
            await self.accounts.set_password(participant, request.normalized_email, password_hash)
            participant = replace(participant, password_hash=password_hash, password_unproven=False)
            signed_in = replace(signed_in, participant=participant)
        log.info("email sign-in (%s) for %s in %s", mode, masked(request.email), study.identifier)
        return signed_in

    async def sign_in_with_password(
        self, request: PasswordCredentials, caller: Caller, *, unverified_as_not_found: bool = False
    ) -> SignedIn:
        """Bridge's v4 sign-in; its v3 path answers an unproven address like a wrong password
        (``unverified_as_not_found``), as Bridge's deprecated one does."""
        self.attempt_limits.check(caller)
        study = await self.studies.get(request.study_id, cached=True)
        await self.attempt_limits.take_password_work(
            caller.client, study.identifier, request.normalized_email
        )
        account = await self.accounts.by_email(study.identifier, request.normalized_email)
        # Unknown accounts and accounts without a password still pay for one password check,
        # so timing tells nothing.
        if not await self.password_work.verify(
            request.password, account.password_hash if account else None
        ):
            await self._failed(study, request, "password", caller.client)
        assert account is not None
        # Only now, to the one who knows the password, may the answer say more (as Bridge).
        if study.email_verification_enabled and (
            not account.email_verified or account.password_unproven
        ):
            if unverified_as_not_found:
                await self._failed(study, request, "password", caller.client)
            log.info(
                "password sign-in for %s in %s refused: address not verified",
                masked(request.email),
                study.identifier,
            )
            raise NotVerified()
        return await self._authenticate(study, request, "password", [], caller)

    async def reauthenticate(self, request: Reauthentication, caller: Caller) -> SignedIn:
        self.attempt_limits.check(caller)
        study = await self.studies.get(request.study_id, cached=True)
        if not study.reauthentication_enabled:
            log.info("reauthentication in %s refused: turned off for the study", study.identifier)
            raise AccountNotFound()
        return await self._authenticate(
            study,
            request,
            "reauth",
            self.hasher.candidates(REAUTH, request.reauth_token),
            caller,
        )

    async def sign_up(self, request: PasswordCredentials, caller: Caller) -> None:
        """Create the account unless it exists; the caller answers 201 either way.

        Where the study verifies addresses (the default), the password is kept as unproven:
        it signs nobody in, and the first sign-in by link or code (which proves the address)
        drops it unless that sign-in sets a new one.
        """
        study = await self.studies.get(request.study_id, cached=True)
        await self.attempt_limits.take_password_work(
            caller.client, study.identifier, request.normalized_email
        )
        password_hash = await self.password_work.hash(request.password)
        participant = Participant.new(
            study.identifier,
            request.email,
            password_hash=password_hash,
            password_unproven=study.email_verification_enabled,
            languages=caller.languages,
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
            ref = await self.sessions.find(
                session_token, self.hasher.candidates(SESSION, session_token)
            )
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
        ref = await self.sessions.delete(
            session_token, self.hasher.candidates(SESSION, session_token)
        )
        if ref is not None:
            await self.accounts.revoke_reauth_tokens(ref.account_tag, ref.participant_id)

    async def consent(
        self, session: Session, consent_group: str | None, sharing_scope: str
    ) -> Participant:
        """Record the consent signature of the participant of a live session.

        A study has one consent group, Bridge's default subpopulation, whose guid is the study
        id (``consent_group`` None: that one). Signing again records the new scope and time.
        """
        ref, participant = session
        _check_consent_group(participant, consent_group)
        signed_on = utc_now_iso()
        await self.accounts.set_consent(ref.account_tag, participant.id, signed_on, sharing_scope)
        log.info("participant %s of %s consented", participant.id, participant.study_id)
        return replace(
            participant, consented=True, consented_on=signed_on, sharing_scope=sharing_scope
        )

    async def withdraw_consent(self, session: Session, consent_group: str | None) -> Participant:
        """Withdraw the participant's consent: not consented, and no data sharing (Bridge)."""
        ref, participant = session
        _check_consent_group(participant, consent_group)
        await self.accounts.set_consent(ref.account_tag, participant.id, None, "no_sharing")
        log.info("participant %s of %s withdrew consent", participant.id, participant.study_id)
        return replace(participant, consented=False, consented_on=None, sharing_scope="no_sharing")


def _check_consent_group(participant: Participant, consent_group: str | None) -> None:
    if consent_group is not None and consent_group != participant.study_id:
        raise NotFound("Subpopulation")
