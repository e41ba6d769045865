"""The researcher's listing of a study's participants, PATCH, the 409 that names the existing
participant, and the sign-in activity (lastSignInOn, signInCount, onboardedOn)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from itsdangerous import URLSafeSerializer

from service.store import keys
from service.store.connection import RedisClient
from tests.support.api import BACKENDS_WITH_CLUSTER, Api
from tests.support.contract import assert_bridge_error

# Every flow here writes through the accounts and the roster, which lie in different slots.
pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

LIST = "/v3/studies/study-a/participants"
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
PASSWORD = "correct-horse-battery"


async def _list(api: Api, study: str = "study-a", **params: Any) -> httpx.Response:
    return await api.client.get(
        f"/v3/studies/{study}/participants", params=params, headers=api.admin
    )


async def _page(api: Api, **params: Any) -> dict[str, Any]:
    response = await _list(api, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _create_many(api: Api, addresses: list[str]) -> list[str]:
    """Create the participants, ten at a time; their ids in the same order."""
    ids: list[str] = []
    for start in range(0, len(addresses), 10):
        batch = addresses[start : start + 10]
        created = await asyncio.gather(*(api.create_participant("study-a", a) for a in batch))
        ids.extend(body["id"] for body in created)
    return ids


def _assert_bad_search(response: httpx.Response, field: str, *words: str) -> None:
    body = assert_bridge_error(response, 400, "InvalidEntityException")
    assert list(body["errors"]) == [field], body
    for word in words:
        assert word in body["errors"][field][0], body


async def test_paging_returns_every_participant_exactly_once_in_address_order(api: Api) -> None:
    await api.create_study("study-a")
    # Mixed case and a shuffled creation order: the order is by normalized address.
    addresses = [f"P{i:03d}@Example.org" if i % 2 else f"p{i:03d}@example.org" for i in range(230)]
    ids = await _create_many(api, addresses[::-1])
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"pageSize": 100}
    while True:
        page = await _page(api, **params)
        pages.append(page)
        seen.extend(item["id"] for item in page["items"])
        if page["nextPageOffsetKey"] is None:
            break
        params["offsetKey"] = page["nextPageOffsetKey"]
    assert [len(page["items"]) for page in pages] == [100, 100, 30]
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen)) == 230
    listed = [item["email"] for page in pages for item in page["items"]]
    assert listed == addresses  # as written, ordered by their lower-case form
    assert {page["total"] for page in pages} == {230}
    assert [page["hasNext"] for page in pages] == [True, True, False]
    first = pages[0]
    assert first["type"] == "PagedResourceList"
    assert first["requestParams"] == {
        "pageSize": 100,
        "offsetKey": None,
        "emailFilter": None,
        "type": "RequestParams",
    }
    assert pages[1]["requestParams"]["offsetKey"] == pages[0]["nextPageOffsetKey"]


async def test_the_default_page_holds_fifty(api: Api) -> None:
    await api.create_study("study-a")
    await _create_many(api, [f"p{i:02d}@example.org" for i in range(51)])
    page = await _page(api)
    assert len(page["items"]) == 50
    assert page["requestParams"]["pageSize"] == 50
    rest = await _page(api, offsetKey=page["nextPageOffsetKey"])
    assert [item["email"] for item in rest["items"]] == ["p50@example.org"]
    assert rest["nextPageOffsetKey"] is None


async def test_the_email_filter_ignores_case_and_total_counts_its_matches(api: Api) -> None:
    await api.create_study("study-a")
    await _create_many(
        api,
        ["Zed@Example.ORG", "amy@example.org", "bob@elsewhere.test", "Cy@sub.EXAMPLE.org"],
    )
    page = await _page(api, emailFilter="eXaMpLe.Org", pageSize=2)
    assert [item["email"] for item in page["items"]] == ["amy@example.org", "Cy@sub.EXAMPLE.org"]
    assert page["total"] == 3
    rest = await _page(
        api, emailFilter="EXAMPLE.org", pageSize=2, offsetKey=page["nextPageOffsetKey"]
    )
    assert [item["email"] for item in rest["items"]] == ["Zed@Example.ORG"]
    assert rest["total"] == 3
    assert rest["nextPageOffsetKey"] is None
    assert (await _page(api, emailFilter="nobody"))["items"] == []
    assert (await _page(api))["total"] == 4


@pytest.mark.parametrize("page_size", ["0", "101", "-3", "ten", "1.5", ""])
async def test_a_bad_page_size_is_a_400_naming_it_and_the_range(api: Api, page_size: str) -> None:
    await api.create_study("study-a")
    response = await _list(api, pageSize=page_size)
    _assert_bad_search(response, "pageSize", "1 to 100")


async def test_a_foreign_or_made_up_offset_key_is_a_400_naming_it(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_study("study-b")
    await _create_many(api, [f"p{i}@example.org" for i in range(3)])
    for i in range(3):
        await api.create_participant("study-b", f"p{i}@example.org")
    key_b = (await _page(api, study="study-b", pageSize=1))["nextPageOffsetKey"]
    another_service = URLSafeSerializer(
        ["another-secret-key-0123456789"], salt="magiclink.participant-listing.offset-key"
    ).dumps(["study-a", "p0@example.org x"])
    for bad in ("not-a-key", key_b, another_service):
        _assert_bad_search(await _list(api, offsetKey=bad), "offsetKey", "nextPageOffsetKey")


async def test_a_tampered_offset_key_is_a_400(api: Api) -> None:
    await api.create_study("study-a")
    await _create_many(api, [f"p{i}@example.org" for i in range(3)])
    key = (await _page(api, pageSize=1))["nextPageOffsetKey"]
    assert (await _list(api, offsetKey=key)).status_code == 200
    payload, _, signature = key.rpartition(".")
    # Another position (the payload with one character changed), the same signature.
    changed = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    _assert_bad_search(await _list(api, offsetKey=f"{changed}.{signature}"), "offsetKey")


async def test_an_unknown_study_is_a_404_and_the_key_is_required(api: Api) -> None:
    response = await _list(api, study="no-such-study")
    assert assert_bridge_error(response, 404, "EntityNotFoundException")["entityClass"] == "Study"
    assert (await api.client.get(LIST)).status_code == 401


async def test_participants_created_before_the_roster_are_listed(
    api: Api, redis: RedisClient
) -> None:
    await api.create_study("study-a")
    ids = await _create_many(api, [f"old{i}@example.org" for i in range(5)])
    # As a deployment from before the listing: accounts and the id index, no roster.
    await redis.delete(keys.study_roster("study-a"))
    await redis.delete(keys.study_roster_built("study-a"))
    page = await _page(api, pageSize=3)
    assert page["total"] == 5
    rest = await _page(api, pageSize=3, offsetKey=page["nextPageOffsetKey"])
    assert sorted(item["id"] for item in page["items"] + rest["items"]) == sorted(ids)


async def test_a_deleted_or_moved_participant_leaves_the_listing(api: Api) -> None:
    await api.create_study("study-a")
    a, b, c = await _create_many(api, ["a@example.org", "b@example.org", "c@example.org"])
    assert (await api.client.delete(f"{LIST}/{b}", headers=api.admin)).status_code == 200
    moved = await api.client.patch(
        f"{LIST}/{a}", json={"email": "z@example.org"}, headers=api.admin
    )
    assert moved.status_code == 200, moved.text
    page = await _page(api)
    assert [(item["id"], item["email"]) for item in page["items"]] == [
        (c, "c@example.org"),
        (a, "z@example.org"),
    ]
    assert page["total"] == 2


async def test_patch_changes_only_the_fields_it_names(api: Api) -> None:
    await api.create_study("study-a")
    created = await api.create_participant(
        "study-a", "Keep@Example.org", consented=True, emailVerified=True
    )
    url = f"{LIST}/{created['id']}"
    response = await api.client.patch(url, json={"status": "disabled"}, headers=api.admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "disabled"
    unchanged = ("id", "email", "consented", "emailVerified", "createdOn", "sharingScope")
    assert {name: body[name] for name in unchanged} == {name: created[name] for name in unchanged}
    stored = (await api.client.get(url, headers=api.admin)).json()
    assert stored == body
    # POST and PUT, the older ways, stay.
    again = await api.client.post(url, json={"status": "enabled"}, headers=api.admin)
    assert again.status_code == 200
    assert again.json()["status"] == "enabled"


async def test_a_taken_address_is_a_409_naming_the_participant_who_has_it(api: Api) -> None:
    await api.create_study("study-a")
    first = await api.create_participant("study-a", "taken@example.org")
    other = await api.create_participant("study-a", "other@example.org")
    edit = f"PATCH /v3/studies/study-a/participants/{first['id']}"
    created = await api.client.post(LIST, json={"email": " TAKEN@example.org"}, headers=api.admin)
    moved = await api.client.patch(
        f"{LIST}/{other['id']}", json={"email": "Taken@Example.org"}, headers=api.admin
    )
    for response in (created, moved):
        body = assert_bridge_error(response, 409, "EntityAlreadyExistsException")
        assert body["entityClass"] == "StudyParticipant"
        assert body["entityKeys"] == {"userId": first["id"]}
        assert f"(id {first['id']})" in body["message"]
        assert edit in body["message"]
    # Nothing changed.
    stored = (await api.client.get(f"{LIST}/{other['id']}", headers=api.admin)).json()
    assert stored["email"] == "other@example.org"


async def test_sign_up_still_answers_alike_for_a_taken_address(api: Api) -> None:
    await api.create_study("study-a")
    first = await api.create_participant("study-a", "taken@example.org")
    answers = [
        await api.client.post(
            "/v3/auth/signUp",
            json={"study": "study-a", "email": email, "password": PASSWORD},
        )
        for email in ("taken@example.org", "new@example.org")
    ]
    assert [r.status_code for r in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert first["id"] not in answers[0].text


async def _participant(api: Api, participant_id: str) -> dict[str, Any]:
    response = await api.client.get(f"{LIST}/{participant_id}", headers=api.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_link_and_password_sign_ins_count_and_reauthentication_does_not(api: Api) -> None:
    await api.create_study("study-a")
    email = "active@example.org"
    created = await api.create_participant("study-a", email, password=PASSWORD, emailVerified=True)
    assert (created["signInCount"], created["lastSignInOn"]) == (0, None)
    session = await api.signed_in("study-a", email)  # by the emailed link
    after_link = await _participant(api, created["id"])
    assert after_link["signInCount"] == 1
    assert ISO_MS.fullmatch(after_link["lastSignInOn"])
    assert after_link["lastSignInOn"] >= created["createdOn"]

    await asyncio.sleep(0.01)  # the next sign-in's millisecond is a later one
    by_password = await api.client.post(
        "/v4/auth/signIn", json={"study": "study-a", "email": email, "password": PASSWORD}
    )
    assert by_password.status_code in (200, 412), by_password.text
    after_password = await _participant(api, created["id"])
    assert after_password["signInCount"] == 2
    assert after_password["lastSignInOn"] > after_link["lastSignInOn"]

    reauth = await api.client.post(
        "/v3/auth/reauth",
        json={
            "study": "study-a",
            "email": email,
            "reauthToken": by_password.json()["reauthToken"],
        },
    )
    assert reauth.status_code in (200, 412), reauth.text
    after_reauth = await _participant(api, created["id"])
    assert after_reauth["signInCount"] == 2
    assert after_reauth["lastSignInOn"] == after_password["lastSignInOn"]
    assert session["id"] == created["id"]
    # The listing shows the same.
    listed = (await _page(api))["items"]
    assert [(p["signInCount"], p["lastSignInOn"]) for p in listed] == [
        (2, after_password["lastSignInOn"])
    ]


async def test_a_failed_sign_in_counts_nothing(api: Api) -> None:
    await api.create_study("study-a")
    created = await api.create_participant(
        "study-a", "active@example.org", password=PASSWORD, emailVerified=True
    )
    wrong = await api.client.post(
        "/v4/auth/signIn",
        json={"study": "study-a", "email": "active@example.org", "password": "wrong-" + PASSWORD},
    )
    assert wrong.status_code == 404
    assert (await _participant(api, created["id"]))["signInCount"] == 0


async def test_a_new_address_keeps_the_sign_in_activity(api: Api) -> None:
    await api.create_study("study-a")
    created = await api.create_participant("study-a", "before@example.org")
    await api.signed_in("study-a", "before@example.org")
    signed = await _participant(api, created["id"])
    moved = await api.client.patch(
        f"{LIST}/{created['id']}", json={"email": "after@example.org"}, headers=api.admin
    )
    assert moved.status_code == 200, moved.text
    after = await _participant(api, created["id"])
    assert (after["signInCount"], after["lastSignInOn"]) == (1, signed["lastSignInOn"])


async def test_onboarding_records_when_the_email_was_queued(api: Api) -> None:
    await api.create_study("study-a")
    created = await api.create_participant("study-a", "onboard@example.org")
    assert created["onboardedOn"] is None
    response = await api.client.post(
        "/v3/studies/study-a/onboarding",
        json={"participants": [{"email": "onboard@example.org"}, {"email": "new@example.org"}]},
        headers=api.admin,
    )
    assert response.status_code == 202, response.text
    await api.mailbox.wait_for("onboard@example.org")
    onboarded = await _participant(api, created["id"])
    assert ISO_MS.fullmatch(onboarded["onboardedOn"])
    assert onboarded["onboardedOn"] >= created["createdOn"]
    assert onboarded["signInCount"] == 0  # an onboarding email is no sign-in
    listed = {p["email"]: p["onboardedOn"] for p in (await _page(api))["items"]}
    assert listed["onboard@example.org"] == onboarded["onboardedOn"]
    assert listed["new@example.org"] is not None  # created by the onboarding, then emailed
