"""The delivery worker: takes accepted jobs from the outbox and sends their emails.

A sign-in job looks the account up; only a participant gets a token and code (fresh ones per
attempt, stored hashed, so no token is ever kept in Redis in plain text) and an email. A
disabled one too, as in Bridge: the link answers 423, which tells them why they cannot sign in.
An onboarding job's email carries no secret: it links to the study's provisioning page.
Failures are settled by kind: temporary ones wait for a retry with exponential backoff and
jitter, permanent ones go to the dead-letter stream with the reason.

It polls the stream (the embedded store cannot block on a read); the request path wakes it at
once when this process queued something, so a local email leaves within milliseconds while
jobs queued by other processes are picked up within one poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlsplit

from redis.exceptions import RedisError

from service.accounts.email_address import masked, normalized
from service.auth.tokens import SIGN_IN, SIGN_IN_CODE, SecretHasher, new_code, new_token
from service.email.failures import classify, retry_delay
from service.email.message import (
    UndeliverableAddress,
    build_message,
    default_onboarding_template,
    default_sign_in_template,
    onboarding_values,
    sign_in_values,
)
from service.email.mime import OutgoingEmail
from service.email.preview import TEST_HEADER, marked_as_test, sample_values
from service.email.transport import Transport
from service.observability.metrics import Metrics
from service.settings import Settings
from service.store.accounts import AccountStore, IssuedToken, NotIssued, TokenRequest
from service.store.budgets import STUDY_PACE, Budget, BudgetStore, budgets_of
from service.store.limits import MAX_JOB_LANGUAGES
from service.store.link_stats import LinkStats
from service.store.outbox import Acceptance, Job, Outbox, OutboxEntry
from service.store.studies import StudyStore
from service.store.study_stats import EMAILS_FAILED, EMAILS_SENT, LINKS_ISSUED, StudyStats, Tally
from service.studies.localization import onboarding_email, sign_in_email
from service.studies.model import Study, stored_template
from service.studies.templates import EmailTemplate

log = logging.getLogger(__name__)


# Sent emails whose settlement is kept to retry, at most (see DeliveryWorker._unsettled).
MAX_UNSETTLED = 10_000
# How long a settlement the replicas did not confirm (durable mode) is applied again.
UNCONFIRMED_KEEP_SECONDS = 60.0


@dataclass(frozen=True)
class NotNow:
    """The study's pace says wait: the job goes back to the outbox for ``wait_ms``."""

    wait_ms: int


# What becomes of a job: its email, or why there is none (the metric's outcome), or later.
Composed = OutgoingEmail | Literal["dropped", "capped"] | NotNow


@dataclass(frozen=True)
class SignInSecrets:
    """A sign-in job's fresh token and code, what was asked to record (their hashes), and
    whether it was recorded (the account's address and languages) or why not."""

    token: str
    code: str
    request: TokenRequest
    outcome: IssuedToken | NotIssued


@dataclass
class Batch:
    """What a batch's jobs came to, settled together at its end."""

    finished: list[str] = field(default_factory=list)  # entry ids settled with no email
    # entry id, Message-ID, funnel counts of each email sent
    sent: list[tuple[str, str, list[Tally]]] = field(default_factory=list)
    dropped: int = 0  # sign-in requests for addresses without an account
    capped: int = 0  # ... whose address had its emails of the day

    def done(self, entry_id: str) -> None:
        self.finished.append(entry_id)


@dataclass
class Mailer:
    """The request path's side of the outbox: accept a job, and wake this process's worker."""

    outbox: Outbox
    message_host: str
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # Durable accept (MAGICLINK_ACCEPT_REPLICAS): replicas that must confirm a job in time.
    replicas: int = 0
    replicas_timeout_ms: int = 500

    def sign_in_job(self, study_id: str, email: str, languages: tuple[str, ...] = ()) -> Job:
        """``languages``: the request's (Accept-Language), best first."""
        return self._job("sign-in", study_id, email, languages)

    def onboarding_job(self, study_id: str, email: str, languages: tuple[str, ...] = ()) -> Job:
        """``languages``: the participant's stored ones."""
        return self._job("onboarding", study_id, email, languages)

    def test_job(
        self,
        study_id: str,
        email: str,
        template: EmailTemplate | None,
        language: str | None = None,
    ) -> Job:
        """A researcher's test of the sign-in email: ``template``, or the study's when None, in
        ``language`` (the study's default language when None)."""
        job = self._job("test", study_id, email, (language,) if language else ())
        return job if template is None else replace(job, template=template.to_json())

    def _job(self, kind: str, study_id: str, email: str, languages: tuple[str, ...]) -> Job:
        return Job(
            kind=kind,
            study_id=study_id,
            email=email,
            message_id=f"<{secrets.token_hex(16)}@{self.message_host}>",
            queued_ms=int(time.time() * 1000),
            languages=languages[:MAX_JOB_LANGUAGES],
        )

    async def send_test(self, job: Job) -> None:
        await self.outbox.enqueue(job)
        self.wakeup.set()

    async def accept_onboarding(self, job: Job, normalized_email: str, force: bool) -> bool:
        queued = await self.outbox.accept_onboarding(job, normalized_email, force)
        if queued:
            self.wakeup.set()
        return queued

    async def accept(
        self,
        job: Job,
        normalized_email: str,
        interval_seconds: int,
        budgets: list[Budget],
        counted_in: str,
    ) -> Acceptance:
        acceptance = await self.outbox.accept(
            job,
            normalized_email,
            interval_seconds,
            budgets,
            counted_in,
            self.replicas,
            self.replicas_timeout_ms,
        )
        # An unreplicated job is queued all the same; no job, nothing to wake the worker for.
        if acceptance.outcome != "refused" and acceptance.job_queued:
            self.wakeup.set()
        return acceptance


@dataclass
class DeliveryWorker:
    mailer: Mailer
    studies: StudyStore
    accounts: AccountStore
    budgets: BudgetStore
    hasher: SecretHasher
    transport: Transport
    settings: Settings
    metrics: Metrics
    link_stats: LinkStats
    study_stats: StudyStats
    batch: int = 100
    consumer: str = field(default_factory=lambda: f"worker-{secrets.token_hex(4)}")
    _group_ready: bool = False
    _next_housekeeping: float = 0.0  # monotonic time of the next look at retries and leases
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # Emails sent whose settlement did not reach Redis, or (durable mode) not its replicas:
    # settled again before anything else is read, so that a failover that lost the first
    # settlement does not send them a second time. Bounded: past it, the oldest are given up
    # (their sent mark may then be missing: at worst one duplicate each).
    _unsettled: dict[str, tuple[str, list[Tally], float]] = field(default_factory=dict)

    @property
    def outbox(self) -> Outbox:
        return self.mailer.outbox

    async def run(self) -> None:
        log.info("delivery worker %s sending via %s", self.consumer, self.transport.describe())
        while not self._stopping.is_set():
            handled = 0
            # Cleared before the batch, not after: a job queued while it ran wakes the next.
            self.mailer.wakeup.clear()
            try:
                handled = await self.run_once()
            except RedisError as exc:
                log.warning("delivery worker cannot reach Redis (%s); retrying", exc)
            except Exception:
                # The worker must outlive any one bad email; the entry stays pending.
                log.exception("delivery worker: unexpected error; continuing")
            if handled >= self.batch or self._stopping.is_set():
                continue  # more may be waiting (or we are stopping): do not sleep
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.mailer.wakeup.wait(), self.settings.poll_seconds)
        for stats in (self.link_stats, self.study_stats):
            with contextlib.suppress(RedisError, OSError):
                await stats.flush()
        await self.transport.close()
        log.info("delivery worker %s stopped", self.consumer)

    def stop(self) -> None:
        """Finish the emails in hand, then leave the loop (what is left stays queued)."""
        self._stopping.set()
        self.mailer.wakeup.set()

    async def run_once(self) -> int:
        """Deliver what is waiting (new, due for retry, abandoned); returns how many jobs."""
        if not self._group_ready:
            await self.outbox.ensure_group()
            self._group_ready = True
        if not await self._settle_again():
            return 0
        entries: list[OutboxEntry] = []
        if time.monotonic() >= self._next_housekeeping:
            # Retries that are due and jobs of workers that died: once a poll interval, not
            # every batch (two round trips a batch that a busy queue does not need).
            self._next_housekeeping = time.monotonic() + self.settings.poll_seconds
            await self.outbox.promote_due()
            lease_ms = int(self.settings.lease_seconds * 1000)
            entries = await self.outbox.claim_abandoned(self.consumer, lease_ms, self.batch)
        entries += await self.outbox.read_new(self.consumer, self.batch)
        if entries:
            await self._deliver_batch(entries)
        # The links this batch issued; concurrently, so the batch waits one round trip.
        await asyncio.gather(self.link_stats.flush(), self.study_stats.flush())
        return len(entries)

    async def _deliver_batch(self, entries: list[OutboxEntry]) -> None:
        """A batch in a few round trips whatever its size: its studies read, its sign-in tokens
        issued in two pipelines, its emails composed and sent (the transport bounds how many are
        in flight), and its settlements written in two."""
        batch = Batch()
        # A job whose email went out but whose settlement was lost (a failover) is settled
        # now without a second email.
        sent = await self.outbox.already_sent([e.job.message_id for e in entries if e.job])
        jobs: list[tuple[OutboxEntry, Job]] = []
        for entry in entries:
            if entry.job is None:
                log.error("outbox entry %s cannot be read; moved to dead letters", entry.entry_id)
                await self.outbox.dead(entry, "unreadable job")
            elif entry.job.message_id in sent:
                log.info("job %s was sent already; settled again", entry.job.message_id)
                batch.done(entry.entry_id)
                self.metrics.emails.labels(entry.job.kind, "sent-before").inc()
            else:
                jobs.append((entry, entry.job))
        studies = await self._studies({job.study_id for _, job in jobs})
        for entry, job in jobs:
            if studies[job.study_id] is None:
                log.warning(
                    "job %s: study %s no longer exists; dropped", job.message_id, job.study_id
                )
                batch.done(entry.entry_id)
        known = [
            (entry, job, study)
            for entry, job in jobs
            if (study := studies[job.study_id]) is not None
        ]
        tokens = await self._issue_tokens([item for item in known if item[1].kind == "sign-in"])
        # As many emails composed and in flight at once as the transport sends at once: the
        # next is composed while the others wait for the SMTP server, so neither side idles
        # (composing the whole batch first would leave the server waiting for it).
        lanes = asyncio.Semaphore(self.settings.smtp_pool_size)

        async def deliver(entry: OutboxEntry, job: Job, study: Study) -> None:
            async with lanes:
                await self._deliver(entry, job, study, tokens.get(entry.entry_id), batch)

        # Every email of the batch finishes before anything is raised: the ones sent must be
        # settled (below), or they would be sent again once their lease ran out.
        outcomes = await asyncio.gather(*(deliver(*item) for item in known), return_exceptions=True)
        if batch.dropped or batch.capped:
            log.info(
                "%d sign-in emails not sent: no account for the address (%d), or it had its "
                "%d of the day (%d)",
                batch.dropped + batch.capped,
                batch.dropped,
                self.settings.sign_in_emails_per_day,
                batch.capped,
            )
        await self._settle(batch)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _studies(self, identifiers: set[str]) -> dict[str, Study | None]:
        """Each study of a batch, read once (concurrently)."""
        ordered = sorted(identifiers)
        found = await asyncio.gather(*(self.studies.get(identifier) for identifier in ordered))
        return dict(zip(ordered, found, strict=True))

    async def _issue_tokens(
        self, jobs: list[tuple[OutboxEntry, Job, Study]]
    ) -> dict[str, SignInSecrets]:
        """A fresh token and code for each sign-in job whose address has an account (stored
        hashed, so no token is ever kept in Redis in plain text). Two pipelines for the batch:
        which addresses have an account, then the tokens of those; an address without one
        costs a lookup in the first and nothing else. Jobs left out have no account."""
        addresses = [(study.identifier, normalized(job.email)) for _, job, study in jobs]
        found = await self.accounts.existing(addresses)
        issued: list[tuple[str, str, str, TokenRequest]] = []  # entry id, token, code, request
        for (entry, _job, study), (_, address), exists in zip(jobs, addresses, found, strict=True):
            if not exists:
                continue
            token, code = new_token(), new_code()
            token_hash = self.hasher.for_storage(SIGN_IN, token)
            code_hash = self.hasher.for_storage(SIGN_IN_CODE, code)
            ttl = study.email_sign_in_token_ttl_seconds
            request = TokenRequest(study.identifier, address, token_hash, code_hash, ttl)
            issued.append((entry.entry_id, token, code, request))
        outcomes = await self.accounts.issue_sign_in_tokens(
            [request for *_, request in issued], self.settings.sign_in_emails_per_day
        )
        return {
            entry_id: SignInSecrets(token, code, request, outcome)
            for (entry_id, token, code, request), outcome in zip(issued, outcomes, strict=True)
        }

    async def _deliver(
        self,
        entry: OutboxEntry,
        job: Job,
        study: Study,
        issued: SignInSecrets | None,
        batch: Batch,
    ) -> None:
        try:
            message = await self._compose(study, job, issued)
        except RedisError:
            raise
        except UndeliverableAddress as exc:
            # Stored before the API refused such addresses; nothing to retry, no traceback.
            log.error("job %s: %s; moved to dead letters", job.message_id, exc)
            await self.outbox.dead(entry, str(exc), self._counts(job, EMAILS_FAILED))
            self.metrics.emails.labels(job.kind, "dead").inc()
            return
        except Exception as exc:
            # Sending again cannot fix an email that does not render.
            log.exception("job %s cannot be rendered; moved to dead letters", job.message_id)
            await self.outbox.dead(
                entry,
                f"cannot render: {type(exc).__name__}: {exc}",
                self._counts(job, EMAILS_FAILED),
            )
            self.metrics.emails.labels(job.kind, "dead").inc()
            return
        if isinstance(message, NotNow):
            # Not an attempt: the job keeps its count of tries, and pacing never kills it.
            await self.outbox.retry_later(entry.entry_id, job, message.wait_ms)
            self.metrics.emails.labels(job.kind, "paced").inc()
            return
        if isinstance(message, str):
            batch.done(entry.entry_id)
            if message == "dropped":
                batch.dropped += 1
            elif message == "capped":
                batch.capped += 1
            self.metrics.emails.labels(job.kind, message).inc()
            return
        try:
            await self.transport.send(message)
        except Exception as exc:
            await self._failed(entry, job, exc)
            return
        batch.sent.append((entry.entry_id, job.message_id, self._counts(job, EMAILS_SENT)))
        self.metrics.emails.labels(job.kind, "sent").inc()
        waited = time.time() * 1000 - job.queued_ms
        log.info(
            "%s email %s for %s in %s sent (attempt %d, %.0f ms after acceptance)",
            job.kind,
            job.message_id,
            masked(message.envelope_to),
            study.identifier,
            job.attempt + 1,
            waited,
        )

    async def _settle(self, batch: Batch) -> None:
        """The batch's jobs that need no more work, settled together: the emails sent first
        (one pipeline, each its own script: its sent mark and counts; one that Redis did not
        take is kept to settle again), then the rest in one script. In durable mode each sent
        one waits for its replicas, as it is settled."""
        if batch.sent and self.settings.accept_replicas > 0:
            await asyncio.gather(
                *(self._settle_sent(entry_id, mid, counts) for entry_id, mid, counts in batch.sent)
            )
        elif batch.sent:
            try:
                await self.outbox.sent_many(batch.sent)
            except RedisError as exc:
                log.warning(
                    "%d emails sent, settlement failed (%s); kept to retry", len(batch.sent), exc
                )
                for entry_id, message_id, counts in batch.sent:
                    self._keep_unsettled(entry_id, message_id, counts)
        if batch.finished:
            await self.outbox.done_many(batch.finished)

    async def _settle_sent(self, entry_id: str, message_id: str, counts: list[Tally]) -> bool:
        """Settle a sent email; if Redis (or, in durable mode, its replicas) did not take the
        settlement, keep it to settle again (see ``_unsettled``). False when Redis did not
        answer."""
        replicas = self.settings.accept_replicas
        try:
            settlement = await self.outbox.sent(
                entry_id,
                message_id,
                counts,
                replicas,
                int(self.settings.accept_replicas_timeout_seconds * 1000),
            )
        except RedisError as exc:
            log.warning("email %s sent, settlement failed (%s); kept to retry", message_id, exc)
            self._keep_unsettled(entry_id, message_id, counts)
            return False
        kept = self._unsettled.get(entry_id)
        if settlement.confirmed or (
            kept is not None and time.monotonic() - kept[2] > UNCONFIRMED_KEEP_SECONDS
        ):
            # Confirmed; or unconfirmed for so long that its master kept it (a master whose
            # machine died is replaced within seconds): no more WAITs for it.
            self._unsettled.pop(entry_id, None)
        else:
            self._keep_unsettled(entry_id, message_id, counts)
        return True

    def _keep_unsettled(self, entry_id: str, message_id: str, counts: list[Tally]) -> None:
        kept = self._unsettled.get(entry_id)
        self._unsettled[entry_id] = (message_id, counts, kept[2] if kept else time.monotonic())
        while len(self._unsettled) > MAX_UNSETTLED:
            dropped = next(iter(self._unsettled))
            log.warning("email %s: settlement given up after too many", dropped)
            del self._unsettled[dropped]

    async def _settle_again(self) -> bool:
        """Settle again the sent emails whose settlement may have been lost; the counts were
        added (or will be) only where the entry was still pending, so never twice. False while
        Redis does not take them: nothing must be read before they are (a job read again
        before its settlement is would be sent again)."""
        if not self._unsettled:
            return True
        # A batch at a time: each holds a connection (and, in durable mode, waits for WAIT).
        waiting = list(self._unsettled.items())[: self.batch]
        reached = await asyncio.gather(
            *(self._settle_sent(entry_id, mid, counts) for entry_id, (mid, counts, _) in waiting)
        )
        return all(reached)

    def _counts(self, job: Job, field: str) -> list[Tally]:
        """The study's funnel count a settled sign-in email adds to (onboarding emails: none);
        written by the script that settles it, so it costs no round trip."""
        if job.kind != "sign-in":
            return []
        return [self.study_stats.tally(job.study_id, field)]

    async def _failed(self, entry: OutboxEntry, job: Job, error: Exception) -> None:
        failure = classify(error)
        attempt = job.attempt + 1
        if failure.permanent or attempt >= self.settings.max_attempts:
            reason = (
                failure.reason
                if failure.permanent
                else (f"gave up after {attempt} attempts: {failure.reason}")
            )
            log.error("%s email %s failed for good: %s", job.kind, job.message_id, reason)
            await self.outbox.dead(entry, reason, self._counts(job, EMAILS_FAILED))
            self.metrics.emails.labels(job.kind, "dead").inc()
            return
        delay = retry_delay(
            attempt,
            self.settings.retry_base_seconds,
            self.settings.retry_max_seconds,
            random.random(),  # noqa: S311 - jitter, not a secret
        )
        log.warning(
            "%s email %s not sent (%s); try %d in %.1f s",
            job.kind,
            job.message_id,
            failure.reason,
            attempt + 1,
            delay,
        )
        self.metrics.emails.labels(job.kind, "retried").inc()
        await self.outbox.retry_later(
            entry.entry_id, replace(job, attempt=attempt), int(delay * 1000)
        )

    async def _compose(self, study: Study, job: Job, issued: SignInSecrets | None) -> Composed:
        """The email of a job, or why there is none now; ``issued``: a sign-in job's token and
        code, and whether they were recorded."""
        if job.kind == "onboarding":
            chosen = onboarding_email(study, job.languages)
            template = chosen.template or default_onboarding_template(chosen.language)
            values = onboarding_values(study, job.email, self.settings.base_url)
            return self._build(template, values, job.email, job)
        if job.kind == "test":
            return self._test_email(study, job)
        if job.kind != "sign-in":
            raise ValueError(f"unknown kind of job {job.kind!r}")
        outcome = "none" if issued is None else issued.outcome
        if outcome == "none" or outcome == "capped" or issued is None:
            log.debug(
                "sign-in email for %s in %s not sent: %s",
                masked(job.email),
                study.identifier,
                "no account" if outcome == "none" else "the address had its emails of the day",
            )
            return "dropped" if outcome == "none" else "capped"
        # The pace counts emails actually sent, so no outsider's requests for made-up
        # addresses can hold back a participant's email.
        wait_ms = await self._pace(study)
        if wait_ms:
            request = issued.request
            await self.accounts.withdraw_sign_in_token(
                study.identifier, request.normalized_email, request.token_hash, request.code_hash
            )
            log.info(
                "sign-in email %s of %s waits %d ms for the study's pace",
                job.message_id,
                study.identifier,
                wait_ms,
            )
            return NotNow(wait_ms)
        self.link_stats.issued(outcome.expires_ms)
        self.study_stats.count(study.identifier, LINKS_ISSUED, outcome.expires_ms)
        # The participant's own languages first, then the request's, then the study's default.
        chosen = sign_in_email(study, (*outcome.languages, *job.languages))
        template = chosen.template or default_sign_in_template(chosen.language)
        values = sign_in_values(
            study, outcome.email, issued.token, issued.code, self.settings.base_url, chosen.language
        )
        return self._build(template, values, outcome.email, job)

    def _test_email(self, study: Study, job: Job) -> OutgoingEmail:
        """The sign-in email as a participant would get it, with a sample token and code that
        sign nobody in, its subject marked [Test], its headers saying so."""
        chosen = sign_in_email(study, job.languages)
        if job.template is not None:
            # The researcher's draft, in the language they say it is in.
            template = stored_template(job.template)
            language = job.languages[0] if job.languages else study.default_language
        else:
            template = chosen.template or default_sign_in_template(chosen.language)
            language = chosen.language
        values = sample_values(study, job.email, self.settings.base_url, language)
        marker = (TEST_HEADER, "a researcher's test of the sign-in email; it signs nobody in")
        return self._build(marked_as_test(template), values, job.email, job, (marker,))

    async def _pace(self, study: Study) -> int:
        """0 when the study may send a sign-in email now, else how many ms to wait."""
        pace = budgets_of(STUDY_PACE, study.identifier, self.settings.study_email_pace)
        exceeded = await self.budgets.take(pace)
        if exceeded is None:
            return 0
        # Jobs held back together should not all come back at the same moment.
        return exceeded.wait_ms + int(random.random() * exceeded.wait_ms / 10)  # noqa: S311

    def _build(
        self,
        template: EmailTemplate,
        values: dict[str, str],
        to: str,
        job: Job,
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> OutgoingEmail:
        # In the event loop: about 0.5 ms with the QR code (a thread would cost more in
        # switching than it spares a `serve` that delivers in-process).
        return build_message(
            template,
            values,
            to=to,
            mail_from=self.settings.mail_from,
            message_id=job.message_id,
            extra_headers=extra_headers,
        )


def message_host(base_url: str) -> str:
    """The right-hand side of Message-IDs: the service's public host name."""
    return urlsplit(base_url).hostname or "localhost"
