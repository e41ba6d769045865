"""Onboarding: each participant of a list gets one email that sets up the app.

Participants are created when missing. The email goes through the same outbox and worker as
sign-in emails. Each address is marked and its email queued in one atomic step, so running
the same list again (after a crash halfway, or by mistake) sends nobody a second email, unless
``force`` asks for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.accounts.email_address import address_problem, masked, normalized
from service.accounts.participant import Participant
from service.auth.flows import new_participant_id
from service.clock import utc_now_iso
from service.errors import Invalid
from service.services import Services

log = logging.getLogger(__name__)

MAX_PARTICIPANTS_PER_REQUEST = 1000


@dataclass(frozen=True)
class OnboardingRequest:
    addresses: tuple[str, ...]
    force: bool

    @classmethod
    def parse(cls, data: object) -> OnboardingRequest:
        entity = "Onboarding"
        if not isinstance(data, dict):
            raise Invalid(entity, {"": ["the body must be a JSON object"]})
        errors: dict[str, list[str]] = {}
        force = data.get("force", False)
        if not isinstance(force, bool):
            errors["force"] = ["force must be true or false"]
        participants = data.get("participants")
        addresses: list[str] = []
        if not isinstance(participants, list) or not participants:
            errors["participants"] = [
                'participants is required: a list like [{"email": "name@example.org"}]'
            ]
        elif len(participants) > MAX_PARTICIPANTS_PER_REQUEST:
            errors["participants"] = [
                f"participants must hold at most {MAX_PARTICIPANTS_PER_REQUEST} entries; "
                "send larger lists in parts (or use 'magiclink onboard')"
            ]
        else:
            for index, entry in enumerate(participants):
                path = f"participants[{index}].email"
                value: Any = entry.get("email") if isinstance(entry, dict) else None
                problem = address_problem(value, path)
                if problem:
                    errors[path] = [problem]
                else:
                    addresses.append(str(value).strip())
        if errors:
            raise Invalid(entity, errors)
        return cls(tuple(addresses), bool(force))


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

    def to_json(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "skipped": self.skipped,
            "created": self.created,
            "type": "OnboardingResult",
        }


async def onboard_one(svc: Services, study_id: str, address: str, force: bool) -> OnboardingResult:
    """Create the participant if missing, then queue their email unless they had one."""
    created = 0
    lookup = normalized(address)
    if await svc.accounts.by_email(study_id, lookup) is None:
        participant = Participant(
            id=new_participant_id(),
            study_id=study_id,
            email=address,
            status="enabled",
            consented=False,
            email_verified=False,
            created_on=utc_now_iso(),
        )
        created = int(await svc.accounts.create(participant, lookup))
    job = svc.mailer.onboarding_job(study_id, address)
    queued = await svc.mailer.accept_onboarding(job, lookup, force)
    log.info(
        "onboarding email for %s in %s %s",
        masked(address),
        study_id,
        "queued" if queued else "skipped: sent before",
    )
    return OnboardingResult(queued=int(queued), skipped=int(not queued), created=created)


async def onboard(
    svc: Services, study_id: str, addresses: Sequence[str], force: bool
) -> OnboardingResult:
    study = await svc.study(study_id)
    result = OnboardingResult()
    seen: set[str] = set()
    for address in addresses:
        if normalized(address) in seen:  # the same person twice in one list: one email
            result += OnboardingResult(skipped=1)
            continue
        seen.add(normalized(address))
        result += await onboard_one(svc, study.identifier, address, force)
    return result
