"""The delivery worker: reads the outbox, renders each email, sends it, then forgets it.

It polls the stream (embedded fakeredis cannot block on a read), and the request path wakes it
at once when this process queued something, so a local email leaves within milliseconds while
emails queued by other processes are picked up within one poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import urlsplit

from redis.exceptions import RedisError

from service.email.message import build_message, sign_in_values
from service.email.transport import Transport
from service.store.outbox import Outbox, OutboxEntry
from service.store.studies import StudyStore
from service.studies.templates import EmailTemplate

log = logging.getLogger(__name__)


@dataclass
class Mailer:
    """The request path's side of the outbox: enqueue, and wake this process's worker."""

    outbox: Outbox
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    async def enqueue_sign_in(
        self, study_id: str, participant_id: str, to: str, token: str
    ) -> None:
        await self.outbox.enqueue(
            {"kind": "sign-in", "study": study_id, "pid": participant_id, "to": to, "token": token}
        )
        self.wakeup.set()


@dataclass
class DeliveryWorker:
    mailer: Mailer
    studies: StudyStore
    transport: Transport
    default_template: EmailTemplate
    base_url: str
    mail_from: str
    poll_seconds: float = 0.5
    retry_after_seconds: float = 30.0
    batch: int = 20
    consumer: str = field(default_factory=lambda: f"worker-{secrets.token_hex(4)}")
    _group_ready: bool = False
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        log.info("delivery worker %s sending via %s", self.consumer, self.transport.describe())
        while not self._stopping.is_set():
            handled = 0
            try:
                handled = await self.run_once()
            except RedisError as exc:
                log.warning("delivery worker cannot reach Redis (%s); retrying", exc)
            except Exception:
                # The worker must outlive any one bad email; the entry stays pending.
                log.exception("delivery worker: unexpected error; continuing")
            if handled >= self.batch or self._stopping.is_set():
                continue  # more may be waiting (or we are stopping): do not sleep
            self.mailer.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.mailer.wakeup.wait(), self.poll_seconds)
        log.info("delivery worker %s stopped", self.consumer)

    def stop(self) -> None:
        """Finish the email in hand, then leave the loop (what is left stays queued)."""
        self._stopping.set()
        self.mailer.wakeup.set()

    async def run_once(self) -> int:
        """Deliver what is waiting (new entries and stale ones); returns how many were sent."""
        outbox = self.mailer.outbox
        if not self._group_ready:
            await outbox.ensure_group()
            self._group_ready = True
        entries = await outbox.claim_stale(
            self.consumer, int(self.retry_after_seconds * 1000), self.batch
        )
        entries += await outbox.read_new(self.consumer, self.batch, block_ms=None)
        sent = 0
        for entry in entries:
            if self._stopping.is_set():
                break
            if await self._deliver(entry):
                sent += 1
        return sent

    async def _deliver(self, entry: OutboxEntry) -> bool:
        outbox = self.mailer.outbox
        try:
            message = await self._render(entry)
        except RedisError:
            raise
        except Exception:
            # Sending again cannot fix an email that does not render: drop it, loudly.
            log.exception("email %s cannot be rendered; dropped", entry.entry_id)
            message = None
        if message is None:
            await outbox.done(entry.entry_id)
            return False
        try:
            await self.transport.send(message)
        except Exception as exc:  # any failure leaves the entry pending; it is claimed again
            log.warning(
                "email %s not sent (%s: %s); retrying in %.0f s",
                entry.entry_id,
                type(exc).__name__,
                exc,
                self.retry_after_seconds,
            )
            return False
        await outbox.done(entry.entry_id)
        log.info("email %s sent (study %s)", entry.entry_id, entry.fields.get("study"))
        return True

    async def _render(self, entry: OutboxEntry) -> EmailMessage | None:
        fields = entry.fields
        if fields.get("kind") != "sign-in":
            log.error(
                "outbox entry %s has unknown kind %r; dropped", entry.entry_id, fields.get("kind")
            )
            return None
        study = await self.studies.get(fields["study"])
        if study is None:
            log.warning(
                "outbox entry %s: study %s no longer exists; dropped",
                entry.entry_id,
                fields["study"],
            )
            return None
        template = study.email_sign_in_template or self.default_template
        values = sign_in_values(study, fields["to"], fields["token"], self.base_url)
        host = urlsplit(self.base_url).hostname or "localhost"
        # Stable per entry: a message sent twice (at-least-once delivery) is recognisable.
        message_id = f"<{entry.entry_id}.{study.identifier}@{host}>"
        return build_message(
            template, values, to=fields["to"], mail_from=self.mail_from, message_id=message_id
        )
