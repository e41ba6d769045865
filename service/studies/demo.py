"""The demo study and participant that ``magiclink serve --demo`` starts with."""

from __future__ import annotations

import logging

from service.accounts.email_address import normalized
from service.accounts.participant import Participant
from service.clock import utc_now_iso
from service.store.accounts import AccountStore
from service.studies.model import Study
from service.studies.repository import Studies

log = logging.getLogger(__name__)

DEMO_STUDY = "demo"
DEMO_EMAIL = "participant@example.org"


async def seed_demo(studies: Studies, accounts: AccountStore) -> None:
    """Create the demo study and participant unless they exist (safe on every start)."""
    now = utc_now_iso()
    study = Study(
        identifier=DEMO_STUDY,
        name="Demo Study",
        short_name="Demo",
        sponsor_name="magiclink",
        support_email="support@example.org",
        email_sign_in_enabled=True,
        email_sign_in_request_interval_seconds=10,
        # The first-install flow works too: an app that signs up with a password it generated
        # can sign in with it at once (README: First install).
        email_verification_enabled=False,
        created_on=now,
        modified_on=now,
    )
    if await studies.create(study):
        log.info("demo study %r created", DEMO_STUDY)
    participant = Participant.new(DEMO_STUDY, DEMO_EMAIL, consented=True)
    if await accounts.create(participant, normalized(DEMO_EMAIL)):
        log.info("demo participant created")
