"""Onboarding emails: one per participant, idempotent, through the delivery path."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
from redis.asyncio import Redis

from service.provisioning.onboarding import ONBOARDED_AT_ONCE
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.contract import assert_bridge_error

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

PEOPLE = [f"person{i}@example.org" for i in range(4)]


async def _onboard(api: Api, addresses: list[str], **extra: object) -> dict[str, object]:
    response = await api.client.post(
        "/v3/studies/study-a/onboarding",
        json={"participants": [{"email": a} for a in addresses], **extra},
        headers=api.admin,
    )
    assert response.status_code == 202, response.text
    body: dict[str, object] = response.json()
    return body


async def test_each_participant_gets_one_email_that_sets_up_the_app(api: Api) -> None:
    await api.create_study(
        "study-a",
        name="Sleep & Mood",
        installLinks={"ios": "https://apps.apple.com/app/sleep/id1234567890"},
    )
    await api.create_participant("study-a", PEOPLE[0])  # one exists already
    result = await _onboard(api, PEOPLE)
    warning = result.pop("warning")  # the study links only the App Store
    assert isinstance(warning, str)
    assert "no Android install link" in warning
    assert result == {"queued": 4, "skipped": 0, "created": 3, "type": "OnboardingResult"}
    for address in PEOPLE:
        caught = await api.mailbox.wait_for(address)
        assert caught.message["Subject"] == "Get started with Sleep & Mood"
        link = f"https://signin.example.org/p/study-a?login_hint={quote(address, safe='')}"
        assert link in caught.text
        assert "https://apps.apple.com/app/sleep/id1234567890" in caught.text
        html = caught.html
        assert html is not None
        assert "Sleep &amp; Mood" in html  # researcher text escaped in HTML
        images = [p for p in caught.message.walk() if p.get_content_type() == "image/png"]
        assert len(images) == 1  # the QR code of the provisioning link, attached inline
    # Every participant exists now and can ask for a sign-in link.
    assert (await api.request_link("study-a", PEOPLE[3])).status_code == 202
    await api.mailbox.wait_for(PEOPLE[3], count=2)


async def test_running_the_list_again_sends_nobody_a_second_email(api: Api) -> None:
    await api.create_study("study-a")
    first = await _onboard(api, PEOPLE[:2])
    assert first["queued"] == 2
    # A run that "crashed" after two addresses, started again with the whole list:
    again = await _onboard(api, [*PEOPLE, PEOPLE[3].upper()])  # one person listed twice
    assert again.pop("warning")  # no install links at all (test_onboarding_warning.py)
    assert again == {"queued": 2, "skipped": 3, "created": 2, "type": "OnboardingResult"}
    for address in PEOPLE:
        await api.mailbox.wait_for(address)
    await asyncio.sleep(0.5)
    assert sorted(r for e in api.mailbox.emails for r in e.recipients) == sorted(PEOPLE)

    forced = await _onboard(api, PEOPLE[:1], force=True)
    assert forced["queued"] == 1
    await api.mailbox.wait_for(PEOPLE[0], count=2)


async def test_a_long_list_is_onboarded_a_chunk_at_a_time_each_person_once(api: Api) -> None:
    """Addresses go a chunk at a time, concurrently within it: a person listed twice in one
    chunk, or again in a later one, is reported as listed twice and gets one email; the
    outcomes come in the list's order."""
    await api.create_study("study-a")
    many = [f"crowd{i}@example.org" for i in range(ONBOARDED_AT_ONCE + 8)]
    listed = [*many[:5], many[4], *many[5:], many[0].upper()]  # twice in chunk 1, then later
    outcomes = [o async for o in api.services.onboarding.each("study-a", listed, force=False)]
    assert [o.address for o in outcomes] == listed
    assert [i for i, o in enumerate(outcomes) if o.repeated] == [5, len(listed) - 1]
    assert all(o.result.queued == 1 and o.result.created == 1 for o in outcomes if not o.repeated)
    for address in many:
        await api.mailbox.wait_for(address)
    await asyncio.sleep(0.3)
    assert sorted(r for e in api.mailbox.emails for r in e.recipients) == sorted(many)


async def test_a_custom_onboarding_template(api: Api) -> None:
    await api.create_study(
        "study-a",
        onboardingTemplate={
            "subject": "Welcome to ${studyShortName}",
            "body": "Hi ${email}, open ${provisioningUrl} on your phone.",
        },
    )
    await _onboard(api, PEOPLE[:1])
    caught = await api.mailbox.wait_for(PEOPLE[0])
    assert caught.message["Subject"] == "Welcome to Study study-a"
    assert caught.text.startswith(f"Hi {PEOPLE[0]}, open https://signin.example.org/p/study-a?")
    assert caught.html is None


async def test_onboarding_templates_are_validated(api: Api) -> None:
    response = await api.client.post(
        "/v3/studies",
        json={
            "identifier": "study-b",
            "name": "B",
            "onboardingTemplate": {"subject": "Hi ${url}", "body": "No link here"},
        },
        headers=api.admin,
    )
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert "onboardingTemplate.subject" in body["errors"]  # ${url} is not an onboarding variable
    assert any("${provisioningUrl}" in m for m in body["errors"]["onboardingTemplate.body"])


async def test_bad_requests(api: Api, redis: Redis) -> None:
    await api.create_study("study-a")
    bad = await api.client.post(
        "/v3/studies/study-a/onboarding",
        json={"participants": [{"email": "fine@example.org"}, {"email": "not an address"}]},
        headers=api.admin,
    )
    body = assert_bridge_error(bad, 400, "InvalidEntityException")
    assert list(body["errors"]) == ["participants[1].email"]
    assert (await redis.exists("ml:{outbox}:onboarded:study-a")) == 0  # nothing done
    empty = await api.client.post(
        "/v3/studies/study-a/onboarding", json={"participants": []}, headers=api.admin
    )
    assert_bridge_error(empty, 400, "InvalidEntityException")
    unknown = await api.client.post(
        "/v3/studies/nope/onboarding",
        json={"participants": [{"email": "a@example.org"}]},
        headers=api.admin,
    )
    assert_bridge_error(unknown, 404, "EntityNotFoundException")
    anonymous = await api.client.post(
        "/v3/studies/study-a/onboarding", json={"participants": [{"email": "a@example.org"}]}
    )
    assert_bridge_error(anonymous, 401, "NotAuthenticatedException")


async def test_a_list_one_too_long_is_refused_by_its_length_not_its_size(
    api: Api, redis: Redis
) -> None:
    """The longest list the model allows fits the body limit of the operation: one entry more
    answers 400 naming the list (not 413), and only a body past that limit answers 413."""
    await api.create_study("study-a")
    local = "a" * 60
    addresses = [
        f"{local}{index:04d}@{'b' * 60}.{'c' * 60}.{'d' * 60}.org" for index in range(1001)
    ]
    assert len(addresses[0]) == 251  # near the longest address (254)
    too_many = await api.client.post(
        "/v3/studies/study-a/onboarding",
        json={"participants": [{"email": address} for address in addresses]},
        headers=api.admin,
    )
    body = assert_bridge_error(too_many, 400, "InvalidEntityException")
    assert list(body["errors"]) == ["participants"]
    assert (await redis.exists("ml:{outbox}:onboarded:study-a")) == 0
    padded = await api.client.post(
        "/v3/studies/study-a/onboarding",
        json={"participants": [{"email": "a@example.org", "note": "x" * 600 * 1024}]},
        headers=api.admin,
    )
    assert_bridge_error(padded, 413, "PayloadTooLargeException")
