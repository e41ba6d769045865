"""An address is one recipient: encoded words and lists are refused at every door, and an
address stored before that rule can never reach anybody else."""

from __future__ import annotations

import logging

import pytest

from service.accounts.participant import Participant
from tests.support.api import Api
from tests.support.contract import assert_bridge_error

# Decoded by the email library into two recipients: attacker@evil.test, victim@example.org.
ENCODED = "=?utf-8?q?attacker=40evil.test=2C?=victim@example.org"
PROBLEM = "email must be a plain address, not an encoded word (=?...?=)"


async def test_every_door_refuses_an_address_with_an_encoded_word(api: Api) -> None:
    # The attack: the address passed validation, and the email library decoded it into two
    # recipients, in the envelope and in To:.
    await api.create_study("study-a")
    doors = [
        ("/v3/auth/signUp", {"study": "study-a", "email": ENCODED, "password": "long enough"}, {}),
        ("/v3/auth/email", {"study": "study-a", "email": ENCODED}, {}),
        ("/v3/auth/signIn", {"study": "study-a", "email": ENCODED, "password": "long enough"}, {}),
        ("/v3/studies/study-a/participants", {"email": ENCODED}, api.admin),
        ("/v3/studies/study-a/onboarding", {"participants": [{"email": ENCODED}]}, api.admin),
    ]
    for path, body, headers in doors:
        response = await api.client.post(path, json=body, headers=headers)
        refused = assert_bridge_error(response, 400, "InvalidEntityException")
        (messages,) = refused["errors"].values()
        assert messages == [PROBLEM.replace("email", next(iter(refused["errors"])))], path
    assert api.mailbox.emails == []


async def test_an_address_stored_before_the_rule_is_a_dead_letter_not_two_recipients(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    await api.create_study("study-a")
    legacy = Participant.new("study-a", ENCODED, consented=True, email_verified=True)
    assert await api.services.accounts.create(legacy, ENCODED.lower())
    caplog.set_level(logging.INFO)
    # Today's door refuses the address, so the job is queued the way it was before the rule.
    job = api.services.mailer.sign_in_job("study-a", ENCODED)
    await api.services.mailer.accept(
        job, ENCODED.lower(), 0, [], api.services.study_stats.key("study-a")
    )
    await api.outbox_drained()
    assert api.mailbox.emails == []  # neither the attacker nor the victim
    (letter,) = await api.services.mailer.outbox.dead_letters()
    assert letter.reason.startswith("not a deliverable address: =***@")
    assert "Traceback" not in caplog.text
    assert "attacker" not in caplog.text  # the address stays masked in the log
