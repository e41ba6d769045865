"""The outbox: accepted emails (sign-in and onboarding), durable in Redis until delivered.

Jobs enter a stream read by a consumer group. A worker reads a job, delivers it, and settles
it: deleted when delivered, moved to a delayed set when it should be tried again later, or
moved to a dead-letter stream with the reason when it never can be delivered. A job read by a
worker that died is claimed by another once its lease has run out. Every key shares the
``{outbox}`` slot, so each of these moves is one atomic script.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError

from service.json_text import ENCODER
from service.store import keys
from service.store.budgets import Budget
from service.store.connection import RedisClient
from service.store.decoding import text, text_dict
from service.store.limits import MAX_JOB_LANGUAGES
from service.store.scripts import Scripts
from service.store.study_stats import TTL_SECONDS, Tally


@dataclass(frozen=True)
class Job:
    """One email to deliver. ``message_id`` is fixed at acceptance, so duplicates show."""

    kind: str
    study_id: str
    email: str  # as typed (trimmed); the worker looks the account up by its normalized form
    message_id: str
    queued_ms: int
    attempt: int = 0
    # A test email's template as the researcher wrote it (subject, body, mimeType), when it
    # is not the study's saved one.
    template: dict[str, str] | None = None
    # The languages to write the email in, best first: a sign-in job's are its request's
    # (Accept-Language; the participant's stored ones, which come first, the worker reads);
    # an onboarding job's the participant's; a test's the one the researcher asked for.
    languages: tuple[str, ...] = ()

    def encode(self) -> str:
        data: dict[str, Any] = {
            "kind": self.kind,
            "study": self.study_id,
            "email": self.email,
            "mid": self.message_id,
            "queued": self.queued_ms,
            "attempt": self.attempt,
        }
        if self.template is not None:
            data["template"] = self.template
        if self.languages:
            data["langs"] = list(self.languages)
        return ENCODER.encode(data)

    @classmethod
    def decode(cls, raw: str) -> Job:
        data = json.loads(raw)
        return cls(
            kind=data["kind"],
            study_id=data["study"],
            email=data["email"],
            message_id=data["mid"],
            queued_ms=int(data["queued"]),
            attempt=int(data.get("attempt", 0)),
            template=data.get("template"),
            # Jobs queued before languages existed have none.
            languages=tuple(str(tag) for tag in data.get("langs") or ()),
        )


@dataclass(frozen=True)
class OutboxEntry:
    entry_id: str
    job: Job | None  # None when the entry cannot be read (written by a newer version?)
    raw: str


@dataclass(frozen=True)
class Acceptance:
    # "unreplicated": queued on the master, but fewer replicas than asked for confirmed it in
    # time; the job stays queued (it may well be delivered), the caller is told to retry.
    outcome: Literal["queued", "refused", "unreplicated"]
    refused_by: str = ""  # "address" or a budget's policy
    wait_ms: int = 0
    replicas: int = 0  # replicas that confirmed the job, when they were asked to
    # Whether a job went into the outbox: not for an address without an account, on one Redis
    # server (accept_sign_in.lua). Only for waking the worker: the answer must not tell.
    job_queued: bool = True


# How long a request's acceptance mark lives: far longer than any client library's retries of
# one call (seconds), short enough to cost little (one small key per request).
ACCEPT_MARK_MS = 60_000
# How long a sent email's mark lives: longer than a job can come round again after its
# settlement was lost (the lease, a failover, a worker restart), bounded so marks do not pile up.
SENT_MARK_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Settlement:
    pending: bool  # the entry was still pending here (no other worker settled it)
    confirmed: bool  # as many replicas as asked for have the settlement


@dataclass(frozen=True)
class DeadLetter:
    entry_id: str
    job: Job | None
    reason: str
    failed_at: int  # unix seconds


@dataclass(frozen=True)
class OutboxStatus:
    queued: int  # in the stream, read or not
    pending: int  # read by a worker, not yet settled
    delayed: int  # waiting for a retry
    dead: int
    oldest_queued_ms: int | None  # acceptance time of the oldest job not yet delivered


def _entry(entry_id: Any, fields: Any) -> OutboxEntry:
    raw = text_dict(fields).get("job", "")
    try:
        job: Job | None = Job.decode(raw)
    except (ValueError, KeyError, TypeError):
        job = None
    return OutboxEntry(text(entry_id), job, raw)


class Outbox:
    def __init__(self, redis: RedisClient, scripts: Scripts) -> None:
        self._redis = redis
        self._scripts = scripts
        # On one server the accept script sees the account and queues nothing without one; on
        # a Cluster the account is in another slot than the outbox, and the worker decides.
        self._sees_accounts = not isinstance(redis, RedisCluster)

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(keys.OUTBOX, keys.OUTBOX_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def accept(
        self,
        job: Job,
        normalized_email: str,
        interval_seconds: int,
        budgets: Sequence[Budget],
        counted_in: str,
        replicas: int = 0,
        replicas_timeout_ms: int = 500,
    ) -> Acceptance:
        """Check the address window and every budget; queue the sign-in job only if all allow it,
        and count it as a link requested in ``counted_in`` (the study's funnel hash of the day).

        With ``replicas``, the job counts as queued only once that many replicas of the
        outbox's master have it (``WAIT``, at most ``replicas_timeout_ms``): then it survives
        the loss of the master's machine, not only of its process."""
        assert job.kind == "sign-in", "onboarding jobs go through accept_onboarding"
        script_keys = [
            keys.OUTBOX,
            keys.request_window(job.study_id, normalized_email),
            counted_in,
            keys.accepted(job.message_id),
            keys.OUTBOX_NO_ACCOUNT,
            *(keys.budget(b.policy, b.subject) for b in budgets),
        ]
        if self._sees_accounts:
            script_keys.append(keys.account(keys.account_tag(job.study_id, normalized_email)))
        args: list[str | int] = [
            interval_seconds * 1000,
            job.study_id,
            job.email,
            job.message_id,
            TTL_SECONDS,
            ",".join(job.languages[:MAX_JOB_LANGUAGES]),
            ACCEPT_MARK_MS,
            "1" if self._sees_accounts else "0",
            *(value for b in budgets for value in (b.limit, b.window_seconds)),
        ]
        acked = 0
        if replicas > 0:
            reply, acked = await self._scripts.accept_sign_in.then_wait(
                script_keys, args, replicas, replicas_timeout_ms
            )
        else:
            reply = await self._scripts.accept_sign_in(keys=script_keys, args=args)
        outcome = text(reply[0])
        if outcome != "refused":  # "queued" or "no-account": the same to the caller
            job_queued = outcome == "queued"
            if acked < replicas:
                return Acceptance("unreplicated", replicas=acked, job_queued=job_queued)
            return Acceptance("queued", replicas=acked, job_queued=job_queued)
        index = int(reply[1])
        policy = "address" if index == 0 else budgets[index - 1].policy
        return Acceptance("refused", refused_by=policy, wait_ms=int(reply[2]))

    async def master_replicas(self) -> int:
        """How many replicas are connected to the master that holds the outbox (ROLE there)."""
        client: Any = self._redis  # redis-py leaves the cluster's execute_command untyped
        if isinstance(client, RedisCluster):
            node = client.get_node_from_key(keys.OUTBOX)
            role = await client.execute_command("ROLE", target_nodes=node)
        else:
            role = await client.execute_command("ROLE")
        if text(role[0]) != "master":
            return 0  # a replica that was a master: nothing it takes is replicated
        return len(role[2])

    async def enqueue(self, job: Job) -> None:
        """Queue a job no limit of the request path applies to (a researcher's test email)."""
        await self._redis.xadd(keys.OUTBOX, {"job": job.encode()})

    async def accept_onboarding(self, job: Job, normalized_email: str, force: bool) -> bool:
        """Queue the onboarding email unless this address had one (or ``force``)."""
        queued = await self._scripts.accept_onboarding(
            keys=[keys.OUTBOX, keys.onboarded(job.study_id)],
            args=[keys.email_hash(normalized_email), "1" if force else "0", job.encode()],
        )
        return bool(queued)

    async def read_new(self, consumer: str, count: int) -> list[OutboxEntry]:
        reply: Any = await self._redis.xreadgroup(
            keys.OUTBOX_GROUP, consumer, {keys.OUTBOX: ">"}, count=count
        )
        return [
            _entry(entry_id, fields)
            for _, entries in reply or []
            for entry_id, fields in entries
            if fields  # an entry deleted while pending comes back without fields
        ]

    async def claim_abandoned(self, consumer: str, lease_ms: int, count: int) -> list[OutboxEntry]:
        """Jobs another worker read but did not settle within the lease (it died)."""
        reply: Any = await self._redis.xautoclaim(
            keys.OUTBOX,
            keys.OUTBOX_GROUP,
            consumer,
            min_idle_time=lease_ms,
            start_id="0-0",
            count=count,
        )
        return [_entry(entry_id, fields) for entry_id, fields in reply[1] if fields]

    async def promote_due(self, count: int = 100) -> int:
        """Move jobs whose retry time has come back into the stream."""
        moved = await self._scripts.promote_due(
            keys=[keys.OUTBOX_DELAYED, keys.OUTBOX], args=[count]
        )
        return int(moved)

    @staticmethod
    def _settle_call(
        entry_id: str,
        mode: str,
        job: str = "",
        detail: str = "",
        counts: Sequence[Tally] = (),
        sent: str = "",
    ) -> tuple[list[str], list[str | int]]:
        """The keys and arguments of settle_job.lua for one entry; ``counts`` are the funnel
        counts it adds to, in the same step; ``sent``: the Message-ID of the email that went
        out, marked as sent."""
        args: list[str | int] = [
            keys.OUTBOX_GROUP,
            entry_id,
            mode,
            job,
            detail,
            SENT_MARK_SECONDS if sent else 0,
            TTL_SECONDS,
            *(field for _, field in counts),
        ]
        script_keys = [
            keys.OUTBOX,
            keys.OUTBOX_DELAYED,
            keys.OUTBOX_DEAD,
            # Always a key of the slot, never written without ``sent``.
            keys.sent(sent or "-"),
            *(key for key, _ in counts),
        ]
        return script_keys, args

    async def _settle(
        self,
        call: tuple[list[str], list[str | int]],
        replicas: int = 0,
        replicas_timeout_ms: int = 500,
    ) -> Settlement:
        """Run one :meth:`_settle_call`. With ``replicas``, how many replicas confirmed the
        settlement is reported too."""
        script_keys, args = call
        if replicas > 0:
            settled, acked = await self._scripts.settle_job.then_wait(
                script_keys, args, replicas, replicas_timeout_ms
            )
            return Settlement(bool(settled), acked >= replicas)
        settled = await self._scripts.settle_job(keys=script_keys, args=args)
        return Settlement(bool(settled), True)

    async def done_many(self, entry_ids: Sequence[str]) -> None:
        """Settle jobs that need no email (nobody to send it to, a study that is gone, or it went
        out already), in one script: a worker's batch."""
        # Bounded by the worker's batch: a script's arguments are all in memory at once.
        await self._scripts.finish_jobs(keys=[keys.OUTBOX], args=[keys.OUTBOX_GROUP, *entry_ids])

    async def sent_many(self, emails: Sequence[tuple[str, str, Sequence[Tally]]]) -> None:
        """:meth:`sent` for many emails (entry id, Message-ID, counts), in one pipeline."""
        await self._scripts.settle_job.many(
            [
                self._settle_call(entry_id, "done", counts=counts, sent=message_id)
                for entry_id, message_id, counts in emails
            ]
        )

    async def sent(
        self,
        entry_id: str,
        message_id: str,
        counts: Sequence[Tally] = (),
        replicas: int = 0,
        replicas_timeout_ms: int = 500,
    ) -> Settlement:
        """Settle a job whose email went out, and mark its Message-ID as sent."""
        return await self._settle(
            self._settle_call(entry_id, "done", counts=counts, sent=message_id),
            replicas,
            replicas_timeout_ms,
        )

    async def already_sent(self, message_ids: Sequence[str]) -> set[str]:
        """Those of the Message-IDs whose email is marked as sent (one round trip: the marks
        share the outbox's slot)."""
        if not message_ids:
            return set()
        marks = await self._redis.mget([keys.sent(mid) for mid in message_ids])
        return {mid for mid, mark in zip(message_ids, marks, strict=True) if mark is not None}

    async def retry_later(self, entry_id: str, job: Job, delay_ms: int) -> bool:
        call = self._settle_call(entry_id, "retry", job.encode(), str(delay_ms))
        return (await self._settle(call)).pending

    async def dead(self, entry: OutboxEntry, reason: str, counts: Sequence[Tally] = ()) -> bool:
        # Stored with its attempts reset, so that a re-queued job gets a full set of tries.
        requeue_as = replace(entry.job, attempt=0).encode() if entry.job else entry.raw
        call = self._settle_call(entry.entry_id, "dead", requeue_as, reason, counts)
        settlement = await self._settle(call)
        return settlement.pending

    async def status(self) -> OutboxStatus:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(keys.OUTBOX)
            pipe.zcard(keys.OUTBOX_DELAYED)
            pipe.xlen(keys.OUTBOX_DEAD)
            pipe.xrange(keys.OUTBOX, count=1)
            pipe.zrange(keys.OUTBOX_DELAYED, 0, -1)
            queued, delayed, dead, first, waiting = await pipe.execute()
        pending = 0
        try:
            summary: Any = await self._redis.xpending(keys.OUTBOX, keys.OUTBOX_GROUP)
            pending = int(summary["pending"])
        except ResponseError:  # no group yet: nothing was ever read
            pass
        times = [Job.decode(text(raw)).queued_ms for raw in waiting]
        if first:
            entry = _entry(*first[0])
            times.append(entry.job.queued_ms if entry.job else int(entry.entry_id.split("-")[0]))
        return OutboxStatus(
            queued=int(queued),
            pending=pending,
            delayed=int(delayed),
            dead=int(dead),
            oldest_queued_ms=min(times) if times else None,
        )

    async def dead_letters(self, count: int = 100) -> list[DeadLetter]:
        reply: Any = await self._redis.xrange(keys.OUTBOX_DEAD, count=count)
        letters = []
        for entry_id, fields in reply:
            record = text_dict(fields)
            entry = _entry(entry_id, fields)
            letters.append(
                DeadLetter(
                    entry.entry_id,
                    entry.job,
                    record.get("reason", ""),
                    int(record.get("failed", "0")),
                )
            )
        return letters

    async def requeue_dead(self, entry_ids: Sequence[str] | None) -> int:
        """Put dead letters (all of them when ``entry_ids`` is None) back into the stream."""
        moved = await self._scripts.requeue_dead(
            keys=[keys.OUTBOX_DEAD, keys.OUTBOX], args=list(entry_ids) if entry_ids else ["*"]
        )
        return int(moved)

    async def purge_dead(self, entry_ids: Sequence[str] | None) -> int:
        if entry_ids is None:
            count: int = await self._redis.xlen(keys.OUTBOX_DEAD)
            await self._redis.delete(keys.OUTBOX_DEAD)
            return count
        removed: int = await self._redis.xdel(keys.OUTBOX_DEAD, *entry_ids)
        return removed
