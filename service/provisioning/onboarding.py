"""Onboarding: each participant of a list gets one email that sets up the app.

Participants are created when missing. The email goes through the same outbox and worker as
sign-in emails. Each address is marked and its email queued in one atomic step, so running
the same list again (after a crash halfway, or by mistake) sends nobody a second email, unless
``force`` asks for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from service.accounts.email_address import masked, normalized
from service.accounts.participant import Participant
from service.email.worker import Mailer
from service.store.accounts import AccountStore
from service.studies.repository import Studies

log = logging.getLogger(__name__)


# Addresses onboarded concurrently (each a few round trips of its own).
ONBOARDED_AT_ONCE = 32


@dataclass(frozen=True)
class OnboardingResult:
    queued: int = 0
    skipped: int = 0
    created: int = 0

    def __add__(self, other: OnboardingResult) -> OnboardingResult:
        return OnboardingResult(
            self.queued + other.queued,
            self.skipped + other.skipped,
            self.created + other.created,
        )


@dataclass(frozen=True)
class AddressOutcome:
    """What onboarding did for one address of a list."""

    address: str
    result: OnboardingResult
    repeated: bool = False  # listed before in the same list: nothing done for it again


class Onboarding:
    """Onboarding emails for a list of participants, each sent once."""

    def __init__(
        self,
        *,
        studies: Studies,
        accounts: AccountStore,
        mailer: Mailer,
    ) -> None:
        self.studies = studies
        self.accounts = accounts
        self.mailer = mailer

    async def onboard_one(self, study_id: str, address: str, force: bool) -> OnboardingResult:
        """Create the participant if missing, then queue their email unless they had one."""
        created = 0
        lookup = normalized(address)
        participant = await self.accounts.by_email(study_id, lookup)
        if participant is None:
            participant = Participant.new(study_id, address)
            created = int(await self.accounts.create(participant, lookup))
        job = self.mailer.onboarding_job(study_id, address, participant.languages)
        queued = await self.mailer.accept_onboarding(job, lookup, force)
        if queued:
            # On the account too, for the researcher's view (onboardedOn). A write of its own:
            # the queue and the account are in different slots. Onboarding is no hot path.
            await self.accounts.mark_onboarded(participant, lookup)
        log.info(
            "onboarding email for %s in %s %s",
            masked(address),
            study_id,
            "queued" if queued else "skipped: sent before",
        )
        return OnboardingResult(queued=int(queued), skipped=int(not queued), created=created)

    async def each(
        self, study_id: str, addresses: Sequence[str], force: bool
    ) -> AsyncIterator[AddressOutcome]:
        """Onboard each address once, saying what happened to each in the list's order
        (NotFound for an unknown study, before the first). A few at a time: each costs several
        round trips, which one at a time made 10,000 addresses take 21 s."""
        study = await self.studies.get(study_id)
        seen: set[str] = set()
        for start in range(0, len(addresses), ONBOARDED_AT_ONCE):
            chunk = []
            for address in addresses[start : start + ONBOARDED_AT_ONCE]:
                lookup = normalized(address)
                chunk.append((address, lookup in seen))  # twice in one list: one email
                seen.add(lookup)
            done = iter(
                await asyncio.gather(
                    *(
                        self.onboard_one(study.identifier, address, force)
                        for address, repeated in chunk
                        if not repeated
                    )
                )
            )
            for address, repeated in chunk:
                if repeated:
                    yield AddressOutcome(address, OnboardingResult(skipped=1), repeated=True)
                else:
                    yield AddressOutcome(address, next(done))

    async def onboard(
        self,
        study_id: str,
        addresses: Sequence[str],
        force: bool,
        on_each: Callable[[OnboardingResult], None] = lambda total: None,
    ) -> OnboardingResult:
        """Onboard each address once (NotFound for an unknown study); ``on_each`` gets the running
        total after every address, for progress."""
        result = OnboardingResult()
        async for outcome in self.each(study_id, addresses, force):
            result += outcome.result
            on_each(result)
        return result
